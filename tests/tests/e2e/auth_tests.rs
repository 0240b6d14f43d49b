//! Authentication and account isolation: each scheme accepted and refused as it should be, and another account's
//! credentials with this account's ids never reach the data.

use crate::server::{Account, Server, enrol_attribute};
use serde_json::json;

#[test]
fn each_scheme_is_accepted_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "auth@argus.dev");
    let body = json!({"user_data": "x"});
    assert_eq!(server.post_json("/6/lists", &me.h(), &body).status, 201);
    assert_eq!(
        server
            .post_json("/6/lists", &[("Luna-Account-Id", me.id.as_str())], &body)
            .status,
        201
    );
    let no_auth = server.post_json("/6/lists", &[], &body);
    assert_eq!(
        (no_auth.status, no_auth.json["error_code"].as_u64()),
        (403, Some(11036))
    );
    let wrong = server.post_json(
        "/6/lists",
        &[("Authorization", "Basic YXV0aEBhcmd1cy5kZXY6d3Jvbmc=")],
        &body,
    );
    assert_eq!(
        (wrong.status, wrong.json["error_code"].as_u64()),
        (401, Some(11002))
    );
    let ghost = server.post_json(
        "/6/lists",
        &[("Luna-Account-Id", "00000000-0000-4000-8000-000000000009")],
        &body,
    );
    assert_eq!(ghost.status, 401);
    let not_uuid = server.post_json("/6/lists", &[("Luna-Account-Id", "nope")], &body);
    assert_eq!(not_uuid.status, 400);
    let bearer = server.post_json("/6/lists", &[("Authorization", "Bearer abc")], &body);
    assert_eq!(
        (bearer.status, bearer.json["error_code"].as_u64()),
        (401, Some(11002))
    );
    let duplicate = server.post_json(
        "/6/accounts",
        &[],
        &json!({"login": "auth@argus.dev", "password": "xyz", "account_type": "user"}),
    );
    assert_eq!(duplicate.status, 409);
}

#[test]
fn another_account_never_sees_or_changes_this_accounts_data() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let owner = Account::create(&server, "owner@argus.dev");
    let other = Account::create(&server, "other@argus.dev");
    let list = server.post_json("/6/lists", &owner.h(), &json!({}));
    let list_id = list.json["list_id"].as_str().unwrap().to_string();
    let (sample, attribute) = enrol_attribute(&server, &owner, "obama.jpg");
    let face = server.post_json(
        "/6/faces",
        &owner.h(),
        &json!({"attribute": {"attribute_id": attribute}, "lists": [list_id]}),
    );
    let face_id = face.json["face_id"].as_str().unwrap().to_string();
    let event = server.post_json(
        "/6/events",
        &owner.h(),
        &json!({"events": [{"source": "owner's camera", "tags": ["owner"]}]}),
    );
    let event_id = event.json["events"][0]["event_id"]
        .as_str()
        .unwrap()
        .to_string();
    let token = server.post_json(
        "/6/tokens",
        &owner.h(),
        &json!({"permissions": {"face": ["view"]}, "expiration_time": null}),
    );
    let token_id = token.json["token_id"].as_str().unwrap().to_string();
    let verifier = server.post_json("/6/verifiers", &owner.h(), &json!({}));
    let verifier_id = verifier.json["verifier_id"].as_str().unwrap().to_string();
    let mut h = owner.h();
    h.push(("Content-Type", "image/jpeg"));
    let image = server.request("POST", "/6/images", &h, Some(b"owner's image"));
    let image_id = image.json["image_id"].as_str().unwrap().to_string();
    let object = server.request("POST", "/6/objects", &h, Some(b"owner's object"));
    let object_id = object.json["object_id"].as_str().unwrap().to_string();

    for path in [
        format!("/6/faces/{face_id}/attributes"),
        format!("/6/lists/{list_id}"),
        format!("/6/faces/{face_id}"),
        format!("/6/samples/faces/{sample}"),
        format!("/6/events/{event_id}"),
        format!("/6/attributes/{attribute}"),
        format!("/6/tokens/{token_id}"),
        format!("/6/verifiers/{verifier_id}"),
        format!("/6/images/{image_id}"),
        format!("/6/objects/{object_id}"),
        format!("/6/accounts/{}", owner.id),
    ] {
        let r = server.get(&path, &other.h());
        assert_eq!(r.status, 404, "GET {path} as another account: {}", r.json);
        assert!(!String::from_utf8_lossy(&r.bytes).contains(&owner.id));
        // Deleting accounts is the admin's: refused before the id is even looked up.
        let expected = if path.starts_with("/6/accounts/") {
            403
        } else {
            404
        };
        let r = server.request("DELETE", &path, &other.h(), None);
        assert_eq!(
            r.status, expected,
            "DELETE {path} as another account: {}",
            r.json
        );
    }
    for path in [
        format!("/6/faces/{face_id}/attributes/samples"),
        format!("/6/images/{image_id}"),
        format!("/6/objects/{object_id}"),
    ] {
        assert_eq!(server.get(&path, &other.h()).status, 404, "GET {path}");
        assert_eq!(
            server.request("HEAD", &path, &other.h(), None).status,
            404,
            "HEAD {path}"
        );
    }
    // Not replaced, not changed, not counted, not listed.
    let r = server.send_json(
        "PUT",
        &format!("/6/tokens/{token_id}"),
        &other.h(),
        &json!({"permissions": {"list": ["view"]}, "expiration_time": null}),
    );
    assert_eq!(r.status, 404);
    let r = server.send_json(
        "PUT",
        &format!("/6/faces/{face_id}/attributes"),
        &other.h(),
        &json!({"attribute_id": attribute}),
    );
    assert_eq!(r.status, 404);
    let r = server.send_json(
        "PATCH",
        &format!("/6/accounts/{}", owner.id),
        &other.h(),
        &json!({"description": "taken over"}),
    );
    assert_eq!(r.status, 403);
    let accounts = server.get("/6/accounts", &other.h()).json;
    assert_eq!(
        (
            accounts["total_count"].clone(),
            accounts["accounts"][0]["account_id"].clone()
        ),
        (json!(1), json!(other.id))
    );
    assert_eq!(
        server.get("/6/verifiers/count", &other.h()).json["verifiers_count"],
        0
    );
    assert_eq!(
        server.get("/6/faces/attributes/count", &other.h()).json["faces_count"],
        0
    );
    assert_eq!(
        server
            .get(&format!("/6/lists?list_ids={list_id}"), &other.h())
            .json["lists"],
        json!([])
    );
    assert_eq!(
        server
            .get(&format!("/6/lists/count?list_ids={list_id}"), &other.h())
            .json["lists_count"],
        0
    );
    assert_eq!(server.get("/6/lists", &other.h()).json["lists"], json!([]));
    assert_eq!(server.get("/6/faces", &other.h()).json["faces"], json!([]));
    for query in [
        String::new(),
        format!("?event_ids={event_id}"),
        "?tags=owner".into(),
        format!("?account_id={}", owner.id),
    ] {
        let r = server.get(&format!("/6/events{query}"), &other.h());
        assert_eq!(r.json["events"], json!([]), "GET /6/events{query}");
    }
    let r = server.get(&format!("/6/events/{event_id}"), &owner.h());
    assert_eq!(
        r.status, 200,
        "the event outlives the other account's attempts"
    );
    assert_eq!(
        server
            .get(&format!("/6/faces?list_id={list_id}"), &other.h())
            .json["faces"],
        json!([])
    );
    // Not a reference, not a candidate, not a target for linking, not usable to create faces.
    let r = server.post_json(
        "/6/matcher/faces",
        &other.h(),
        &json!({"references": [{"type": "face", "id": face_id}], "candidates": []}),
    );
    assert_eq!(r.status, 404);
    let (_, probe) = enrol_attribute(&server, &other, "obama2.jpg");
    let r = server.post_json("/6/matcher/faces", &other.h(),
        &json!({"references": [{"type": "attribute", "id": probe}], "candidates": [{"filters": {"origin": "faces"}}]}));
    assert_eq!(r.json[0]["matches"][0]["result"], json!([]), "{}", r.json);
    let r = server.request(
        "PATCH",
        &format!("/6/lists/{list_id}/faces"),
        &[
            ("Authorization", other.auth.as_str()),
            ("Content-Type", "application/json"),
        ],
        Some(
            json!({"action": "detach", "face_ids": [face_id]})
                .to_string()
                .as_bytes(),
        ),
    );
    assert_eq!(r.status, 404);
    let r = server.post_json(
        "/6/faces",
        &other.h(),
        &json!({"attribute": {"attribute_id": attribute}}),
    );
    assert_eq!(r.status, 404);
    // The owner still has everything.
    assert_eq!(
        server.get(&format!("/6/faces/{face_id}"), &owner.h()).json["lists"],
        json!([list_id])
    );
    assert_eq!(
        server
            .get(&format!("/6/samples/faces/{sample}"), &owner.h())
            .status,
        200
    );
    for path in [
        format!("/6/faces/{face_id}/attributes"),
        format!("/6/tokens/{token_id}"),
        format!("/6/verifiers/{verifier_id}"),
        format!("/6/images/{image_id}"),
        format!("/6/objects/{object_id}"),
        format!("/6/accounts/{}", owner.id),
    ] {
        assert_eq!(
            server.get(&path, &owner.h()).status,
            200,
            "GET {path} as the owner"
        );
    }
    assert_eq!(
        server
            .get(&format!("/6/tokens/{token_id}"), &owner.h())
            .json["permissions"],
        json!({"face": ["view"]})
    );
    assert_eq!(server.get("/6/account", &owner.h()).json["description"], "");
}

#[test]
fn bearer_tokens_carry_permissions_expire_and_can_be_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "tokens@argus.dev");
    let r = server.post_json(
        "/6/tokens",
        &me.h(),
        &json!({"permissions": {"face": ["view"], "list": ["view"]}, "expiration_time": null}),
    );
    assert_eq!(r.status, 201, "{}", r.json);
    let (token, token_id) = (
        r.json["token"].as_str().unwrap().to_string(),
        r.json["token_id"].as_str().unwrap().to_string(),
    );
    let bearer = format!("Bearer {token}");
    let h = [("Authorization", bearer.as_str())];
    assert_eq!(server.get("/6/faces", &h).status, 200);
    assert_eq!(server.get("/6/lists", &h).status, 200);
    let denied = server.post_json("/6/lists", &h, &json!({}));
    assert_eq!(
        (denied.status, denied.json["error_code"].as_u64()),
        (403, Some(12040))
    );
    let got = server.get(&format!("/6/tokens/{token_id}"), &me.h());
    assert_eq!(
        got.json["permissions"],
        json!({"face": ["view"], "list": ["view"]})
    );
    assert_eq!(got.json["token"], json!(token));
    // A tampered token is refused.
    let tampered = format!("Bearer {}x", token);
    assert_eq!(
        server
            .get("/6/faces", &[("Authorization", tampered.as_str())])
            .status,
        401
    );
    // An expired token is refused.
    let old = server.post_json(
        "/6/tokens?grant_all_permissions=1",
        &me.h(),
        &json!({"expiration_time": "2001-01-01T00:00:00+03:00"}),
    );
    let old = format!("Bearer {}", old.json["token"].as_str().unwrap());
    assert_eq!(
        server
            .get("/6/faces", &[("Authorization", old.as_str())])
            .status,
        401
    );
    // All permissions allow writing; revoking stops the token at once.
    let all = server.post_json(
        "/6/tokens?grant_all_permissions=1",
        &me.h(),
        &json!({"expiration_time": null}),
    );
    let all_bearer = format!("Bearer {}", all.json["token"].as_str().unwrap());
    assert_eq!(
        server
            .post_json(
                "/6/lists",
                &[("Authorization", all_bearer.as_str())],
                &json!({})
            )
            .status,
        201
    );
    assert_eq!(
        server
            .request("DELETE", &format!("/6/tokens/{token_id}"), &me.h(), None)
            .status,
        204
    );
    assert_eq!(server.get("/6/faces", &h).status, 401);
    // Bad permissions and another account's token ids are refused.
    assert_eq!(
        server
            .post_json(
                "/6/tokens",
                &me.h(),
                &json!({"permissions": {"face": ["fly"]}, "expiration_time": null})
            )
            .status,
        400
    );
    let other = Account::create(&server, "tokens2@argus.dev");
    assert_eq!(
        server
            .get(
                &format!("/6/tokens/{}", all.json["token_id"].as_str().unwrap()),
                &other.h()
            )
            .status,
        404
    );
    assert_eq!(
        server.get("/6/tokens", &other.h()).json["tokens"],
        json!([])
    );
}
