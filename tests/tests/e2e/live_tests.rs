//! The live feed (`GET /6/ws`): a subscriber gets the events its filters accept and no others, never another
//! account's; filters on the estimations handlers store select what a handler estimated (and `null` what nothing
//! estimated), filters on estimations this build lacks are refused at the handshake; a subscriber that never reads
//! does not slow ingestion, and what it misses is counted in `/metrics`.

use crate::server::{Account, Server};
use serde_json::{Value, json};
use std::net::TcpStream;
use std::time::Duration;
use tungstenite::client::IntoClientRequest;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

type Socket = WebSocket<MaybeTlsStream<TcpStream>>;

fn subscribe(server: &Server, account: &Account, query: &str) -> Result<Socket, u16> {
    let url = format!("{}/6/ws?{query}", server.base.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Authorization", account.auth.parse().unwrap());
    match tungstenite::connect(request) {
        Ok((socket, _)) => {
            if let MaybeTlsStream::Plain(tcp) = socket.get_ref() {
                tcp.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
            }
            Ok(socket)
        }
        Err(tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
        Err(e) => panic!("ws handshake: {e}"),
    }
}

/// The next message, or None when nothing comes within the read timeout.
fn next(socket: &mut Socket) -> Option<Value> {
    loop {
        match socket.read() {
            Ok(Message::Text(text)) => return Some(serde_json::from_str(&text).unwrap()),
            Ok(_) => continue,
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return None;
            }
            Err(e) => panic!("ws read: {e}"),
        }
    }
}

fn save(server: &Server, account: &Account, events: Value) {
    let r = server.post_json("/6/events", &account.h(), &json!({ "events": events }));
    assert_eq!(r.status, 201, "{}", r.json);
}

#[test]
fn subscribers_get_what_their_filters_accept() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "live@argus.dev");
    let other = Account::create(&server, "live-other@argus.dev");
    let mut vip = subscribe(&server, &me, "tags=vip&cities=Moscow").unwrap();
    let mut everything = subscribe(&server, &me, "").unwrap();
    let mut foreign = subscribe(&server, &other, "").unwrap();

    save(
        &server,
        &me,
        json!([{"tags": ["vip"], "location": {"city": "Moscow"}, "source": "cam1"},
               {"tags": ["vip"], "location": {"city": "Paris"}},
               {"tags": ["guest"], "location": {"city": "Moscow"}}]),
    );
    let first = next(&mut vip).expect("the vip event");
    assert_eq!(first["event"]["source"], "cam1", "{first}");
    assert_eq!(first["event"]["tags"], json!(["vip"]));
    assert!(first["event-create-time"].is_string());
    assert!(first["Luna-Request-id"].is_string());
    assert!(next(&mut vip).is_none(), "filtered events are not sent");
    let all: Vec<Value> = std::iter::from_fn(|| next(&mut everything)).collect();
    assert_eq!(all.len(), 3);
    assert!(
        next(&mut foreign).is_none(),
        "another account's events are never sent"
    );

    assert_eq!(subscribe(&server, &me, "masks=1").unwrap_err(), 501);
    assert_eq!(subscribe(&server, &me, "emotions=8").unwrap_err(), 400);
    assert_eq!(
        subscribe(&server, &me, "handler_ids=nope").unwrap_err(),
        400
    );
    let stranger = Account::basic("", "nobody@argus.dev", "wrong");
    assert_eq!(subscribe(&server, &stranger, "").unwrap_err(), 401);
    assert_eq!(server.metric("argus_ws_subscribers"), 3.0);
}

#[test]
fn a_subscriber_that_never_reads_does_not_slow_ingestion() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "live-slow@argus.dev");
    let _stalled = subscribe(&server, &me, "").unwrap();
    let mut watcher = subscribe(&server, &me, "tags=last").unwrap();
    let filler = "x".repeat(2000);
    for round in 0..8 {
        let batch: Vec<Value> = (0..1000)
            .map(|i| json!({"user_data": format!("{round}-{i}"), "meta": {"filler": filler}}))
            .collect();
        save(&server, &me, Value::Array(batch));
    }
    save(&server, &me, json!([{"tags": ["last"]}]));
    let got = next(&mut watcher).expect("the reading subscriber still gets its event");
    assert_eq!(got["event"]["tags"], json!(["last"]));
    assert!(
        server.metric("argus_ws_dropped_total") > 0.0,
        "the stalled subscriber's overflow is dropped and counted"
    );
}

#[test]
fn estimation_filters_see_what_handlers_estimated() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "live-estimations@argus.dev");
    let mut men = subscribe(&server, &me, "gender=1&emotions=4").unwrap();
    let mut women = subscribe(&server, &me, "gender=0").unwrap();
    let mut unestimated = subscribe(&server, &me, "gender=null").unwrap();
    let policies = json!({"detect_policy": {"estimate_emotions": 1},
                          "extract_policy": {"extract_basic_attributes": 1}});
    let r = server.post_json(
        "/6/handlers",
        &me.h(),
        &json!({"policies": policies, "handler_type": 0}),
    );
    assert_eq!(r.status, 201, "{}", r.json);
    let handler = r.json["handler_id"].as_str().unwrap();
    let mut h = me.h();
    h.push(("Content-Type", "image/jpeg"));
    let r = server.request(
        "POST",
        &format!("/6/handlers/{handler}/events"),
        &h,
        Some(&crate::server::photo("obama.jpg")),
    );
    assert_eq!(r.status, 201, "{}", r.json);
    save(&server, &me, json!([{"source": "no estimations"}]));

    let got = next(&mut men).expect("the smiling man's event");
    assert_eq!(got["event"]["gender"], 1, "{got}");
    assert_eq!(got["event"]["emotion"], 4, "{got}");
    assert!(next(&mut men).is_none());
    assert!(next(&mut women).is_none());
    let plain = next(&mut unestimated).expect("the event without estimations");
    assert_eq!(plain["event"]["source"], "no estimations");
    assert!(next(&mut unestimated).is_none());
}
