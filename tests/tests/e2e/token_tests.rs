//! Replacing a token (`PUT /6/tokens/{id}`): every field at once, the new permissions and expiry apply to the
//! token at once; verifier counts.

use crate::server::{Account, Server};
use serde_json::json;

#[test]
fn a_replaced_token_carries_its_new_permissions_and_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "replace@argus.dev");
    let r = server.post_json(
        "/6/tokens",
        &me.h(),
        &json!({"permissions": {"face": ["view"]}, "expiration_time": null}),
    );
    let token_id = r.json["token_id"].as_str().unwrap().to_string();
    let bearer = format!("Bearer {}", r.json["token"].as_str().unwrap());
    let h = [("Authorization", bearer.as_str())];
    assert_eq!(server.get("/6/faces", &h).status, 200);
    assert_eq!(server.get("/6/lists", &h).status, 403);

    let path = format!("/6/tokens/{token_id}");
    let r = server.send_json(
        "PUT",
        &path,
        &me.h(),
        &json!({"permissions": {"list": ["view"]}, "description": "lists only", "expiration_time": null}),
    );
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["token_id"], token_id.as_str());
    assert_eq!(r.json["url"], path.as_str());
    let replaced = format!("Bearer {}", r.json["token"].as_str().unwrap());
    for h in [
        [("Authorization", bearer.as_str())],
        [("Authorization", replaced.as_str())],
    ] {
        assert_eq!(server.get("/6/faces", &h).status, 403);
        assert_eq!(server.get("/6/lists", &h).status, 200);
    }
    let got = server.get(&path, &me.h()).json;
    assert_eq!(
        (got["permissions"].clone(), got["description"].clone()),
        (json!({"list": ["view"]}), json!("lists only"))
    );

    // grant_all_permissions, then an expiry in the past: the token stops working.
    let all = server.send_json(
        "PUT",
        &format!("{path}?grant_all_permissions=1"),
        &me.h(),
        &json!({"expiration_time": null}),
    );
    assert_eq!(all.status, 200, "{}", all.json);
    assert_eq!(server.post_json("/6/lists", &h, &json!({})).status, 201);
    let expired = server.send_json(
        "PUT",
        &path,
        &me.h(),
        &json!({"permissions": {"list": ["view"]}, "expiration_time": "2001-01-01T00:00:00Z"}),
    );
    assert_eq!(expired.status, 200);
    assert_eq!(server.get("/6/lists", &h).status, 401);

    for bad in [
        json!({"expiration_time": null}),
        json!({"permissions": {"face": ["fly"]}, "expiration_time": null}),
        json!({"permissions": {}, "expiration_time": "tomorrow"}),
        json!({"permissions": {}, "expiration_time": null, "extra": 1}),
    ] {
        let r = server.send_json("PUT", &path, &me.h(), &bad);
        assert_eq!(
            (r.status, r.json["error_code"].as_u64()),
            (400, Some(12022)),
            "{bad}"
        );
    }
    let r = server.send_json(
        "PUT",
        &path,
        &me.h(),
        &json!({"permissions": {}, "expiration_time": null, "visibility_area": "all"}),
    );
    assert_eq!(r.status, 403);
    let unknown = "/6/tokens/00000000-0000-4000-8000-000000000000";
    let r = server.send_json(
        "PUT",
        unknown,
        &me.h(),
        &json!({"permissions": {}, "expiration_time": null}),
    );
    assert_eq!(r.status, 404);
}

#[test]
fn verifiers_are_counted_per_account() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "count@argus.dev");
    let other = Account::create(&server, "count2@argus.dev");
    for _ in 0..2 {
        let r = server.post_json("/6/verifiers", &me.h(), &json!({"policies": {}}));
        assert_eq!(r.status, 201, "{}", r.json);
    }
    assert_eq!(
        server.get("/6/verifiers/count", &me.h()).json,
        json!({"verifiers_count": 2})
    );
    assert_eq!(
        server.get("/6/verifiers/count", &other.h()).json["verifiers_count"],
        0
    );
    for path in [
        "/6/verifiers/count?description=door",
        "/6/verifiers?description=door",
    ] {
        let r = server.get(path, &me.h());
        assert_eq!(
            (r.status, r.json["error_code"].as_u64()),
            (501, Some(19001)),
            "{path}"
        );
    }
}
