//! Handler callbacks: a real HTTP endpoint in the test receives the events whose filters pass, with the
//! callback's credentials and encoding; bad callbacks are refused at creation.

use crate::server::{Account, Server, photo};
use base64::Engine as _;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

/// One request an endpoint received: its headers (lower-case names) and body.
struct Received {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// An HTTP endpoint on a free port answering `status` to every request; the requests come out of the receiver.
fn endpoint(status: u16) -> (String, Receiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook?from=argus", listener.local_addr().unwrap());
    let (sent, received) = channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut headers = Vec::new();
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            loop {
                line.clear();
                reader.read_line(&mut line).unwrap();
                let Some((name, value)) = line.trim_end().split_once(':') else {
                    break;
                };
                headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
            }
            let length: usize = headers
                .iter()
                .find(|(n, _)| n == "content-length")
                .map_or(0, |(_, v)| v.parse().unwrap());
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let reply =
                format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            stream.write_all(reply.as_bytes()).unwrap();
            if sent.send(Received { headers, body }).is_err() {
                return;
            }
        }
    });
    (url, received)
}

fn handler(server: &Server, me: &Account, callbacks: Value) -> String {
    let r = server.post_json(
        "/6/handlers",
        &me.h(),
        &json!({"policies": {
            "extract_policy": {"extract_face_descriptor": 1},
            "match_policy": [{"label": "known", "candidates": {"origin": "faces"}}],
            "storage_policy": {"face_sample_policy": {"store_sample": 0},
                               "face_policy": {"store_face": 1},
                               "callbacks": callbacks}}}),
    );
    assert_eq!(r.status, 201, "{}", r.json);
    r.json["handler_id"].as_str().unwrap().to_string()
}

fn post_photo(server: &Server, me: &Account, handler: &str, name: &str) -> Value {
    let mut h = me.h();
    h.push(("Content-Type", "image/jpeg"));
    let r = server.request(
        "POST",
        &format!("/6/handlers/{handler}/events"),
        &h,
        Some(&photo(name)),
    );
    assert_eq!(r.status, 201, "{}", r.json);
    r.json
}

#[test]
fn callbacks_deliver_the_events_their_filters_pass() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "callbacks@argus.dev");
    let (json_url, json_hook) = endpoint(200);
    let (known_url, known_hook) = endpoint(200);
    let (failing_url, failing_hook) = endpoint(500);
    let id = handler(
        &server,
        &me,
        json!([
            {"type": "http", "url": json_url,
             "authorization": {"type": "basic", "login": "hook", "password": "s3cret"}},
            {"type": "http", "url": known_url, "content_type": "application/msgpack",
             "filters": {"match": [{"label": "known", "similarity__gte": 0.9}]}},
            {"type": "http", "url": failing_url, "timeout": 2},
            {"type": "luna-ws-notification"}
        ]),
    );
    let wait = Duration::from_secs(20);

    // Biden's first event: nobody is enrolled yet, so only the unfiltered callbacks hear of it.
    let first = post_photo(&server, &me, &id, "biden.jpg");
    let got = json_hook.recv_timeout(wait).unwrap();
    assert_eq!(got.header("content-type"), Some("application/json"));
    let credentials = base64::engine::general_purpose::STANDARD.encode("hook:s3cret");
    assert_eq!(
        got.header("authorization"),
        Some(format!("Basic {credentials}").as_str())
    );
    let body: Value = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(
        body["events"][0]["event_id"],
        first["events"][0]["event_id"]
    );
    assert_eq!(body["images"], first["images"]);
    failing_hook.recv_timeout(wait).unwrap();

    // The second photo of Biden matches the face the first event made: now the filtered callback hears of it,
    // and its first delivery is this event, not the first one.
    let second = post_photo(&server, &me, &id, "biden.jpg");
    let got = known_hook.recv_timeout(wait).unwrap();
    assert_eq!(got.header("content-type"), Some("application/msgpack"));
    let body: Value = rmp_serde::from_slice(&got.body).unwrap();
    assert_eq!(
        body["events"][0]["event_id"],
        second["events"][0]["event_id"]
    );
    assert_eq!(body["events"].as_array().map(Vec::len), Some(1));
    failing_hook.recv_timeout(wait).unwrap();

    // The endpoint that answers 500 is counted as failed, the others as sent.
    let deadline = std::time::Instant::now() + wait;
    loop {
        let metrics = String::from_utf8(server.get("/metrics", &[]).bytes).unwrap();
        if metrics.contains("argus_callbacks_sent_total 3")
            && metrics.contains("argus_callbacks_failed_total 2")
        {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{metrics}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn bad_callbacks_are_refused_at_creation() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "bad-callbacks@argus.dev");
    for callback in [
        json!({"type": "http", "url": "ftp://example.invalid/x"}),
        json!({"type": "http", "url": "http:///nohost"}),
        json!({"type": "http"}),
        json!({"type": "http", "url": "http://127.0.0.1:9/", "timeout": 0}),
        json!({"type": "http", "url": "http://127.0.0.1:9/", "content_type": "text/plain"}),
        json!({"type": "http", "url": "http://127.0.0.1:9/",
               "authorization": {"type": "bearer", "login": "a", "password": "b"}}),
        json!({"type": "http", "url": "http://127.0.0.1:9/",
               "filters": {"match": [{"label": "nobody", "similarity__gte": 0.5}]}}),
        json!({"type": "pigeon"}),
    ] {
        let r = server.post_json(
            "/6/handlers",
            &me.h(),
            &json!({"policies": {"storage_policy": {"callbacks": [callback]}}}),
        );
        assert_eq!(
            (r.status, r.json["error_code"].as_u64()),
            (400, Some(12022)),
            "{callback}: {}",
            r.json
        );
    }
    let r = server.get("/6/handlers", &me.h());
    assert_eq!(r.json, json!([]));
}
