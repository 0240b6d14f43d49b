//! `--precision`: fp16 runs the descriptor network in half precision on the Burn backends and the health check
//! says so; faces enrolled that way still match their person first, and the metrics show the device memory. fp16 on an ONNX Runtime backend and unknown
//! values stop the start with the reason. The wgpu test needs a Vulkan driver (Mesa's lavapipe in CI): without one
//! it prints SKIPPED, or fails when `ARGUS_REQUIRE_GPU_TESTS` is set.

use crate::server::{Account, Server, enrol_attribute, enrol_face, list_matches, refused_start};
use serde_json::json;

#[test]
fn an_unknown_precision_is_refused_with_the_known_ones() {
    let stderr = refused_start(&["--precision", "fp8"]);
    assert!(
        stderr.contains("unknown precision \"fp8\"") && stderr.contains("fp32, fp16"),
        "{stderr}"
    );
}

#[test]
fn fp16_on_onnx_runtime_stops_the_start_with_the_reason() {
    let stderr = refused_start(&["--backend", "cpu", "--precision", "fp16"]);
    assert!(
        stderr.contains("ort-cpu runs the networks as their ONNX files are (fp32)"),
        "{stderr}"
    );
}

#[test]
fn fp16_descriptors_on_wgpu_match_the_same_person_first() {
    if !crate::gpu_matcher_tests::vulkan_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(
        dir.path(),
        &[("ARGUS_BACKEND", "wgpu"), ("ARGUS_PRECISION", "fp16")],
    );
    let health = server.get("/6/healthcheck", &[]).json;
    assert_eq!(health["backends"]["engine"]["backend"], json!("burn-wgpu"));
    assert_eq!(health["backends"]["engine"]["precision"], json!("fp16"));

    let me = Account::create(&server, "half@argus.dev");
    let list = server.post_json("/6/lists", &me.h(), &json!({}));
    let list_id = list.json["list_id"].as_str().unwrap().to_string();
    let faces: Vec<String> = ["obama.jpg", "biden.jpg"]
        .into_iter()
        .map(|name| enrol_face(&server, &me, name, &list_id))
        .collect();
    let (_, probe) = enrol_attribute(&server, &me, "obama2.jpg");
    let found = list_matches(&server, &me, &probe, &list_id);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].0, faces[0], "obama first: {found:?}");
    assert!(found[0].1 > 0.5 && found[1].1 < 0.5, "{found:?}");

    // The device memory pool the networks ran in shows in the metrics.
    let reserved = server.metric(r#"argus_device_memory_bytes{state="reserved"}"#);
    assert!(reserved > 0.0, "device memory reserved: {reserved}");
    assert_eq!(server.stop(), Some(0));
}
