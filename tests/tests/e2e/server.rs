//! A running `argus serve` and a small HTTP client for it.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub fn binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("ARGUS_BIN") {
        return PathBuf::from(bin);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace.join("target"), |t| workspace.join(t));
    let bin = target.join("debug/argus");
    assert!(
        bin.is_file(),
        "{} is missing: build it with `cargo build -p argus-server` or set ARGUS_BIN",
        bin.display()
    );
    bin
}

pub fn photo(name: &str) -> Vec<u8> {
    let dir = std::env::var_os("ARGUS_PHOTOS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/argus/photos")
        });
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}: run `make models`"))
}

pub struct Server {
    child: Child,
    pub base: String,
}

/// The answer to a request: status and JSON body (Null when empty or not JSON), plus raw bytes and headers
/// (names lowercased).
pub struct Answer {
    pub status: u16,
    pub json: Value,
    pub bytes: Vec<u8>,
    pub request_id: Option<String>,
    pub headers: std::collections::HashMap<String, String>,
}

impl Server {
    pub fn start(data_dir: &Path) -> Server {
        Server::start_with(data_dir, &[])
    }

    pub fn start_with(data_dir: &Path, env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(binary())
            .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .envs(env.iter().copied())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("argus starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        let mut reader = BufReader::new(stdout);
        while !line.contains("listening on") {
            line.clear();
            assert!(
                reader.read_line(&mut line).expect("read stdout") > 0,
                "argus exited before listening (its error is above; if the models are missing, run `make models`)"
            );
        }
        let base = line.trim().rsplit(' ').next().expect("address").to_string();
        std::thread::spawn(move || for _ in reader.lines() {});
        let server = Server { child, base };
        let mut last = Value::Null;
        for _ in 0..100 {
            let health = server.get("/6/healthcheck", &[]);
            if health.status == 200 {
                return server;
            }
            last = health.json;
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "healthcheck never answered 200 (last answer {last}); if the models are missing, run `make models`"
        );
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Answer {
        let mut req =
            ureq::request(method, &format!("{}{path}", self.base)).timeout(Duration::from_secs(60));
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let result = match body {
            Some(b) => req.send_bytes(b),
            None => req.call(),
        };
        let response = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {path}: {e}"),
        };
        let status = response.status();
        let request_id = response.header("luna-request-id").map(str::to_string);
        let headers = response
            .headers_names()
            .into_iter()
            .filter_map(|name| {
                let value = response.header(&name)?.to_string();
                Some((name.to_ascii_lowercase(), value))
            })
            .collect();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut response.into_reader(), &mut bytes).expect("body");
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            json,
            bytes,
            request_id,
            headers,
        }
    }

    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        self.request("GET", path, headers, None)
    }

    pub fn post_json(&self, path: &str, headers: &[(&str, &str)], body: &Value) -> Answer {
        let mut h = headers.to_vec();
        h.push(("Content-Type", "application/json"));
        self.request("POST", path, &h, Some(body.to_string().as_bytes()))
    }

    /// The value of the metric `name` (with its labels, as the exposition writes them) from `GET /metrics`; panics
    /// when it is not there.
    pub fn metric(&self, name: &str) -> f64 {
        let text = String::from_utf8(self.get("/metrics", &[]).bytes).expect("metrics text");
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} in /metrics:\n{text}"))
    }

    /// The number of face descriptors in the matcher index, from `GET /metrics`.
    pub fn index_faces(&self) -> u64 {
        self.metric("argus_index_faces") as u64
    }

    /// Sends a JSON body with any method.
    pub fn send_json(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &Value,
    ) -> Answer {
        let mut h = headers.to_vec();
        h.push(("Content-Type", "application/json"));
        self.request(method, path, &h, Some(body.to_string().as_bytes()))
    }

    /// Sends SIGTERM and returns the exit code.
    pub fn stop(mut self) -> Option<i32> {
        // Safety: the pid is our own live child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let status = self.child.wait().expect("wait");
        std::mem::forget(self);
        status.code()
    }

    /// Kills with SIGKILL.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::mem::forget(self);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An account with Basic credentials, created over the API.
pub struct Account {
    pub id: String,
    pub auth: String,
}

impl Account {
    /// The Basic credentials of an account that exists already (e.g. the root account).
    pub fn basic(id: &str, login: &str, password: &str) -> Account {
        let token = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("{login}:{password}"),
        );
        Account {
            id: id.to_string(),
            auth: format!("Basic {token}"),
        }
    }

    pub fn create(server: &Server, login: &str) -> Account {
        let r = server.post_json(
            "/6/accounts",
            &[],
            &serde_json::json!({"login": login, "password": "secret", "account_type": "user"}),
        );
        assert_eq!(r.status, 201, "{}", r.json);
        let token = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("{login}:secret"),
        );
        Account {
            id: r.json["account_id"].as_str().expect("id").to_string(),
            auth: format!("Basic {token}"),
        }
    }

    pub fn h(&self) -> Vec<(&str, &str)> {
        vec![("Authorization", self.auth.as_str())]
    }
}

/// Runs `argus serve ARGS` on a fresh data directory expecting it to refuse to start; returns its standard error.
pub fn refused_start(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(binary())
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(args)
        .arg("--data-dir")
        .arg(dir.path())
        .env("RUST_LOG", "warn")
        .output()
        .expect("argus runs");
    assert!(!output.status.success(), "{args:?} started");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Detects the one face of a photo, extracts it, and returns (sample id, attribute id).
pub fn enrol_attribute(server: &Server, account: &Account, photo_name: &str) -> (String, String) {
    let mut h = account.h();
    h.push(("Content-Type", "image/jpeg"));
    let r = server.request("POST", "/6/detector", &h, Some(&photo(photo_name)));
    assert_eq!(r.status, 201, "{}", r.json);
    let samples = r.json["images"][0]["detections"]["samples"]
        .as_array()
        .expect("samples")
        .clone();
    assert_eq!(samples.len(), 1, "{photo_name}: {}", r.json);
    let sample = samples[0]["face"]["sample_id"]
        .as_str()
        .expect("sample id")
        .to_string();
    let r = server.post_json("/6/extractor", &account.h(), &serde_json::json!([sample]));
    assert_eq!(r.status, 201, "{}", r.json);
    (
        sample,
        r.json[0]["attribute_id"]
            .as_str()
            .expect("attribute id")
            .to_string(),
    )
}

/// Enrols the one face of a photo as a face in the list `list_id`; returns the face id.
pub fn enrol_face(server: &Server, account: &Account, photo_name: &str, list_id: &str) -> String {
    let (_, attribute) = enrol_attribute(server, account, photo_name);
    let r = server.post_json(
        "/6/faces",
        &account.h(),
        &json!({"attribute": {"attribute_id": attribute}, "lists": [list_id]}),
    );
    assert_eq!(r.status, 201, "{}", r.json);
    r.json["face_id"].as_str().expect("face id").to_string()
}

/// (face_id, similarity) of matching the attribute `probe` against the faces of a list, best first.
pub fn list_matches(
    server: &Server,
    me: &Account,
    probe: &str,
    list_id: &str,
) -> Vec<(String, f64)> {
    let r = server.post_json(
        "/6/matcher/faces",
        &me.h(),
        &json!({"references": [{"type": "attribute", "id": probe}],
                "candidates": [{"filters": {"origin": "faces", "list_id": list_id}, "limit": 5}]}),
    );
    assert_eq!(r.status, 200, "{}", r.json);
    r.json[0]["matches"][0]["result"]
        .as_array()
        .expect("result")
        .iter()
        .map(|m| {
            (
                m["face"]["face_id"].as_str().expect("id").to_string(),
                m["similarity"].as_f64().expect("similarity"),
            )
        })
        .collect()
}
