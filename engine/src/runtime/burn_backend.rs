//! Burn on CubeCL: the detection and descriptor networks (Rust code generated from their ONNX files at build time,
//! `burn_nets.rs`) on wgpu or on CUDA, in fp32 or fp16, with their weights read at run time from the `.bpk` files
//! that `make models` writes beside the ONNX files. In fp16 the weights are cast after loading, the inputs on the
//! device, and the outputs are widened to f32 when read back. Devices are probed with the kernels crate's runtime checks before
//! Burn touches them (CubeCL panics when a driver or device is missing), and a run that panics inside Burn
//! becomes an `Inference` error.
//! Inputs come from the host (`run`) or are already on the device, made there by the kernels crate (`run_on_device`,
//! `burn_device`); outputs are read back to the host in one transaction per call.
//! Owns: device probing for the Burn backends, loading weights, running the networks, tensors in and out.

use super::burn_device::{Client, DeviceFrame, DeviceInput};
use super::{Backend, DeviceMemory, Precision};
use crate::error::{EngineError, Result};
use burn::backend::cuda::CudaDevice;
use burn::backend::wgpu::{WgpuDevice, WgpuRuntime};
use burn::backend::{Cuda, Wgpu};
use burn::tensor::backend::Backend as BurnBackend;
use burn::tensor::{DType, FloatDType, Tensor, TensorData, Transaction};
use cubecl::Runtime;
use cubecl::cuda::CudaRuntime;
use ndarray::{ArrayD, ArrayViewD, IxDyn};
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

/// The memory of `backend`'s device pool (shared by every network and kernel on the device). Call it only for a
/// backend whose networks have loaded: CubeCL opens the device on first use.
pub(super) fn device_memory(backend: Backend) -> Option<DeviceMemory> {
    let usage = guarded(|| match backend {
        Backend::BurnWgpu => WgpuRuntime::client(&WgpuDevice::DefaultDevice)
            .memory_usage()
            .map_err(|e| format!("{e:?}")),
        Backend::BurnCuda => CudaRuntime::client(&CudaDevice::new(0))
            .memory_usage()
            .map_err(|e| format!("{e:?}")),
        Backend::OrtCpu | Backend::OrtCuda | Backend::OrtTensorRt => {
            Err(format!("{} is not a Burn backend", backend.name()))
        }
    });
    usage.ok().map(|usage| DeviceMemory {
        in_use: usage.bytes_in_use,
        reserved: usage.bytes_reserved,
    })
}

/// One network as a Burn model on its device.
pub struct BurnNetwork {
    name: &'static str,
    model: Model,
    precision: Precision,
}

/// The model on the device of its backend.
enum Model {
    Wgpu(nets::Net<Wgpu>, WgpuDevice),
    Cuda(nets::Net<Cuda>, CudaDevice),
}

impl BurnNetwork {
    /// Loads the network `name` (an ONNX file stem) for `backend` with its weights from `weights`, to compute in
    /// `precision`. Fails with `RuntimeUnavailable` when the backend cannot run here and `ModelMissing` when the
    /// weights do not load.
    pub fn load(
        backend: Backend,
        name: &'static str,
        weights: &Path,
        precision: Precision,
    ) -> Result<BurnNetwork> {
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
                nets::Net::load(name, weights, &device)
                    .map(|net| Model::Wgpu(net.in_precision(precision), device))
            }
            Backend::BurnCuda => {
                let device = CudaDevice::new(0);
                nets::Net::load(name, weights, &device)
                    .map(|net| Model::Cuda(net.in_precision(precision), device))
            }
            Backend::OrtCpu | Backend::OrtCuda | Backend::OrtTensorRt => {
                Err(format!("{} is not a Burn backend", backend.name()))
            }
        })
        .map_err(missing)?;
        Ok(BurnNetwork {
            name,
            model,
            precision,
        })
    }

    /// Runs the network on one NCHW input tensor; returns the outputs named in `outputs`, in that order.
    pub fn run(&self, input: ArrayViewD<'_, f32>, outputs: &[&str]) -> Result<Vec<ArrayD<f32>>> {
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
            Model::Wgpu(net, device) => {
                let input = Tensor::from_data(data, (device, DType::F32));
                forward(net, vec![input], outputs, self.precision)
            }
            Model::Cuda(net, device) => {
                let input = Tensor::from_data(data, (device, DType::F32));
                forward(net, vec![input], outputs, self.precision)
            }
        })
        .map_err(fail)?;
        read.into_iter()
            .map(|data| to_array(data).map_err(fail))
            .collect()
    }

    /// Uploads an RGB image to this network's device, where the kernels crate makes the inputs of `run_on_device`.
    pub fn frame(&self, rgb: &[u8], width: usize, height: usize) -> Result<DeviceFrame> {
        let client = match &self.model {
            Model::Wgpu(_, device) => Client::wgpu(device),
            Model::Cuda(_, device) => Client::cuda(device),
        };
        DeviceFrame::upload(client, rgb, width, height)
    }

    /// Runs the network once per input already on its device; returns, per input, the outputs named in
    /// `outputs`, all read back in one transaction.
    pub fn run_on_device(
        &self,
        inputs: &[DeviceInput<'_>],
        outputs: &[&str],
    ) -> Result<Vec<Vec<ArrayD<f32>>>> {
        let fail = |reason: String| EngineError::Inference {
            model: self.name,
            reason,
        };
        let read = guarded(|| match &self.model {
            Model::Wgpu(net, device) => {
                let tensors = inputs
                    .iter()
                    .map(|input| input.tensor::<WgpuRuntime, u32>(Backend::BurnWgpu, device))
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                forward(net, tensors, outputs, self.precision)
            }
            Model::Cuda(net, device) => {
                let tensors = inputs
                    .iter()
                    .map(|input| input.tensor::<CudaRuntime, u8>(Backend::BurnCuda, device))
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                forward(net, tensors, outputs, self.precision)
            }
        })
        .map_err(fail)?;
        let mut values = read.into_iter();
        let mut per_input = Vec::with_capacity(inputs.len());
        for _ in inputs {
            let outs = values
                .by_ref()
                .take(outputs.len())
                .map(to_array)
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(fail)?;
            if outs.len() != outputs.len() {
                return Err(fail("fewer outputs read back than asked for".into()));
            }
            per_input.push(outs);
        }
        Ok(per_input)
    }
}

/// Runs `net` on each of `inputs` (f32, cast to `precision` on the device) and reads the `outputs` of every run
/// back in one transaction, input after input.
fn forward<B: BurnBackend>(
    net: &nets::Net<B>,
    inputs: Vec<Tensor<B, 4>>,
    outputs: &[&str],
    precision: Precision,
) -> std::result::Result<Vec<TensorData>, String> {
    let mut transaction = Transaction::default();
    for input in inputs {
        let input = match precision {
            Precision::Fp32 => input,
            Precision::Fp16 => input.cast(FloatDType::F16),
        };
        transaction = net.forward(input, outputs, transaction)?;
    }
    transaction
        .try_execute()
        .map_err(|e| format!("reading the outputs back failed: {e:?}"))
}

/// Values read back (f32, or f16 widened to f32) as an array of their shape.
fn to_array(data: TensorData) -> std::result::Result<ArrayD<f32>, String> {
    let shape = data.shape.to_vec();
    let values = data
        .convert::<f32>()
        .into_vec::<f32>()
        .map_err(|e| format!("{e:?}"))?;
    ArrayD::from_shape_vec(IxDyn(&shape), values).map_err(|e| e.to_string())
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
