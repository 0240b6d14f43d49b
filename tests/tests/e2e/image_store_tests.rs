//! The Image Store: images and objects come back byte for byte with their Content-Type, expiry and metadata
//! headers; bad Content-Types and TTLs are refused.

use crate::server::{Account, Server, photo};

#[test]
fn images_keep_their_bytes_metadata_and_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "images@argus.dev");
    let jpeg = photo("obama.jpg");
    let mut h = me.h();
    h.extend([
        ("Content-Type", "image/jpeg"),
        ("X-Luna-Meta-Camera", "front door"),
    ]);
    let r = server.request("POST", "/6/images?ttl=1", &h, Some(&jpeg));
    assert_eq!(r.status, 201, "{}", r.json);
    let id = r.json["image_id"].as_str().unwrap().to_string();
    let path = format!("/6/images/{id}");
    assert_eq!(r.json["url"], path.as_str());

    let got = server.get(&path, &me.h());
    assert_eq!(got.status, 200);
    assert_eq!(got.bytes, jpeg);
    assert_eq!(got.headers["content-type"], "image/jpeg");
    assert!(
        got.headers.contains_key("x-luna-expiry-date"),
        "{:?}",
        got.headers
    );
    assert!(!got.headers.contains_key("x-luna-meta-camera"));
    let with_meta = server.get(&format!("{path}?with_meta=1"), &me.h());
    assert_eq!(with_meta.headers["x-luna-meta-camera"], "front door");
    let head = server.request("HEAD", &format!("{path}?with_meta=1"), &me.h(), None);
    assert_eq!(head.status, 200);
    assert!(head.bytes.is_empty());
    assert_eq!(head.headers["x-luna-meta-camera"], "front door");
    assert_eq!(
        server.get(&format!("{path}?with_meta=2"), &me.h()).status,
        400
    );

    // ttl=-1 keeps the image with no expiry.
    let mut h = me.h();
    h.push(("Content-Type", "image/png"));
    let r = server.request("POST", "/6/images?ttl=-1", &h, Some(b"not decoded"));
    assert_eq!(r.status, 201, "{}", r.json);
    let kept = server.get(
        &format!("/6/images/{}", r.json["image_id"].as_str().unwrap()),
        &me.h(),
    );
    assert_eq!(kept.bytes, b"not decoded");
    assert!(!kept.headers.contains_key("x-luna-expiry-date"));

    for (content_type, query, code) in [
        ("text/plain", "", 11043),
        ("image/x-jpeg-base64", "", 11043),
        ("image/jpeg", "?ttl=8", 101),
        ("image/jpeg", "?ttl=soon", 101),
    ] {
        let mut h = me.h();
        h.push(("Content-Type", content_type));
        let r = server.request("POST", &format!("/6/images{query}"), &h, Some(&jpeg));
        assert_eq!(
            (r.status, r.json["error_code"].as_u64()),
            (400, Some(code)),
            "{content_type} {query}"
        );
    }
    assert_eq!(server.request("DELETE", &path, &me.h(), None).status, 204);
    assert_eq!(server.get(&path, &me.h()).status, 404);
    assert_eq!(server.request("HEAD", &path, &me.h(), None).status, 404);
    assert_eq!(server.request("DELETE", &path, &me.h(), None).status, 404);
    assert_eq!(server.get("/6/images/nope", &me.h()).status, 400);
}

#[test]
fn objects_replay_their_content_type() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "objects@argus.dev");
    let mut h = me.h();
    h.push(("Content-Type", "text/plain"));
    let r = server.request("POST", "/6/objects", &h, Some(b"example"));
    assert_eq!(r.status, 201, "{}", r.json);
    let path = format!("/6/objects/{}", r.json["object_id"].as_str().unwrap());
    let got = server.get(&path, &me.h());
    assert_eq!(
        (got.status, got.bytes.as_slice()),
        (200, b"example".as_slice())
    );
    assert_eq!(got.headers["content-type"], "text/plain");
    assert!(!got.headers.contains_key("x-luna-expiry-date"));
    assert_eq!(server.request("HEAD", &path, &me.h(), None).status, 200);
    let no_type = server.request("POST", "/6/objects", &me.h(), Some(b"example"));
    assert_eq!(
        (no_type.status, no_type.json["error_code"].as_u64()),
        (400, Some(11043))
    );
    let empty = server.request("POST", "/6/objects", &h, Some(b""));
    assert_eq!(empty.status, 400);
    assert_eq!(server.request("DELETE", &path, &me.h(), None).status, 204);
    assert_eq!(server.get(&path, &me.h()).status, 404);
}
