//! Durability: a child process writes faces and prints each acknowledged id; it is killed with SIGKILL in the
//! middle; every acknowledged face and its descriptor must be there after reopening.

use argus_store::*;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use uuid::Uuid;

const CHILD_DIR: &str = "ARGUS_STORE_CRASH_CHILD_DIR";

/// In the child: write faces until killed. In the parent run: does nothing.
#[test]
fn crash_child_writer() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return;
    };
    let store = SqliteStore::open(std::path::Path::new(&dir)).unwrap();
    let account = Uuid::from_u128(1);
    for i in 0u64.. {
        let id = Uuid::from_u64_pair(7, i);
        let face = Face {
            face_id: id,
            account_id: account,
            user_data: String::new(),
            external_id: String::new(),
            event_id: None,
            avatar: String::new(),
            create_time: i as i64,
            lists: vec![],
        };
        let d = StoredDescriptor {
            version: 1,
            bytes: i.to_le_bytes().to_vec(),
        };
        store.create_face(&face, Some(&d)).unwrap();
        println!("ACK {id}");
    }
}

#[test]
fn acknowledged_faces_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crash_tests::crash_child_writer",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR, dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut acked = Vec::new();
    let started = Instant::now();
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        // The harness may print its own text before the first line of the child's output.
        if let Some((_, id)) = line.split_once("ACK ") {
            acked.push(Uuid::parse_str(id).unwrap());
        }
        if acked.len() >= 200 || started.elapsed() > Duration::from_secs(20) {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        acked.len() >= 20,
        "the child acknowledged only {} writes",
        acked.len()
    );
    let store = SqliteStore::open(dir.path()).unwrap();
    for (i, id) in acked.iter().enumerate() {
        let d = store
            .face_descriptor(Uuid::from_u128(1), *id)
            .unwrap()
            .expect("descriptor present");
        assert_eq!(d.bytes, (i as u64).to_le_bytes().to_vec());
    }
}
