//! Burn on CubeCL: the detection and descriptor networks (Rust code generated from their ONNX files at build time,
//! `burn_nets.rs`) on wgpu or on CUDA, in fp32, with their weights read at run time from the `.bpk` files that
//! `make models` writes beside the ONNX files. Devices are probed with the kernels crate's runtime checks before
//! Burn touches them (CubeCL panics when a driver or device is missing), and a run that panics inside Burn
//! becomes an `Inference` error.
//! Owns: device probing for the Burn backends, loading weights, tensors in and out. Pre- and post-processing stay
//! on the CPU, in `detect` and `engine`.

use super::Backend;
use crate::error::{EngineError, Result};
use burn::backend::cuda::CudaDevice;
use burn::backend::wgpu::WgpuDevice;
use burn::backend::{Cuda, Wgpu};
use burn::tensor::backend::Backend as BurnBackend;
use burn::tensor::{Tensor, TensorData};
use ndarray::{ArrayD, IxDyn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

#[cfg(burn_networks)]
#[path = "burn_nets.rs"]
mod nets;
#[cfg(not(burn_networks))]
#[path = "burn_nets_missing.rs"]
mod nets;

/// Whether `backend` can run here: this build has the Burn networks and its device opens. The device checks are
/// the kernels crate's (`argus_kernels::runtime`): the CUDA driver library and headers, then the device.
pub(super) fn check(backend: Backend) -> std::result::Result<(), String> {
    nets::built()?;
    match backend {
        Backend::BurnWgpu => argus_kernels::runtime::wgpu_client().map(drop),
        Backend::BurnCuda => argus_kernels::runtime::cuda_client().map(drop),
        Backend::OrtCpu | Backend::OrtCuda | Backend::OrtTensorRt => {
            Err(format!("{} is not a Burn backend", backend.name()))
        }
    }
}

/// One network as a Burn model on its device.
pub struct BurnNetwork {
    name: &'static str,
    model: Model,
}

/// The model on the device of its backend.
enum Model {
    Wgpu(nets::Net<Wgpu>, WgpuDevice),
    Cuda(nets::Net<Cuda>, CudaDevice),
}

impl BurnNetwork {
    /// Loads the network `name` (an ONNX file stem) for `backend` with its weights from `weights`. Fails with
    /// `RuntimeUnavailable` when the backend cannot run here and `ModelMissing` when the weights do not load.
    pub fn load(backend: Backend, name: &'static str, weights: &Path) -> Result<BurnNetwork> {
        check(backend).map_err(|why| EngineError::RuntimeUnavailable {
            reason: format!("{}: {why}", backend.name()),
        })?;
        let missing = |reason: String| EngineError::ModelMissing {
            path: weights.to_path_buf(),
            reason,
        };
        if !weights.is_file() {
            return Err(missing("no such file".into()));
        }
        let model = guarded(|| match backend {
            Backend::BurnWgpu => {
                let device = WgpuDevice::DefaultDevice;
                nets::Net::load(name, weights, &device).map(|net| Model::Wgpu(net, device))
            }
            Backend::BurnCuda => {
                let device = CudaDevice::new(0);
                nets::Net::load(name, weights, &device).map(|net| Model::Cuda(net, device))
            }
            Backend::OrtCpu | Backend::OrtCuda | Backend::OrtTensorRt => {
                Err(format!("{} is not a Burn backend", backend.name()))
            }
        })
        .map_err(missing)?;
        Ok(BurnNetwork { name, model })
    }

    /// Runs the network on one NCHW input tensor; returns the outputs named in `outputs`, in that order.
    pub fn run(&self, input: &ArrayD<f32>, outputs: &[&str]) -> Result<Vec<ArrayD<f32>>> {
        let fail = |reason: String| EngineError::Inference {
            model: self.name,
            reason,
        };
        let dims: [usize; 4] = input
            .shape()
            .try_into()
            .map_err(|_| fail(format!("input of shape {:?} is not NCHW", input.shape())))?;
        let data = TensorData::new(input.iter().copied().collect::<Vec<f32>>(), dims);
        let read = guarded(|| match &self.model {
            Model::Wgpu(net, device) => forward(net, data, device, outputs),
            Model::Cuda(net, device) => forward(net, data, device, outputs),
        })
        .map_err(fail)?;
        read.into_iter()
            .map(|data| {
                let shape = data.shape.to_vec();
                let values = data.into_vec::<f32>().map_err(|e| fail(format!("{e:?}")))?;
                ArrayD::from_shape_vec(IxDyn(&shape), values).map_err(|e| fail(e.to_string()))
            })
            .collect()
    }
}

/// Uploads `input`, runs `net` and reads the `outputs` back in one transaction.
fn forward<B: BurnBackend>(
    net: &nets::Net<B>,
    input: TensorData,
    device: &B::Device,
    outputs: &[&str],
) -> std::result::Result<Vec<TensorData>, String> {
    let input = Tensor::<B, 4>::from_data(input, device);
    net.forward(input, outputs)?
        .try_execute()
        .map_err(|e| format!("reading the outputs back failed: {e:?}"))
}

/// Runs `work`, turning a panic inside Burn or CubeCL into an error.
fn guarded<T>(
    work: impl FnOnce() -> std::result::Result<T, String>,
) -> std::result::Result<T, String> {
    catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|panic| {
        let text = panic
            .downcast_ref::<&str>()
            .map(|text| (*text).to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        Err(format!("Burn panicked: {text}"))
    })
}
