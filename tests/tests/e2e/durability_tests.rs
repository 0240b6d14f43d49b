//! Every acknowledged write survives SIGKILL: faces created under load are all there after a restart, and the
//! rebuilt index finds them.

use crate::server::{Account, Server, enrol_attribute};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[test]
fn acknowledged_faces_survive_sigkill_and_are_matched_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "durable@argus.dev");
    let (_, attribute) = enrol_attribute(&server, &me, "grace_hopper.jpg");
    let acked = Arc::new(Mutex::new(Vec::new()));
    let writer = {
        let (base, auth, acked) = (server.base.clone(), me.auth.clone(), acked.clone());
        std::thread::spawn(move || {
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(30) {
                let body = json!({"attribute": {"attribute_id": attribute}, "user_data": "load"})
                    .to_string();
                match ureq::post(&format!("{base}/6/faces"))
                    .set("Authorization", &auth)
                    .set("Content-Type", "application/json")
                    .send_string(&body)
                {
                    Ok(r) => {
                        let v: serde_json::Value =
                            serde_json::from_str(&r.into_string().unwrap()).unwrap();
                        acked
                            .lock()
                            .unwrap()
                            .push(v["face_id"].as_str().unwrap().to_string());
                    }
                    Err(_) => return,
                }
            }
        })
    };
    while acked.lock().unwrap().len() < 30 {
        std::thread::sleep(Duration::from_millis(20));
    }
    server.kill();
    writer.join().unwrap();
    let acked = acked.lock().unwrap().clone();

    let server = Server::start(dir.path());
    for id in &acked {
        assert_eq!(
            server.get(&format!("/6/faces/{id}"), &me.h()).status,
            200,
            "face {id} lost"
        );
    }
    let r = server.post_json("/6/matcher/faces", &me.h(),
        &json!({"references": [{"type": "face", "id": acked[0]}], "candidates": [{"filters": {"origin": "faces"}, "limit": 100}]}));
    let found = r.json[0]["matches"][0]["result"].as_array().unwrap().len();
    assert!(
        found >= acked.len().min(100),
        "index holds {found} of {} faces",
        acked.len()
    );
    assert_eq!(server.stop(), Some(0));
}
