//! Bad input answers with the documented error, never a panic, and stores nothing.

use crate::server::{Account, Server};
use serde_json::json;

#[test]
fn malformed_requests_get_documented_errors() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "bad@argus.dev");
    let json_h = [
        ("Authorization", me.auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    let code = |r: &crate::server::Answer| (r.status, r.json["error_code"].as_u64());

    assert_eq!(
        code(&server.request("POST", "/6/lists", &json_h, Some(b"{not json"))),
        (400, Some(12022))
    );
    let unknown = server.post_json(
        "/6/lists",
        &me.h(),
        &json!({"user_data": "x", "extra_field": 1}),
    );
    assert_eq!(code(&unknown), (400, Some(12022)));
    assert!(
        unknown.json["detail"]
            .as_str()
            .unwrap()
            .contains("extra_field")
    );
    assert_eq!(
        code(&server.post_json("/6/lists", &me.h(), &json!({"user_data": 5}))),
        (400, Some(12022))
    );
    let mut image_h = me.h();
    image_h.push(("Content-Type", "image/jpeg"));
    assert_eq!(
        code(&server.request("POST", "/6/detector", &image_h, Some(b"not an image"))),
        (400, Some(100010))
    );
    assert_eq!(
        code(&server.request("POST", "/6/detector", &image_h, Some(&vec![0u8; 17 << 20]))),
        (413, Some(12023))
    );
    assert_eq!(
        code(&server.request("POST", "/6/detector?estimate_mask=1", &image_h, Some(b"x"))),
        (501, Some(19001))
    );
    assert_eq!(
        code(&server.request(
            "POST",
            "/6/detector?multiface_policy=7",
            &image_h,
            Some(b"x")
        )),
        (400, Some(101))
    );
    assert_eq!(
        code(&server.get("/6/faces/not-a-uuid", &me.h())),
        (400, Some(11043))
    );
    assert_eq!(
        code(&server.get("/6/faces/00000000-0000-4000-8000-000000000000", &me.h())),
        (404, Some(11020))
    );
    assert_eq!(code(&server.get("/6/nowhere", &me.h())), (404, Some(12001)));
    assert_eq!(
        code(&server.get("/6/faces?page_size=5000", &me.h())),
        (400, Some(101))
    );
    assert_eq!(
        code(&server.post_json(
            "/6/extractor",
            &me.h(),
            &json!(["00000000-0000-4000-8000-000000000000"])
        )),
        (400, Some(11043))
    );
    let r = server.post_json("/6/matcher/faces", &me.h(), &json!({"references": [{"type": "face", "id": "00000000-0000-4000-8000-000000000000"}], "candidates": []}));
    assert_eq!(r.status, 404);
    // Nothing was stored by any of it.
    assert_eq!(
        server.get("/6/lists/count", &me.h()).json["lists_count"],
        json!(0)
    );
    assert_eq!(server.get("/6/faces", &me.h()).json["faces"], json!([]));
    assert_eq!(server.get("/6/healthcheck", &[]).status, 200);
}
