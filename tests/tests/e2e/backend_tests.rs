//! `--backend`: the health check and the metrics say where the networks and the matcher run and why; a backend
//! that cannot run here stops the server at start with the reason (never a silent fall back to the CPU); an
//! unknown value is refused with the list of known ones.

use crate::server::{Server, refused_start};
use serde_json::json;
use std::path::Path;

/// Runs `argus serve --backend BACKEND` expecting it to refuse to start; returns its standard error.
fn refused_backend(backend: &str) -> String {
    refused_start(&["--backend", backend])
}

#[test]
fn cpu_places_both_on_the_cpu_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), &[("ARGUS_BACKEND", "cpu")]);
    let health = server.get("/6/healthcheck", &[]).json;
    assert_eq!(
        health["backends"]["engine"],
        json!({"backend": "ort-cpu", "precision": "fp32", "reason": "ort-cpu was asked for"}),
        "{health}"
    );
    assert_eq!(health["backends"]["matcher"]["backend"], json!("cpu"));
    let metrics = String::from_utf8(server.get("/metrics", &[]).bytes).unwrap();
    assert!(
        metrics.contains(r#"argus_backend_info{backend="ort-cpu",component="engine"} 1"#),
        "{metrics}"
    );
    assert_eq!(server.stop(), Some(0));
}

#[test]
fn a_gpu_provider_this_runtime_lacks_stops_the_start_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), &[("ARGUS_BACKEND", "auto")]);
    let engine = server.get("/6/healthcheck", &[]).json["backends"]["engine"].clone();
    // Stopped right after its start; how it exits then is not what this test is about (once it ended by a
    // signal here instead of exiting 0, not reproduced since, cause unknown), so it is killed.
    server.kill();
    if engine["backend"] != json!("ort-cpu") {
        eprintln!(
            "auto placed the networks on {engine}: the GPU providers are there; nothing to refuse"
        );
        return;
    }
    let reason = engine["reason"].as_str().expect("reason");
    assert!(
        reason.contains("TensorrtExecutionProvider") && reason.contains("CUDAExecutionProvider"),
        "auto says why it took the CPU: {reason}"
    );
    for (backend, provider) in [
        ("ort-cuda", "CUDAExecutionProvider"),
        ("ort-tensorrt", "TensorrtExecutionProvider"),
        ("gpu", "TensorrtExecutionProvider"),
    ] {
        let stderr = refused_backend(backend);
        assert!(
            stderr.contains(provider) && stderr.contains("onnxruntime-gpu"),
            "--backend {backend}: {stderr}"
        );
    }
}

#[test]
fn cuda_without_a_driver_stops_the_start_with_the_reason() {
    if Path::new("/proc/driver/nvidia").exists() {
        eprintln!("an NVIDIA driver is loaded here: nothing to refuse");
        return;
    }
    let stderr = refused_backend("cuda");
    assert!(
        stderr.contains("burn-cuda: ") && stderr.contains("libcuda.so.1"),
        "--backend cuda: {stderr}"
    );
}

#[test]
fn an_unknown_backend_is_refused_with_the_known_ones() {
    let stderr = refused_backend("tpu");
    assert!(
        stderr.contains("unknown backend \"tpu\"") && stderr.contains("ort-tensorrt"),
        "{stderr}"
    );
}
