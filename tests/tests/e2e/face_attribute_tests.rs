//! A face's attribute: put from a temporary attribute, read, count, remove; the matcher follows each change.

use crate::server::{Account, Server, enrol_attribute};
use serde_json::{Value, json};

/// The face ids the probe attribute finds among the account's faces.
fn matched(server: &Server, me: &Account, probe: &str) -> Vec<Value> {
    let r = server.post_json(
        "/6/matcher/faces",
        &me.h(),
        &json!({"references": [{"type": "attribute", "id": probe}],
                "candidates": [{"filters": {"origin": "faces"}, "limit": 10}]}),
    );
    assert_eq!(r.status, 200, "{}", r.json);
    r.json[0]["matches"][0]["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["face"]["face_id"].clone())
        .collect()
}

#[test]
fn put_get_delete_keep_the_matcher_in_step() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "attrs@argus.dev");
    let (sample, attribute) = enrol_attribute(&server, &me, "obama.jpg");
    let (_, probe) = enrol_attribute(&server, &me, "obama2.jpg");
    let face = server.post_json("/6/faces", &me.h(), &json!({"external_id": "barack"}));
    let face_id = face.json["face_id"].as_str().unwrap().to_string();
    let path = format!("/6/faces/{face_id}/attributes");
    assert_eq!(server.get(&path, &me.h()).status, 404);
    assert_eq!(matched(&server, &me, &probe), Vec::<Value>::new());
    assert_eq!(
        server.get("/6/faces/attributes/count", &me.h()).json["faces_count"],
        0
    );

    // A face without a descriptor gets one and becomes matchable.
    let put = |body: Value| server.send_json("PUT", &path, &me.h(), &body);
    assert_eq!(put(json!({"attribute_id": attribute})).status, 204);
    assert_eq!(matched(&server, &me, &probe), vec![json!(face_id)]);
    assert_eq!(
        server.get("/6/faces/attributes/count", &me.h()).json["faces_count"],
        1
    );
    let got = server.get(&path, &me.h());
    assert_eq!(got.status, 200, "{}", got.json);
    let attributes = &got.json["attributes"];
    assert!(attributes["face_descriptor"].is_string(), "{attributes}");
    assert_eq!(attributes["face_descriptor_samples"], json!([sample]));
    assert_eq!(
        attributes["face_descriptor"],
        server
            .get(&format!("/6/attributes/{attribute}"), &me.h())
            .json["face_descriptor"]
    );
    let only = server.get(&format!("{path}?targets=create_time"), &me.h());
    assert_eq!(
        only.json["attributes"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["create_time"]
    );
    let samples = server.get(&format!("{path}/samples"), &me.h());
    assert_eq!(samples.json, json!({"samples": [sample]}));
    for (query, status, code) in [
        ("descriptor_format=sdk", 501, 19001),
        ("descriptor_format=xpk", 400, 101),
        ("descriptor_version=46", 404, 11020),
        ("targets=lists", 400, 101),
    ] {
        let r = server.get(&format!("{path}?{query}"), &me.h());
        assert_eq!(
            (r.status, r.json["error_code"].as_u64()),
            (status, Some(code)),
            "{query}"
        );
    }

    // Refused bodies change nothing.
    for (body, status, code) in [
        (json!({}), 400, 12022),
        (json!({"attribute_id": attribute, "extra": 1}), 400, 12022),
        (
            json!({"face_descriptors": [{"descriptor": "AAAA", "version": 1}]}),
            501,
            19001,
        ),
        (
            json!({"attribute_id": "00000000-0000-4000-8000-000000000000"}),
            404,
            11020,
        ),
    ] {
        let r = put(body.clone());
        assert_eq!(
            (r.status, r.json["error_code"].as_u64()),
            (status, Some(code)),
            "{body}"
        );
    }
    assert_eq!(matched(&server, &me, &probe), vec![json!(face_id)]);

    // Removing the attribute takes the face out of matching; putting one back brings it in.
    assert_eq!(server.request("DELETE", &path, &me.h(), None).status, 204);
    assert_eq!(matched(&server, &me, &probe), Vec::<Value>::new());
    assert_eq!(server.get(&path, &me.h()).status, 404);
    assert_eq!(
        server.get("/6/faces/attributes/count", &me.h()).json["faces_count"],
        0
    );
    assert_eq!(server.index_faces(), 0);
    assert_eq!(put(json!({"attribute_id": attribute})).status, 204);
    assert_eq!(matched(&server, &me, &probe), vec![json!(face_id)]);
    assert_eq!(server.index_faces(), 1);
    let unknown = "/6/faces/00000000-0000-4000-8000-000000000000/attributes";
    assert_eq!(server.get(unknown, &me.h()).status, 404);
    assert_eq!(server.request("DELETE", unknown, &me.h(), None).status, 404);
}
