//! Network execution. `Backend` picks where networks run: ONNX Runtime (`ort_backend`: the CPU, or an NVIDIA GPU through
//! its CUDA or TensorRT provider when the loaded library has them), or Burn on CubeCL (`burn_backend`: wgpu, or CUDA) for
//! the detection and descriptor networks. `choose_backend` turns a `BackendChoice` into a backend and the reason
//! for it, and `Network` is what detection and extraction call, whichever runtime runs the network.
//! Owns: backend names and selection, dispatch to the runtimes. The runtimes own their libraries and devices.

mod burn_backend;
mod burn_device;
mod ort_backend;

use crate::error::{EngineError, Result};
use ndarray::{ArrayD, ArrayViewD};
use std::path::Path;

pub use burn_device::{DeviceBatch, DeviceFrame, DeviceInput};
pub use ort_backend::find_library;

/// Where networks run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// ONNX Runtime, CPU execution provider.
    OrtCpu,
    /// ONNX Runtime, CUDA execution provider (nodes it lacks fall back to the CPU provider).
    OrtCuda,
    /// ONNX Runtime, TensorRT execution provider in fp16 with its engines cached on disk beside the models
    /// (`tensorrt-cache/`), then CUDA, then CPU for the nodes TensorRT does not take.
    OrtTensorRt,
    /// Burn on CubeCL's wgpu runtime (Vulkan, Metal or DX12; software adapters such as lavapipe included), in fp32
    /// or fp16 (`Precision`). Detection and descriptors only: the attribute networks run on `OrtCpu`.
    BurnWgpu,
    /// Burn on CubeCL's CUDA runtime (device 0), in fp32 or fp16. Detection and descriptors only, as `BurnWgpu`.
    BurnCuda,
}

impl Backend {
    /// The name shown in health checks and metrics.
    pub fn name(self) -> &'static str {
        match self {
            Backend::OrtCpu => "ort-cpu",
            Backend::OrtCuda => "ort-cuda",
            Backend::OrtTensorRt => "ort-tensorrt",
            Backend::BurnWgpu => "burn-wgpu",
            Backend::BurnCuda => "burn-cuda",
        }
    }

    /// Where the attribute networks run when the others run on this backend: Burn has only the detection and
    /// descriptor networks, so its backends leave the attributes to ONNX Runtime on the CPU.
    pub fn for_attributes(self) -> Backend {
        match self {
            Backend::OrtCpu | Backend::OrtCuda | Backend::OrtTensorRt => self,
            Backend::BurnWgpu | Backend::BurnCuda => Backend::OrtCpu,
        }
    }
}

/// What the Burn networks compute in. ONNX Runtime's backends take only `Fp32` here: their CPU and CUDA providers
/// run the ONNX files as they are, and the TensorRT provider builds fp16 engines of its own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Precision {
    /// Weights, activations and outputs in f32.
    #[default]
    Fp32,
    /// Weights and activations in f16; the outputs are read back as f32.
    Fp16,
}

impl Precision {
    /// Every precision, in the order settings list them.
    pub const ALL: [Precision; 2] = [Precision::Fp32, Precision::Fp16];

    /// The name used in settings, health checks and metrics.
    pub fn name(self) -> &'static str {
        match self {
            Precision::Fp32 => "fp32",
            Precision::Fp16 => "fp16",
        }
    }

    /// The precision named `name` (`fp32` or `fp16`).
    pub fn from_name(name: &str) -> Option<Precision> {
        Precision::ALL
            .into_iter()
            .find(|precision| precision.name() == name)
    }
}

/// The device memory of a Burn backend's CubeCL memory pool, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceMemory {
    /// Held by live buffers.
    pub in_use: u64,
    /// Taken from the device by the pool: what is in use and what it keeps for reuse.
    pub reserved: u64,
}

/// The device memory of `backend`'s pool, where it has one (the Burn backends) and its device has been opened;
/// `None` for ONNX Runtime, whose providers keep their own.
pub fn device_memory(backend: Backend) -> Option<DeviceMemory> {
    match backend {
        Backend::BurnWgpu | Backend::BurnCuda => burn_backend::device_memory(backend),
        Backend::OrtCpu | Backend::OrtCuda | Backend::OrtTensorRt => None,
    }
}

/// What the operator asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendChoice {
    /// The best ONNX Runtime provider that works here: TensorRT, else CUDA, else the CPU.
    Auto,
    /// A GPU: ONNX Runtime's TensorRT, else its CUDA provider, else Burn on CUDA; or an error.
    Gpu,
    /// This backend, or an error.
    Exactly(Backend),
}

/// The backend for `choice`, with the reason, or `RuntimeUnavailable` saying why each candidate cannot run.
/// Never panics: a missing runtime library, provider, driver or device is a reason, not a crash.
pub fn choose_backend(choice: BackendChoice) -> Result<(Backend, String)> {
    let candidates: &[Backend] = match &choice {
        BackendChoice::Auto => &[Backend::OrtTensorRt, Backend::OrtCuda, Backend::OrtCpu],
        BackendChoice::Gpu => &[Backend::OrtTensorRt, Backend::OrtCuda, Backend::BurnCuda],
        BackendChoice::Exactly(backend) => std::slice::from_ref(backend),
    };
    let mut providers = ort_backend::Providers::default();
    let mut missing = Vec::new();
    for &backend in candidates {
        let available = match backend {
            Backend::OrtCpu | Backend::OrtCuda | Backend::OrtTensorRt => providers.check(backend),
            Backend::BurnWgpu | Backend::BurnCuda => burn_backend::check(backend),
        };
        match available {
            Ok(()) => return Ok((backend, reason(choice, backend, &missing))),
            Err(why) => missing.push((backend, why)),
        }
    }
    Err(EngineError::RuntimeUnavailable {
        reason: passed_over(&missing),
    })
}

/// Why each candidate was passed over; how to get ONNX Runtime's GPU providers follows the last one missing.
fn passed_over(missing: &[(Backend, String)]) -> String {
    let mut reasons: Vec<String> = missing
        .iter()
        .map(|(backend, why)| format!("{}: {why}", backend.name()))
        .collect();
    let last_ort_gpu = missing
        .iter()
        .rposition(|(backend, _)| matches!(backend, Backend::OrtCuda | Backend::OrtTensorRt));
    if let Some(i) = last_ort_gpu {
        reasons[i].push_str(ort_backend::GPU_HINT);
    }
    reasons.join("; ")
}

/// Why `backend` was taken after the candidates before it were `missing`.
fn reason(choice: BackendChoice, backend: Backend, missing: &[(Backend, String)]) -> String {
    let why = if !missing.is_empty() {
        passed_over(missing)
    } else if matches!(choice, BackendChoice::Exactly(_)) {
        format!("{} was asked for", backend.name())
    } else {
        format!(
            "{}: the best provider the ONNX Runtime library has",
            backend.name()
        )
    };
    if backend.for_attributes() == backend {
        why
    } else {
        format!(
            "{why} (the attribute networks run on {})",
            backend.for_attributes().name()
        )
    }
}

/// One loaded network, on the runtime of the backend it was loaded for.
pub struct Network(Loaded);

enum Loaded {
    /// An ONNX Runtime session.
    Ort(ort_backend::OrtNetwork),
    /// A Burn model on a CubeCL device.
    Burn(burn_backend::BurnNetwork),
}

impl Network {
    /// Loads the network `name` from its ONNX file `path` for `backend`: ONNX Runtime reads the ONNX file with
    /// `threads` intra-op threads; Burn reads the weights from the `.bpk` file beside it and computes in
    /// `precision`. `Fp16` on an ONNX Runtime backend is a `BadOption`.
    pub fn load(
        backend: Backend,
        name: &'static str,
        path: &Path,
        threads: usize,
        precision: Precision,
    ) -> Result<Network> {
        match backend {
            Backend::OrtCpu | Backend::OrtCuda | Backend::OrtTensorRt => {
                if precision != Precision::Fp32 {
                    return Err(EngineError::BadOption {
                        reason: format!(
                            "{} runs the networks as their ONNX files are (fp32); {} is a precision of \
                             burn-wgpu and burn-cuda (ort-tensorrt builds fp16 engines of its own)",
                            backend.name(),
                            precision.name()
                        ),
                    });
                }
                ort_backend::OrtNetwork::load(backend, name, path, threads).map(Loaded::Ort)
            }
            Backend::BurnWgpu | Backend::BurnCuda => burn_backend::BurnNetwork::load(
                backend,
                name,
                &path.with_extension("bpk"),
                precision,
            )
            .map(Loaded::Burn),
        }
        .map(Network)
    }

    /// Whether this network takes inputs already on its device (`frame`, `run_on_device`): Burn networks do; ONNX
    /// Runtime networks take host arrays only.
    pub fn on_device(&self) -> bool {
        matches!(self.0, Loaded::Burn(_))
    }

    /// Uploads an RGB image to the device this network runs on, where the kernels crate makes the inputs of
    /// `run_on_device`.
    pub fn frame(&self, rgb: &[u8], width: usize, height: usize) -> Result<DeviceFrame> {
        match &self.0 {
            Loaded::Ort(_) => Err(host_only()),
            Loaded::Burn(network) => network.frame(rgb, width, height),
        }
    }

    /// Runs the network once per input already on its device (made through a `frame` of a network on the same
    /// backend); returns the outputs named in `outputs` per input, read back together.
    pub fn run_on_device(
        &self,
        inputs: &[DeviceInput<'_>],
        outputs: &[&str],
    ) -> Result<Vec<Vec<ArrayD<f32>>>> {
        match &self.0 {
            Loaded::Ort(_) => Err(host_only()),
            Loaded::Burn(network) => network.run_on_device(inputs, outputs),
        }
    }

    /// Runs the network on one input tensor named `input`; returns the outputs named in `outputs`, in that order.
    pub fn run(&self, input: ArrayViewD<'_, f32>, outputs: &[&str]) -> Result<Vec<ArrayD<f32>>> {
        match &self.0 {
            Loaded::Ort(network) => network.run(input, outputs),
            Loaded::Burn(network) => network.run(input, outputs),
        }
    }
}

fn host_only() -> EngineError {
    EngineError::Inference {
        model: "onnx runtime",
        reason: "an ONNX Runtime network takes its inputs from the host".into(),
    }
}
