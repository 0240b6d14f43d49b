//! Face attributes over HTTP on real photos: `/6/sdk` and `/6/detector` estimate head pose, emotions, age and
//! gender and liveness when asked; `/6/liveness` answers each image and the aggregate; `/6/extractor` stores age
//! and gender in the temporary attribute, one per sample or one for all with `aggregate_attributes=1`; and what
//! the seed does not allow on warps, or what this build has no model for, is refused with the documented error.

use crate::server::{Account, Answer, Server, photo};
use serde_json::json;

fn post_image(server: &Server, me: &Account, path: &str, name: &str) -> Answer {
    let mut h = me.h();
    let mime = if name.ends_with(".png") {
        "image/png"
    } else {
        "image/jpeg"
    };
    h.push(("Content-Type", mime));
    server.request("POST", path, &h, Some(&photo(name)))
}

#[test]
fn the_sdk_estimates_what_is_asked_and_refuses_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "estimations@argus.dev");
    let path = "/6/sdk?detect_face=1&estimate_head_pose=1&estimate_emotions=1&estimate_basic_attributes=1\
                &estimate_liveness=1&estimate_face_warp=1&estimate_landmarks68=1&estimate_eyes_attributes=1\
                &estimate_mouth_attributes=1";
    let r = post_image(&server, &me, path, "obama.jpg");
    assert_eq!(r.status, 200, "{}", r.json);
    let face = &r.json["images_estimations"][0]["estimations"][0]["face"];
    let attributes = &face["attributes"];
    assert_eq!(
        face["detection"]["landmarks68"].as_array().map(Vec::len),
        Some(68),
        "{face}"
    );
    for eye in ["right_eye", "left_eye"] {
        let e = &attributes["eyes_attributes"][eye];
        assert_eq!(e["state"], "open", "{attributes}");
        assert_eq!(e["eyelid_landmarks"].as_array().map(Vec::len), Some(6));
    }
    let mouth = &attributes["mouth_attributes"];
    assert!(mouth["smile"].as_f64().unwrap() > 0.5, "{attributes}");
    assert!((0.0..=1.0).contains(&mouth["opened"].as_f64().unwrap()));
    let pose = &attributes["head_pose"];
    for angle in ["yaw", "pitch", "roll"] {
        assert!(pose[angle].as_f64().unwrap().abs() < 15.0, "{pose}");
    }
    assert_eq!(
        attributes["emotions"]["predominant_emotion"], "happiness",
        "{attributes}"
    );
    assert_eq!(
        attributes["emotions"]["estimations"]
            .as_object()
            .unwrap()
            .len(),
        7
    );
    assert_eq!(face["basic_attributes"]["gender"], 1, "{face}");
    let age = face["basic_attributes"]["age"].as_i64().unwrap();
    assert!((30..=60).contains(&age), "{age}");
    let liveness = &attributes["liveness"];
    let probability = liveness["estimations"]["probability"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&probability), "{liveness}");
    let expected = if probability >= 0.88 { "real" } else { "spoof" };
    assert_eq!(liveness["prediction"], expected, "{liveness}");

    // Without the flags there are no attributes.
    let plain = post_image(&server, &me, "/6/sdk?detect_face=1", "obama.jpg");
    let face = &plain.json["images_estimations"][0]["estimations"][0]["face"];
    assert!(face.get("attributes").is_none() && face.get("basic_attributes").is_none());

    // On a warp: emotions and age work, head pose and liveness are refused.
    let warp = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        r.json["images_estimations"][0]["estimations"][0]["face"]["warp"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let mut h = me.h();
    h.push(("Content-Type", "image/png"));
    let r = server.request(
        "POST",
        "/6/sdk?image_type=1&estimate_emotions=1&estimate_basic_attributes=1",
        &h,
        Some(&warp),
    );
    assert_eq!(r.status, 200, "{}", r.json);
    let face = &r.json["images_estimations"][0]["estimations"][0]["face"];
    assert_eq!(
        face["attributes"]["emotions"]["predominant_emotion"],
        "happiness"
    );
    assert_eq!(face["basic_attributes"]["gender"], 1);
    for flag in [
        "estimate_head_pose",
        "estimate_liveness",
        "estimate_landmarks68",
    ] {
        let r = server.request(
            "POST",
            &format!("/6/sdk?image_type=1&{flag}=1"),
            &h,
            Some(&warp),
        );
        assert_eq!(
            (r.status, r.json["error_code"].as_u64()),
            (400, Some(101)),
            "{flag}: {}",
            r.json
        );
    }
    for flag in ["estimate_mask", "estimate_glasses", "estimate_gaze"] {
        let r = post_image(
            &server,
            &me,
            &format!("/6/sdk?detect_face=1&{flag}=1"),
            "obama.jpg",
        );
        assert_eq!(
            (r.status, r.json["error_code"].as_u64()),
            (501, Some(19001)),
            "{flag}"
        );
        assert!(r.json["detail"].as_str().unwrap().contains(flag));
    }
    let r = post_image(
        &server,
        &me,
        "/6/sdk?detect_face=1&estimate_emotions=2",
        "obama.jpg",
    );
    assert_eq!(r.status, 400, "{}", r.json);
}

#[test]
fn the_detector_puts_attributes_in_each_detection() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "detector-estimations@argus.dev");
    let r = post_image(
        &server,
        &me,
        "/6/detector?estimate_head_pose=1&estimate_emotions=1&detect_landmarks68=1",
        "grace_hopper.jpg",
    );
    assert_eq!(r.status, 201, "{}", r.json);
    let detection = &r.json["images"][0]["detections"]["samples"][0]["face"]["detection"];
    assert!(
        detection["attributes"]["head_pose"]["yaw"].is_number(),
        "{detection}"
    );
    assert_ne!(
        detection["attributes"]["emotions"]["predominant_emotion"],
        "happiness"
    );
    assert!(detection["attributes"].get("liveness").is_none());
    assert_eq!(detection["landmarks68"].as_array().map(Vec::len), Some(68));
}

#[test]
fn liveness_answers_each_image_and_the_aggregate() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "liveness@argus.dev");
    let body = form(&["obama.jpg", "biden.jpg"]);
    let mut h = me.h();
    h.push(("Content-Type", "multipart/form-data; boundary=argusform"));
    let r = server.request("POST", "/6/liveness?aggregate=1", &h, Some(&body));
    assert_eq!(r.status, 200, "{}", r.json);
    let images = r.json["images"].as_array().unwrap();
    assert_eq!(images.len(), 2);
    let scores: Vec<f64> = images
        .iter()
        .map(|i| {
            i["liveness"]["estimations"]["probability"]
                .as_f64()
                .unwrap()
        })
        .collect();
    assert_eq!(images[1]["filename"], "biden.jpg");
    let mean = r.json["aggregate_estimations"]["liveness"]["estimations"]["probability"]
        .as_f64()
        .unwrap();
    assert!(
        (mean - (scores[0] + scores[1]) / 2.0).abs() < 1e-5,
        "{}",
        r.json
    );

    // An image without a face is an error; so is no account.
    let r = post_image(&server, &me, "/6/liveness", "ice_block.jpg");
    assert_eq!(
        (r.status, r.json["error_code"].as_u64()),
        (400, Some(11043)),
        "{}",
        r.json
    );
    let r = server.request(
        "POST",
        "/6/liveness",
        &[("Content-Type", "image/jpeg")],
        Some(&photo("obama.jpg")),
    );
    assert_eq!(
        (r.status, r.json["error_code"].as_u64()),
        (403, Some(11036)),
        "{}",
        r.json
    );
}

/// A multipart form of the named photos.
fn form(names: &[&str]) -> Vec<u8> {
    let mut body = Vec::new();
    for name in names {
        body.extend_from_slice(
            format!(
                "--argusform\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{name}\"\r\nContent-Type: image/jpeg\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(&photo(name));
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"--argusform--\r\n");
    body
}

#[test]
fn the_sdk_aggregates_one_persons_images() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "sdk-aggregate@argus.dev");
    let mut h = me.h();
    h.push(("Content-Type", "multipart/form-data; boundary=argusform"));
    let path = "/6/sdk?detect_face=1&estimate_basic_attributes=1&estimate_emotions=1&estimate_liveness=1\
                &aggregate_attributes=1";
    let r = server.request("POST", path, &h, Some(&form(&["obama.jpg", "obama2.jpg"])));
    assert_eq!(r.status, 200, "{}", r.json);
    let age = |i: usize| {
        r.json["images_estimations"][i]["estimations"][0]["face"]["basic_attributes"]["age"]
            .as_i64()
            .unwrap()
    };
    let face = &r.json["aggregate_estimations"]["face"];
    let mean_age = face["basic_attributes"]["age"].as_i64().unwrap();
    assert!(
        (age(0).min(age(1))..=age(0).max(age(1))).contains(&mean_age),
        "{}",
        r.json
    );
    assert_eq!(face["basic_attributes"]["gender"], 1);
    assert!(face["attributes"]["emotions"]["predominant_emotion"].is_string());
    assert!(face["attributes"]["liveness"]["estimations"]["probability"].is_number());

    // Two people in one image cannot be one person's aggregate.
    let mut h = me.h();
    h.push(("Content-Type", "image/png"));
    let two = crate::detection_tests::two_faces();
    let r = server.request("POST", path, &h, Some(&two));
    assert_eq!(
        (r.status, r.json["error_code"].as_u64()),
        (400, Some(11043)),
        "{}",
        r.json
    );
    let r = server.request(
        "POST",
        &format!("{path}&multiface_policy=2"),
        &h,
        Some(&two),
    );
    assert_eq!(r.status, 200, "{}", r.json);
}

#[test]
fn the_extractor_stores_age_and_gender_and_aggregates_one_person() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "extractor-basic@argus.dev");
    let sample_of = |name: &str| {
        let r = post_image(&server, &me, "/6/detector", name);
        assert_eq!(r.status, 201, "{}", r.json);
        r.json["images"][0]["detections"]["samples"][0]["face"]["sample_id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (a, b, collins) = (
        sample_of("obama.jpg"),
        sample_of("obama2.jpg"),
        sample_of("astronaut.png"),
    );

    let r = server.post_json(
        "/6/extractor?extract_basic_attributes=1",
        &me.h(),
        &json!([a, collins]),
    );
    assert_eq!(r.status, 201, "{}", r.json);
    assert_eq!(r.json[0]["basic_attributes"]["gender"], 1, "{}", r.json);
    assert_eq!(r.json[1]["basic_attributes"]["gender"], 0, "{}", r.json);
    let stored = server.get(
        &format!(
            "/6/attributes/{}",
            r.json[1]["attribute_id"].as_str().unwrap()
        ),
        &me.h(),
    );
    assert_eq!(
        stored.json["basic_attributes"],
        r.json[1]["basic_attributes"]
    );
    assert_eq!(stored.json["basic_attributes_samples"], json!([collins]));

    // A face made from the attribute keeps its age and gender.
    let face = server.post_json(
        "/6/faces",
        &me.h(),
        &json!({"attribute": {"attribute_id": r.json[1]["attribute_id"]}}),
    );
    assert_eq!(face.status, 201, "{}", face.json);
    let kept = server.get(
        &format!(
            "/6/faces/{}/attributes",
            face.json["face_id"].as_str().unwrap()
        ),
        &me.h(),
    );
    assert_eq!(
        kept.json["attributes"]["basic_attributes"], r.json[1]["basic_attributes"],
        "{}",
        kept.json
    );
    assert_eq!(
        kept.json["attributes"]["basic_attributes_samples"],
        json!([collins])
    );

    let r = server.post_json(
        "/6/extractor?extract_basic_attributes=1&aggregate_attributes=1",
        &me.h(),
        &json!([a, b]),
    );
    assert_eq!(r.status, 201, "{}", r.json);
    assert_eq!(r.json.as_array().unwrap().len(), 1, "{}", r.json);
    assert_eq!(r.json[0]["samples"], json!([a, b]));
    assert_eq!(r.json[0]["basic_attributes"]["gender"], 1);
    let aggregated = r.json[0]["attribute_id"].as_str().unwrap().to_string();

    // The aggregated descriptor still matches the person: verify it against a third photo of him.
    let single = server.post_json("/6/extractor", &me.h(), &json!([sample_of("obama3.jpg")]));
    let attribute = single.json[0]["attribute_id"].as_str().unwrap();
    let face = server.post_json(
        "/6/faces",
        &me.h(),
        &json!({"attribute": {"attribute_id": attribute}}),
    );
    assert_eq!(face.status, 201, "{}", face.json);
    let r = server.post_json(
        "/6/matcher/faces",
        &me.h(),
        &json!({"references": [{"type": "attribute", "id": aggregated}],
                "candidates": [{"filters": {"origin": "faces"}, "limit": 1}]}),
    );
    let top = &r.json[0]["matches"][0]["result"][0];
    assert_eq!(top["face"]["face_id"], face.json["face_id"], "{}", r.json);
    assert!(top["similarity"].as_f64().unwrap() > 0.5, "{}", r.json);
}
