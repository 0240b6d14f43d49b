//! The Burn networks of this build: the code burn-onnx generated from the ONNX files (`build.rs`), and per
//! network the glue that reads its weights, casts them to the precision asked for and names its outputs as its
//! ONNX file does (`models/README.md`).

use super::Precision;
use burn::module::{Module, ModuleMapper, Param};
use burn::tensor::backend::Backend;
use burn::tensor::ops::PadMode;
use burn::tensor::{FloatDType, Tensor, Transaction};
use burn_store::{BurnpackStore, ModuleSnapshot};
use std::path::Path;

mod mtcnn_pnet {
    include!(concat!(env!("OUT_DIR"), "/burn/mtcnn_pnet.rs"));
}
mod mtcnn_rnet {
    include!(concat!(env!("OUT_DIR"), "/burn/mtcnn_rnet.rs"));
}
mod mtcnn_onet {
    include!(concat!(env!("OUT_DIR"), "/burn/mtcnn_onet.rs"));
}
mod dlib_resnet_v1 {
    use super::PadInOwnType;
    include!(concat!(env!("OUT_DIR"), "/burn/dlib_resnet_v1.rs"));
}

/// Whether this build has the Burn networks: it has.
pub fn built() -> Result<(), String> {
    Ok(())
}

/// One network on backend `B`. Boxed: a model is tens of kilobytes, and unoptimised builds would copy it
/// through every frame between here and the engine.
pub enum Net<B: Backend> {
    Pnet(Box<mtcnn_pnet::Model<B>>),
    Rnet(Box<mtcnn_rnet::Model<B>>),
    Onet(Box<mtcnn_onet::Model<B>>),
    Resnet(Box<dlib_resnet_v1::Model<B>>),
}

impl<B: Backend> Net<B> {
    /// The network `name` on `device`, with the weights of the burnpack file `weights`. Every tensor of the file
    /// must fill a parameter of the network and every parameter must be filled, with the same shape.
    pub fn load(name: &str, weights: &Path, device: &B::Device) -> Result<Net<B>, String> {
        let mut net = match name {
            "mtcnn_pnet" => Net::Pnet(Box::new(mtcnn_pnet::Model::new(device))),
            "mtcnn_rnet" => Net::Rnet(Box::new(mtcnn_rnet::Model::new(device))),
            "mtcnn_onet" => Net::Onet(Box::new(mtcnn_onet::Model::new(device))),
            "dlib_resnet_v1" => Net::Resnet(Box::new(dlib_resnet_v1::Model::new(device))),
            other => return Err(format!("{other} has no Burn form in this build")),
        };
        let mut store = BurnpackStore::from_file(weights);
        let applied = match &mut net {
            Net::Pnet(model) => model.load_from(&mut store),
            Net::Rnet(model) => model.load_from(&mut store),
            Net::Onet(model) => model.load_from(&mut store),
            Net::Resnet(model) => model.load_from(&mut store),
        }
        .map_err(|e| e.to_string())?;
        if !applied.unused.is_empty() {
            return Err(format!(
                "the file holds tensors {name} does not have: {} (weights of another version; run `make models`)",
                applied.unused.join(", ")
            ));
        }
        Ok(net)
    }

    /// The network computing in `precision`: in fp16, every weight cast to f16.
    pub fn in_precision(self, precision: Precision) -> Net<B> {
        if precision == Precision::Fp32 {
            return self;
        }
        let half = &mut ToHalf;
        match self {
            Net::Pnet(model) => Net::Pnet(Box::new(model.map(half))),
            Net::Rnet(model) => Net::Rnet(Box::new(model.map(half))),
            Net::Onet(model) => Net::Onet(Box::new(model.map(half))),
            Net::Resnet(model) => Net::Resnet(Box::new(model.map(half))),
        }
    }

    /// Runs the network and adds the outputs named in `wanted`, in that order, to the reads of `transaction`.
    pub fn forward(
        &self,
        input: Tensor<B, 4>,
        wanted: &[&str],
        transaction: Transaction<B>,
    ) -> Result<Transaction<B>, String> {
        match self {
            Net::Pnet(model) => {
                let (prob, reg) = model.forward(input);
                pick(transaction, wanted, [("prob", prob), ("reg", reg)])
            }
            Net::Rnet(model) => {
                let (prob, reg) = model.forward(input);
                pick(transaction, wanted, [("prob", prob), ("reg", reg)])
            }
            Net::Onet(model) => {
                let (prob, reg, landmarks) = model.forward(input);
                pick(
                    transaction,
                    wanted,
                    [("prob", prob), ("reg", reg), ("landmarks", landmarks)],
                )
            }
            Net::Resnet(model) => pick(transaction, wanted, [("descriptor", model.forward(input))]),
        }
    }
}

/// Padding that keeps the tensor's float type; `build.rs` sends the generated code's `pad` calls here.
trait PadInOwnType<const D: usize> {
    fn pad_in_own_type(self, padding: [(usize, usize); D], mode: PadMode) -> Self;
}

impl<B: Backend, const D: usize> PadInOwnType<D> for Tensor<B, D> {
    /// Constant padding makes the padded tensor in this tensor's type and writes this tensor into it; Burn's own
    /// `pad` makes it in the device's default type, which is f32 even when this tensor is f16. Reflection and edge
    /// padding make no new tensor and go to `pad`.
    fn pad_in_own_type(self, padding: [(usize, usize); D], mode: PadMode) -> Self {
        let PadMode::Constant(value) = mode else {
            return self.pad(padding, mode);
        };
        let mut dims = self.dims();
        let mut inside = Vec::with_capacity(D);
        for (dim, (before, after)) in dims.iter_mut().zip(padding) {
            inside.push(before..before + *dim);
            *dim += before + after;
        }
        Tensor::full(dims, value, (&self.device(), self.dtype()))
            .slice_assign(inside.as_slice(), self)
    }
}

/// Casts every float parameter of a module to f16.
struct ToHalf;

impl<B: Backend> ModuleMapper<B> for ToHalf {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        param.map(|tensor| tensor.cast(FloatDType::F16))
    }
}

/// `transaction` with the `wanted` ones of a network's named outputs added to its reads.
fn pick<B: Backend, const D: usize, const N: usize>(
    mut transaction: Transaction<B>,
    wanted: &[&str],
    outputs: [(&str, Tensor<B, D>); N],
) -> Result<Transaction<B>, String> {
    for name in wanted {
        let (_, tensor) = outputs
            .iter()
            .find(|(output, _)| output == name)
            .ok_or_else(|| format!("no output named {name}"))?;
        transaction = transaction.register(tensor.clone());
    }
    Ok(transaction)
}
