//! `--backend wgpu` (Mesa's lavapipe in CI): the detection and descriptor networks on Burn and the matcher index on
//! the GPU; the health check and metrics say where they run, faces enrolled through the Burn networks are matched
//! as on the CPU, deletes and list changes reach the index, and a restart rebuilds it from the store. Without a
//! Vulkan driver it prints SKIPPED, or fails when `ARGUS_REQUIRE_GPU_TESTS` is set.

use crate::server::{Account, Server, enrol_attribute, enrol_face, list_matches};
use serde_json::{Value, json};
use std::path::Path;

pub fn vulkan_present() -> bool {
    let present = ["/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d"]
        .iter()
        .filter_map(|dir| std::fs::read_dir(dir).ok())
        .flatten()
        .any(|entry| entry.is_ok());
    if !present {
        assert!(
            std::env::var("ARGUS_REQUIRE_GPU_TESTS").is_err(),
            "ARGUS_REQUIRE_GPU_TESTS is set but no Vulkan driver is installed"
        );
        eprintln!("SKIPPED: no Vulkan driver (install mesa-vulkan-drivers)");
    }
    present
}

fn start(dir: &Path, backend: &str) -> Server {
    Server::start_with(dir, &[("ARGUS_BACKEND", backend)])
}

#[test]
fn faces_match_on_the_gpu_index_as_on_the_cpu_one() {
    if !vulkan_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), "wgpu");
    let health = server.get("/6/healthcheck", &[]);
    assert_eq!(health.status, 200);
    assert_eq!(
        health.json["backends"]["matcher"]["backend"],
        json!("wgpu"),
        "{}",
        health.json
    );
    assert_eq!(
        health.json["backends"]["engine"],
        json!({
            "backend": "burn-wgpu",
            "precision": "fp32",
            "reason": "burn-wgpu was asked for (the attribute networks run on ort-cpu)"
        }),
        "{}",
        health.json
    );
    assert!(health.json["execution_time"].is_number());
    let metrics = String::from_utf8(server.get("/metrics", &[]).bytes).unwrap();
    for line in [
        r#"argus_backend_info{backend="wgpu",component="matcher"} 1"#,
        r#"argus_backend_info{backend="burn-wgpu",component="engine"} 1"#,
    ] {
        assert!(metrics.contains(line), "{metrics}");
    }

    let me = Account::create(&server, "gpu@argus.dev");
    let list = server.post_json("/6/lists", &me.h(), &json!({"user_data": "gpu"}));
    let list_id = list.json["list_id"].as_str().unwrap().to_string();
    let faces: Vec<String> = ["obama.jpg", "biden.jpg", "grace_hopper.jpg"]
        .into_iter()
        .map(|name| enrol_face(&server, &me, name, &list_id))
        .collect();
    let (_, probe) = enrol_attribute(&server, &me, "obama2.jpg");
    let on_gpu = list_matches(&server, &me, &probe, &list_id);
    assert_eq!(on_gpu.len(), 3);
    assert_eq!(on_gpu[0].0, faces[0], "obama first: {on_gpu:?}");
    assert!(on_gpu[0].1 > 0.5 && on_gpu[1].1 < 0.5, "{on_gpu:?}");

    // Detaching and deleting reach the device copy.
    let detach = server.request(
        "PATCH",
        &format!("/6/lists/{list_id}/faces"),
        &[
            ("Authorization", me.auth.as_str()),
            ("Content-Type", "application/json"),
        ],
        Some(
            json!({"action": "detach", "face_ids": [faces[1]]})
                .to_string()
                .as_bytes(),
        ),
    );
    assert_eq!(detach.status, 204, "{}", detach.json);
    let ids: Vec<String> = list_matches(&server, &me, &probe, &list_id)
        .into_iter()
        .map(|m| m.0)
        .collect();
    assert_eq!(ids, vec![faces[0].clone(), faces[2].clone()]);
    let deleted = server.request("DELETE", &format!("/6/faces/{}", faces[2]), &me.h(), None);
    assert_eq!(deleted.status, 204);
    let after_delete = list_matches(&server, &me, &probe, &list_id);
    assert_eq!(after_delete.len(), 1, "{after_delete:?}");
    assert_eq!(server.stop(), Some(0));

    // A restart rebuilds the device copy from the store; the CPU index on the same data agrees within fp16 error.
    let gpu_again = start(dir.path(), "wgpu");
    let rebuilt = list_matches(&gpu_again, &me, &probe, &list_id);
    assert_eq!(rebuilt, after_delete);
    assert_eq!(gpu_again.stop(), Some(0));
    let cpu = start(dir.path(), "cpu");
    let health: Value = cpu.get("/6/healthcheck", &[]).json;
    assert_eq!(health["backends"]["matcher"]["backend"], json!("cpu"));
    let on_cpu = list_matches(&cpu, &me, &probe, &list_id);
    assert_eq!(on_cpu.len(), 1);
    assert_eq!(on_cpu[0].0, rebuilt[0].0);
    assert!(
        (on_cpu[0].1 - rebuilt[0].1).abs() < 0.01,
        "cpu {on_cpu:?} vs gpu {rebuilt:?}"
    );
    assert_eq!(cpu.stop(), Some(0));
}
