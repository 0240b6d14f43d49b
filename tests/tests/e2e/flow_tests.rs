//! The core flow of the API with real photos: account → detect → extract → list → faces → match; the request id
//! is echoed; SIGTERM exits 0.

use crate::server::{Account, Server, enrol_attribute};
use serde_json::json;

#[test]
fn enrol_then_match_finds_the_same_person_first() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "flow@argus.dev");
    let list = server.post_json("/6/lists", &me.h(), &json!({"user_data": "staff"}));
    assert_eq!(list.status, 201);
    let list_id = list.json["list_id"].as_str().unwrap().to_string();

    let mut faces = Vec::new();
    for (name, person) in [
        ("obama.jpg", "obama"),
        ("biden.jpg", "biden"),
        ("grace_hopper.jpg", "hopper"),
    ] {
        let (_, attribute) = enrol_attribute(&server, &me, name);
        let r = server.post_json(
            "/6/faces",
            &me.h(),
            &json!({"attribute": {"attribute_id": attribute}, "external_id": person, "lists": [list_id]}),
        );
        assert_eq!(r.status, 201, "{}", r.json);
        faces.push((person, r.json["face_id"].as_str().unwrap().to_string()));
    }
    let listed = server.get(&format!("/6/faces?list_id={list_id}"), &me.h());
    assert_eq!(listed.json["faces"].as_array().unwrap().len(), 3);

    // A new photo of one of them, as a temporary attribute, matched against the list.
    let (_, probe) = enrol_attribute(&server, &me, "obama2.jpg");
    let r = server.post_json(
        "/6/matcher/faces",
        &me.h(),
        &json!({"references": [{"type": "attribute", "id": probe}],
                "candidates": [{"filters": {"origin": "faces", "list_id": list_id}, "limit": 3}]}),
    );
    assert_eq!(r.status, 200, "{}", r.json);
    let result = r.json[0]["matches"][0]["result"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(result.len(), 3);
    assert_eq!(
        result[0]["face"]["face_id"],
        json!(faces[0].1),
        "obama first: {}",
        r.json
    );
    let best = result[0]["similarity"].as_f64().unwrap();
    let second = result[1]["similarity"].as_f64().unwrap();
    assert!(best > 0.5 && second < 0.5, "{best} vs {second}");

    // A threshold drops the other people; a face reference works too.
    let r = server.post_json(
        "/6/matcher/faces",
        &me.h(),
        &json!({"references": [{"type": "face", "id": faces[0].1}],
                "candidates": [{"filters": {"origin": "faces", "list_id": list_id}, "threshold": 0.5}]}),
    );
    let result = r.json[0]["matches"][0]["result"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(result.len(), 1, "{}", r.json);

    // Detached from the list, a face is no longer a candidate of that list.
    let r = server.request(
        "PATCH",
        &format!("/6/lists/{list_id}/faces"),
        &[
            ("Authorization", me.auth.as_str()),
            ("Content-Type", "application/json"),
        ],
        Some(
            json!({"action": "detach", "face_ids": [faces[0].1]})
                .to_string()
                .as_bytes(),
        ),
    );
    assert_eq!(r.status, 204, "{}", r.json);
    let r = server.post_json(
        "/6/matcher/faces",
        &me.h(),
        &json!({"references": [{"type": "attribute", "id": probe}],
                "candidates": [{"filters": {"origin": "faces", "list_id": list_id}}]}),
    );
    let ids: Vec<_> = r.json[0]["matches"][0]["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["face"]["face_id"].clone())
        .collect();
    assert!(!ids.contains(&json!(faces[0].1)));

    // Deleted faces are gone from matching too.
    assert_eq!(
        server
            .request("DELETE", &format!("/6/faces/{}", faces[1].1), &me.h(), None)
            .status,
        204
    );
    assert_eq!(
        server
            .get(&format!("/6/faces/{}", faces[1].1), &me.h())
            .status,
        404
    );
    assert_eq!(server.stop(), Some(0));
}

#[test]
fn samples_and_attributes_round_trip_and_the_request_id_is_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "samples@argus.dev");
    let (sample, attribute) = enrol_attribute(&server, &me, "biden.jpg");
    let r = server.get(&format!("/6/samples/faces/{sample}"), &me.h());
    assert_eq!(r.status, 200);
    assert_eq!(&r.bytes[1..4], b"PNG");
    // The stored sample can be uploaded back as a warp and extracted again.
    let mut h = me.h();
    h.push(("Content-Type", "image/png"));
    let up = server.request("POST", "/6/samples/faces", &h, Some(&r.bytes));
    assert_eq!(up.status, 201, "{}", up.json);
    let a = server.get(&format!("/6/attributes/{attribute}"), &me.h());
    assert_eq!(a.json["face_descriptor_samples"], json!([sample]));
    assert!(a.json["face_descriptor"].as_str().unwrap().len() > 500);
    let mut h = me.h();
    h.push((
        "Luna-Request-Id",
        "1700000000,00000000-0000-4000-8000-000000000001",
    ));
    let r = server.get("/6/account", &h);
    assert_eq!(
        r.request_id.as_deref(),
        Some("1700000000,00000000-0000-4000-8000-000000000001")
    );
    assert_eq!(r.json["login"], "samples@argus.dev");
    assert!(server.get("/6/version", &[]).request_id.is_some());
    assert_eq!(
        server
            .request(
                "DELETE",
                &format!("/6/samples/faces/{sample}"),
                &me.h(),
                None
            )
            .status,
        204
    );
    assert_eq!(
        server
            .get(&format!("/6/samples/faces/{sample}"), &me.h())
            .status,
        404
    );
}

#[test]
fn msgpack_both_ways_and_metrics_count_requests() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "msgpack@argus.dev");
    let packed = rmp_serde::to_vec_named(&json!({"user_data": "packed"})).unwrap();
    let h = [
        ("Authorization", me.auth.as_str()),
        ("Content-Type", "application/msgpack"),
        ("Accept", "application/msgpack"),
    ];
    let r = server.request("POST", "/6/lists", &h, Some(&packed));
    assert_eq!(r.status, 201);
    let answer: serde_json::Value = rmp_serde::from_slice(&r.bytes).expect("a msgpack answer");
    let list_id = answer["list_id"].as_str().unwrap().to_string();
    let got = server.get(&format!("/6/lists/{list_id}"), &me.h());
    assert_eq!(got.json["user_data"], "packed");
    let bad = server.request("POST", "/6/lists", &h, Some(b"\xc1"));
    let error: serde_json::Value = rmp_serde::from_slice(&bad.bytes).unwrap();
    assert_eq!(
        (bad.status, error["error_code"].as_u64()),
        (400, Some(12022))
    );

    let metrics = String::from_utf8(server.get("/metrics", &[]).bytes).unwrap();
    assert!(
        metrics.contains(r#"argus_requests_total{route="POST /6/lists",status="201"} 1"#),
        "{metrics}"
    );
    assert!(metrics.contains(r#"route="GET /6/lists/{id}""#));
    assert!(metrics.contains("argus_index_faces 0"));
}

#[test]
fn every_documented_route_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "docs@argus.dev");
    let spec = server.get("/6/docs/spec", &[]);
    assert_eq!(spec.json["openapi"], "3.0.3");
    let paths = spec.json["paths"].as_object().unwrap();
    assert!(paths.len() >= 20);
    let mut checked = 0;
    for (path, methods) in paths {
        let concrete = path
            .split('/')
            .map(|s| {
                if s.starts_with('{') {
                    "00000000-0000-4000-8000-000000000000"
                } else {
                    s
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for method in methods.as_object().unwrap().keys() {
            let mut h = me.h();
            h.push(("Content-Type", "application/json"));
            let r = server.request(&method.to_uppercase(), &concrete, &h, Some(b"{}"));
            assert_ne!(
                r.json["error_code"].as_u64(),
                Some(12001),
                "{method} {path} is documented but not served"
            );
            assert_ne!(r.status, 500, "{method} {path}: {}", r.json);
            checked += 1;
        }
    }
    assert!(checked >= 42, "{checked}");
    for served in ["/6/attributes", "/6/verifiers/{verifier_id}/verifications"] {
        assert!(
            paths.contains_key(served),
            "{served} is served but not documented"
        );
    }
    assert!(
        String::from_utf8(server.get("/6/docs", &[]).bytes)
            .unwrap()
            .contains("/6/matcher/faces")
    );
}

#[test]
fn an_external_descriptor_becomes_a_matchable_face() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "external@argus.dev");
    let (_, extracted) = enrol_attribute(&server, &me, "biden.jpg");
    let descriptor = server
        .get(&format!("/6/attributes/{extracted}"), &me.h())
        .json["face_descriptor"]
        .clone();
    let r = server.post_json(
        "/6/attributes",
        &me.h(),
        &json!({"face_descriptors": [{"descriptor": descriptor, "version": 1}]}),
    );
    assert_eq!(r.status, 201, "{}", r.json);
    let external = r.json["attribute_id"].as_str().unwrap().to_string();
    let face = server.post_json(
        "/6/faces",
        &me.h(),
        &json!({"attribute": {"attribute_id": external}}),
    );
    assert_eq!(face.status, 201);
    let twin = server.post_json(
        "/6/faces",
        &me.h(),
        &json!({"attribute": {"attribute_id": extracted}}),
    );
    assert_eq!(twin.status, 201);
    let r = server.post_json(
        "/6/matcher/faces",
        &me.h(),
        &json!({"references": [{"type": "attribute", "id": extracted}], "candidates": [{"filters": {"origin": "faces"}}]}),
    );
    // The external descriptor is the extracted one, so both faces score exactly as the reference against itself.
    let results = r.json[0]["matches"][0]["result"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{}", r.json);
    let scores: Vec<f64> = results
        .iter()
        .map(|m| m["similarity"].as_f64().unwrap())
        .collect();
    assert!((scores[0] - scores[1]).abs() < 1e-5, "{}", r.json);
    assert!(scores[0] > 0.9, "{}", r.json);
    assert!(
        results
            .iter()
            .any(|m| m["face"]["face_id"] == face.json["face_id"])
    );
    let wrong = server.post_json(
        "/6/attributes",
        &me.h(),
        &json!({"face_descriptors": [{"descriptor": descriptor, "version": 56}]}),
    );
    assert_eq!(wrong.status, 400);
    let short = server.post_json(
        "/6/attributes",
        &me.h(),
        &json!({"face_descriptors": [{"descriptor": "AAAA", "version": 1}]}),
    );
    assert_eq!(short.status, 400);
}
