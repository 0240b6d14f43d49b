//! Verifiers: 1:1 verification of a photo against an enrolled face and a temporary attribute.

use crate::server::{Account, Server, enrol_attribute, photo};
use serde_json::json;

#[test]
fn a_verifier_accepts_the_same_person_and_rejects_another() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "verify@argus.dev");
    let (_, obama) = enrol_attribute(&server, &me, "obama.jpg");
    let face = server.post_json(
        "/6/faces",
        &me.h(),
        &json!({"attribute": {"attribute_id": obama}}),
    );
    let face_id = face.json["face_id"].as_str().unwrap().to_string();
    let (_, biden) = enrol_attribute(&server, &me, "biden.jpg");
    let r = server.post_json(
        "/6/verifiers",
        &me.h(),
        &json!({"description": "door", "policies": {"verification_threshold": 0.5}}),
    );
    assert_eq!(r.status, 201, "{}", r.json);
    let verifier = r.json["verifier_id"].as_str().unwrap().to_string();
    assert_eq!(
        server
            .get("/6/verifiers", &me.h())
            .json
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let mut h = me.h();
    h.push(("Content-Type", "image/jpeg"));
    let path =
        format!("/6/verifiers/{verifier}/verifications?face_ids={face_id}&attribute_ids={biden}");
    let r = server.request("POST", &path, &h, Some(&photo("obama3.jpg")));
    assert_eq!(r.status, 201, "{}", r.json);
    let v = r.json["images"][0]["detections"]["face_detections"][0]["verifications"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(v[0]["face"]["face_id"], json!(face_id));
    assert_eq!(v[0]["status"], json!(true), "{}", r.json);
    assert_eq!(v[1]["attribute"]["attribute_id"], json!(biden));
    assert_eq!(v[1]["status"], json!(false), "{}", r.json);

    // Policies this build cannot honour are refused when the verifier is created.
    let r = server.post_json(
        "/6/verifiers",
        &me.h(),
        &json!({"policies": {"detect_policy": {"estimate_mask": 1}}}),
    );
    assert_eq!(
        (r.status, r.json["error_code"].as_u64()),
        (501, Some(19001))
    );
    let other = Account::create(&server, "verify2@argus.dev");
    assert_eq!(
        server
            .request(
                "POST",
                &path,
                &[
                    ("Authorization", other.auth.as_str()),
                    ("Content-Type", "image/jpeg")
                ],
                Some(&photo("obama3.jpg"))
            )
            .status,
        404
    );
    assert_eq!(
        server
            .request("DELETE", &format!("/6/verifiers/{verifier}"), &me.h(), None)
            .status,
        204
    );
}
