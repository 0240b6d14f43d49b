//! Backend selection against the providers the loaded ONNX Runtime library really has: `auto` takes the best
//! of them, a GPU provider the library lacks is refused with its name and the fix, and an engine asked to run on
//! such a provider fails to open with that reason instead of panicking or quietly using the CPU.

use argus_engine::{Backend, BackendChoice, Engine, EngineConfig, EngineError, choose_backend};

use crate::common::models_dir;

#[test]
fn auto_takes_the_best_provider_the_library_has() {
    let (auto, reason) = choose_backend(BackendChoice::Auto).expect("auto always finds a backend");
    match choose_backend(BackendChoice::Gpu) {
        Ok((gpu, _)) => assert_eq!(auto, gpu, "auto passed over a GPU provider"),
        Err(error) => {
            assert_eq!(auto, Backend::OrtCpu);
            let text = error.to_string();
            for provider in ["TensorrtExecutionProvider", "CUDAExecutionProvider"] {
                assert!(text.contains(provider), "{text}");
            }
            assert!(
                text.contains("onnxruntime-gpu"),
                "the error says how to fix it: {text}"
            );
            assert!(
                reason.contains("ort-tensorrt: ") && reason.contains("ort-cuda: "),
                "{reason}"
            );
        }
    }
}

#[test]
fn the_cpu_backend_is_always_there() {
    let (backend, reason) =
        choose_backend(BackendChoice::Exactly(Backend::OrtCpu)).expect("the CPU provider");
    assert_eq!(backend, Backend::OrtCpu);
    assert_eq!(reason, "ort-cpu was asked for");
}

#[test]
fn an_engine_on_a_missing_gpu_provider_does_not_open() {
    for backend in [Backend::OrtCuda, Backend::OrtTensorRt] {
        let refused = match choose_backend(BackendChoice::Exactly(backend)) {
            Ok(_) => {
                eprintln!("{} is available here: nothing to refuse", backend.name());
                continue;
            }
            Err(error) => error,
        };
        assert!(
            matches!(refused, EngineError::RuntimeUnavailable { .. }),
            "{refused}"
        );
        let mut config = EngineConfig::new(models_dir());
        config.backend = backend;
        match Engine::open(config) {
            Err(EngineError::RuntimeUnavailable { reason }) => {
                assert!(reason.contains(backend.name()), "{reason}")
            }
            Err(other) => panic!(
                "{}: expected RuntimeUnavailable, got {other}",
                backend.name()
            ),
            Ok(_) => panic!("{}: opened without its provider", backend.name()),
        }
    }
}
