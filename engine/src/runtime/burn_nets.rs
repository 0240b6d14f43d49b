//! The Burn networks of this build: the code burn-onnx generated from the ONNX files (`build.rs`), and per
//! network the glue that reads its weights and names its outputs as its ONNX file does (`models/README.md`).

use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, Transaction};
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
