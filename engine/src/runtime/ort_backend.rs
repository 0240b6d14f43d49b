//! ONNX Runtime, loaded at run time from the `onnxruntime` Python wheel's shared library (or `ORT_DYLIB_PATH`),
//! on the CPU, or on an NVIDIA GPU through its CUDA or TensorRT execution provider when the loaded library has
//! them (the `onnxruntime-gpu` wheel does; the plain wheel does not).
//! Owns: finding and initialising the runtime library, its providers, sessions, and turning tensors in and out.

use super::Backend;
use crate::error::{EngineError, Result};
use ndarray::{ArrayD, ArrayViewD, IxDyn};
use ort::ep::{ExecutionProvider, ExecutionProviderDispatch};
use ort::session::Session;
use ort::value::TensorRef;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// The execution provider ONNX Runtime must list for `backend` (`None`: always there; Burn backends are not
/// asked about here).
fn provider(backend: Backend) -> Option<&'static str> {
    match backend {
        Backend::OrtCuda => Some(ort::ep::CUDA::NAME),
        Backend::OrtTensorRt => Some(ort::ep::TensorRT::NAME),
        Backend::OrtCpu | Backend::BurnWgpu | Backend::BurnCuda => None,
    }
}

/// How to get the GPU providers, appended to a reason that names a missing one.
pub(super) const GPU_HINT: &str = " (the onnxruntime-gpu wheel has the CUDA and TensorRT providers: point \
                                   ORT_DYLIB_PATH at its libonnxruntime.so)";

/// The providers of the loaded library, asked for once and only when a GPU provider is a candidate.
#[derive(Default)]
pub(super) struct Providers {
    listed: Option<std::result::Result<Vec<&'static str>, String>>,
}

impl Providers {
    /// Whether the library has `backend`'s provider, or why not.
    pub(super) fn check(&mut self, backend: Backend) -> std::result::Result<(), String> {
        let Some(provider) = provider(backend) else {
            return Ok(());
        };
        match self.listed.get_or_insert_with(available_providers) {
            Ok(names) if names.contains(&provider) => Ok(()),
            Ok(names) => Err(format!(
                "the ONNX Runtime library has no {provider} (it lists {})",
                names.join(", ")
            )),
            Err(error) => Err(error.clone()),
        }
    }
}

/// The execution providers the loaded ONNX Runtime library was built with (of those Argus uses).
fn available_providers() -> std::result::Result<Vec<&'static str>, String> {
    environment().map_err(|e| e.to_string())?;
    type Check = fn() -> ort::Result<bool>;
    let checks: [(&'static str, Check); 3] = [
        (ort::ep::TensorRT::NAME, ort::ep::TensorRT::is_available),
        (ort::ep::CUDA::NAME, ort::ep::CUDA::is_available),
        (ort::ep::CPU::NAME, ort::ep::CPU::is_available),
    ];
    let mut listed = Vec::new();
    for (name, available) in checks {
        if available().map_err(|e| e.to_string())? {
            listed.push(name);
        }
    }
    Ok(listed)
}

static ENVIRONMENT: OnceLock<std::result::Result<ort::environment::Environment, String>> =
    OnceLock::new();

/// Finds the ONNX Runtime shared library: `ORT_DYLIB_PATH`, else the project venv under `~/.cache/argus/venv`.
pub fn find_library() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("ORT_DYLIB_PATH") {
        let path = PathBuf::from(path);
        if path.is_file() {
            return Ok(path);
        }
        return Err(EngineError::RuntimeUnavailable {
            reason: format!("ORT_DYLIB_PATH={} is not a file", path.display()),
        });
    }
    let venv = std::env::var_os("ARGUS_VENV")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|home| Path::new(&home).join(".cache/argus/venv"))
        });
    let Some(venv) = venv else {
        return Err(no_library("neither ORT_DYLIB_PATH nor HOME is set"));
    };
    let pattern = venv.join("lib/python3*/site-packages/onnxruntime/capi/libonnxruntime.so*");
    let found = glob::glob(&pattern.to_string_lossy())
        .map_err(|e| no_library(&e.to_string()))?
        .filter_map(std::result::Result::ok)
        .filter(|p| p.is_file())
        .max();
    found.ok_or_else(|| no_library(&format!("nothing matches {}", pattern.display())))
}

fn no_library(detail: &str) -> EngineError {
    EngineError::RuntimeUnavailable {
        reason: format!(
            "no ONNX Runtime library: set ORT_DYLIB_PATH to libonnxruntime.so, or run `make setup` to create the venv ({detail})"
        ),
    }
}

fn environment() -> Result<&'static ort::environment::Environment> {
    let env = ENVIRONMENT.get_or_init(|| {
        let library = find_library().map_err(|e| match e {
            EngineError::RuntimeUnavailable { reason } => reason,
            other => other.to_string(),
        })?;
        let builder =
            ort::init_from(&library).map_err(|e| format!("{}: {e}", library.display()))?;
        builder
            .with_name("argus")
            .build()
            .map_err(|e| format!("{}: {e}", library.display()))
    });
    env.as_ref()
        .map_err(|reason| EngineError::RuntimeUnavailable {
            reason: reason.clone(),
        })
}

/// The execution providers a session of `backend` registers, in order of preference (the CPU provider is
/// always ONNX Runtime's last resort). Registration failures are errors: a backend that was chosen must load.
fn execution_providers(backend: Backend, model: &Path) -> Vec<ExecutionProviderDispatch> {
    let cuda = || ort::ep::CUDA::default().build().error_on_failure();
    match backend {
        // Burn backends never open an ONNX Runtime session (`Network::load`).
        Backend::OrtCpu | Backend::BurnWgpu | Backend::BurnCuda => Vec::new(),
        Backend::OrtCuda => vec![cuda()],
        Backend::OrtTensorRt => {
            let cache = model
                .parent()
                .unwrap_or(Path::new("."))
                .join("tensorrt-cache");
            let cache = cache.to_string_lossy().into_owned();
            let tensorrt = ort::ep::TensorRT::default()
                .with_fp16(true)
                .with_engine_cache(true)
                .with_engine_cache_path(&cache)
                .with_timing_cache(true)
                .with_timing_cache_path(&cache)
                .build()
                .error_on_failure();
            vec![tensorrt, cuda()]
        }
    }
}

/// One network in an ONNX Runtime session. Runs are serialised per network; batching is what gives throughput.
pub struct OrtNetwork {
    name: &'static str,
    session: Mutex<Session>,
}

impl OrtNetwork {
    /// Loads an ONNX file for the backend with `threads` intra-op threads.
    pub fn load(
        backend: Backend,
        name: &'static str,
        path: &Path,
        threads: usize,
    ) -> Result<OrtNetwork> {
        let env = environment()?;
        let missing = |reason: String| EngineError::ModelMissing {
            path: path.to_path_buf(),
            reason,
        };
        if !path.is_file() {
            return Err(missing("no such file".into()));
        }
        let builder = Session::builder(env)
            .and_then(|b| b.with_intra_threads(threads.max(1)).map_err(Into::into))
            .map_err(|e| missing(e.to_string()))?;
        let mut builder = builder
            .with_execution_providers(execution_providers(backend, path))
            .map_err(|e| EngineError::RuntimeUnavailable {
                reason: format!("{} did not register: {e}", backend.name()),
            })?;
        let session = builder
            .commit_from_file(path)
            .map_err(|e| missing(e.to_string()))?;
        Ok(OrtNetwork {
            name,
            session: Mutex::new(session),
        })
    }

    /// Runs the network on one input tensor named `input`; returns the outputs named in `outputs`, in that order.
    pub fn run(&self, input: ArrayViewD<'_, f32>, outputs: &[&str]) -> Result<Vec<ArrayD<f32>>> {
        let fail = |reason: String| EngineError::Inference {
            model: self.name,
            reason,
        };
        let tensor = TensorRef::from_array_view(input).map_err(|e| fail(e.to_string()))?;
        let mut session = self
            .session
            .lock()
            .map_err(|_| fail("a previous run panicked".into()))?;
        let results = session
            .run(ort::inputs!["input" => tensor])
            .map_err(|e| fail(e.to_string()))?;
        outputs
            .iter()
            .map(|name| {
                let value = results
                    .get(*name)
                    .ok_or_else(|| fail(format!("no output named {name}")))?;
                let (shape, data) = value
                    .try_extract_tensor::<f32>()
                    .map_err(|e| fail(e.to_string()))?;
                let dims: Vec<usize> = shape.iter().map(|&d| d.max(0) as usize).collect();
                ArrayD::from_shape_vec(IxDyn(&dims), data.to_vec()).map_err(|e| fail(e.to_string()))
            })
            .collect()
    }
}
