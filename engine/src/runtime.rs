//! Network execution. `Backend` picks where networks run; today that is ONNX Runtime on the CPU, loaded at run
//! time from the `onnxruntime` Python wheel's shared library. GPU backends join this enum later.
//! Owns: finding and initialising the runtime library, sessions, and turning tensors in and out.

use crate::error::{EngineError, Result};
use ndarray::{ArrayD, IxDyn};
use ort::session::Session;
use ort::value::TensorRef;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// Where networks run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// ONNX Runtime, CPU execution provider.
    OrtCpu,
}

impl Backend {
    /// The name shown in health checks and metrics.
    pub fn name(self) -> &'static str {
        match self {
            Backend::OrtCpu => "ort-cpu",
        }
    }
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
            "set ORT_DYLIB_PATH to libonnxruntime.so, or run `make setup` to create the venv ({detail})"
        ),
    }
}

fn environment() -> Result<&'static ort::environment::Environment> {
    let env = ENVIRONMENT.get_or_init(|| {
        let library = find_library().map_err(|e| e.to_string())?;
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

/// One loaded network. Runs are serialised per network; batching is what gives throughput.
pub struct Network {
    name: &'static str,
    session: Mutex<Session>,
}

impl Network {
    /// Loads an ONNX file for the backend with `threads` intra-op threads.
    pub fn load(
        backend: Backend,
        name: &'static str,
        path: &Path,
        threads: usize,
    ) -> Result<Network> {
        let env = environment()?;
        let missing = |reason: String| EngineError::ModelMissing {
            path: path.to_path_buf(),
            reason,
        };
        if !path.is_file() {
            return Err(missing("no such file".into()));
        }
        let session = match backend {
            Backend::OrtCpu => Session::builder(env)
                .and_then(|b| b.with_intra_threads(threads.max(1)).map_err(Into::into))
                .and_then(|mut b| b.commit_from_file(path))
                .map_err(|e| missing(e.to_string()))?,
        };
        Ok(Network {
            name,
            session: Mutex::new(session),
        })
    }

    /// Runs the network on one input tensor named `input`; returns the outputs named in `outputs`, in that order.
    pub fn run(&self, input: &ArrayD<f32>, outputs: &[&str]) -> Result<Vec<ArrayD<f32>>> {
        let fail = |reason: String| EngineError::Inference {
            model: self.name,
            reason,
        };
        let tensor = TensorRef::from_array_view(input.view()).map_err(|e| fail(e.to_string()))?;
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
