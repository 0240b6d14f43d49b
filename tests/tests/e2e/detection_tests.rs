//! Detection over every image transport (raw, base64, multipart, JSON), multiface policies on a two-face image,
//! `POST /6/sdk` (nothing stored), and descriptor-only matching: `POST /6/matcher/raw`, `POST /6/verifiers/{id}/raw`.

use crate::server::{Account, Answer, Server, photo};
use base64::Engine as _;
use serde_json::{Value, json};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn post(server: &Server, account: &Account, path: &str, mime: &str, body: &[u8]) -> Answer {
    let mut h = account.h();
    h.push(("Content-Type", mime));
    server.request("POST", path, &h, Some(body))
}

fn form(parts: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, mime, bytes) in parts {
        let head = format!(
            "--argusform\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{name}\"\r\nContent-Type: {mime}\r\n\r\n"
        );
        body.extend_from_slice(head.as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"--argusform--\r\n");
    body
}

/// Two photos side by side on one canvas, as PNG: an image with two faces.
pub fn two_faces() -> Vec<u8> {
    let a = image::load_from_memory(&photo("obama.jpg"))
        .unwrap()
        .to_rgb8();
    let b = image::load_from_memory(&photo("biden.jpg"))
        .unwrap()
        .to_rgb8();
    let mut canvas = image::RgbImage::new(a.width() + b.width(), a.height().max(b.height()));
    image::imageops::replace(&mut canvas, &a, 0, 0);
    image::imageops::replace(&mut canvas, &b, i64::from(a.width()), 0);
    let mut png = Vec::new();
    canvas
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    png
}

fn samples(image: &Value) -> usize {
    image["detections"]["samples"]
        .as_array()
        .map_or(0, Vec::len)
}

#[test]
fn the_detector_takes_every_transport_and_answers_each_image_of_a_form() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "transport@argus.dev");
    let jpeg = photo("obama.jpg");

    let raw = post(&server, &me, "/6/detector", "image/jpeg", &jpeg);
    assert_eq!(raw.status, 201, "{}", raw.json);
    let rated = post(
        &server,
        &me,
        "/6/detector?estimate_quality=1",
        "image/jpeg",
        &jpeg,
    );
    let quality =
        &rated.json["images"][0]["detections"]["samples"][0]["face"]["detection"]["quality"];
    assert!(quality["dark"].as_f64().unwrap() > 0.8, "{}", rated.json);
    assert!(
        raw.json["images"][0]["detections"]["samples"][0]["face"]["detection"]
            .get("quality")
            .is_none()
    );
    let base64 = post(
        &server,
        &me,
        "/6/detector",
        "image/x-jpeg-base64",
        b64(&jpeg).as_bytes(),
    );
    assert_eq!(base64.status, 201, "{}", base64.json);
    assert_eq!(
        base64.json["images"][0]["detections"]["samples"][0]["face"]["detection"]["rect"],
        raw.json["images"][0]["detections"]["samples"][0]["face"]["detection"]["rect"]
    );
    let listed = server.post_json(
        "/6/detector",
        &me.h(),
        &json!({"images": [{"image": b64(&jpeg), "filename": "o.jpg"}, {"image": b64(&photo("biden.jpg"))}]}),
    );
    assert_eq!(listed.status, 201, "{}", listed.json);
    let images = listed.json["images"].as_array().unwrap();
    assert_eq!(images.len(), 2);
    assert_eq!(images[0]["filename"], "o.jpg");
    assert!(
        samples(&images[0]) == 1 && samples(&images[1]) == 1,
        "{}",
        listed.json
    );

    let body = form(&[
        ("a.jpg", "image/jpeg", &jpeg),
        ("broken.jpg", "image/jpeg", b"not a jpeg at all"),
        ("c.png", "image/png", &photo("astronaut.png")),
    ]);
    let r = post(
        &server,
        &me,
        "/6/detector",
        "multipart/form-data; boundary=argusform",
        &body,
    );
    assert_eq!(r.status, 201, "{}", r.json);
    let images = r.json["images"].as_array().unwrap();
    let names: Vec<&str> = images
        .iter()
        .map(|i| i["filename"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a.jpg", "broken.jpg", "c.png"]);
    assert_eq!(images[0]["status"], 1);
    assert_eq!(samples(&images[0]), 1);
    assert_eq!(images[1]["status"], 0);
    assert_eq!(images[1]["error"]["error_code"], 100010, "{}", r.json);
    assert_eq!(images[2]["status"], 1);
    let sample = images[0]["detections"]["samples"][0]["face"]["sample_id"]
        .as_str()
        .unwrap();
    assert_eq!(
        server
            .get(&format!("/6/samples/faces/{sample}"), &me.h())
            .status,
        200
    );

    // Broken transports are the request's error.
    for (mime, body) in [
        ("image/x-jpeg-base64", b"%%% not base64".as_slice()),
        ("multipart/form-data", body.as_slice()),
        ("multipart/form-data; boundary=other", body.as_slice()),
        ("text/plain", b"hello".as_slice()),
    ] {
        let r = post(&server, &me, "/6/detector", mime, body);
        assert_eq!(r.status, 400, "{mime}: {}", r.json);
        assert_eq!(r.json["error_code"], 11043, "{mime}: {}", r.json);
    }
    let r = server.post_json("/6/detector", &me.h(), &json!({"images": []}));
    assert_eq!(r.status, 400, "{}", r.json);
}

#[test]
fn multiface_policies_on_a_two_face_image() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "multiface@argus.dev");
    let png = two_faces();
    let all = post(&server, &me, "/6/detector", "image/png", &png);
    assert_eq!(all.status, 201, "{}", all.json);
    assert_eq!(samples(&all.json["images"][0]), 2, "{}", all.json);
    let best = post(
        &server,
        &me,
        "/6/detector?multiface_policy=2",
        "image/png",
        &png,
    );
    assert_eq!(samples(&best.json["images"][0]), 1, "{}", best.json);
    let refused = post(
        &server,
        &me,
        "/6/detector?multiface_policy=0",
        "image/png",
        &png,
    );
    assert_eq!(refused.status, 400, "{}", refused.json);
    assert_eq!(refused.json["error_code"], 11043);
    let one = post(
        &server,
        &me,
        "/6/detector?multiface_policy=0",
        "image/jpeg",
        &photo("obama.jpg"),
    );
    assert_eq!(samples(&one.json["images"][0]), 1, "{}", one.json);
}

fn sdk_face(server: &Server, me: &Account, path: &str, mime: &str, body: &[u8]) -> Value {
    let r = post(server, me, path, mime, body);
    assert_eq!(r.status, 200, "{path}: {}", r.json);
    let estimations = r.json["images_estimations"][0]["estimations"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(estimations.len(), 1, "{path}: {}", r.json);
    estimations[0]["face"].clone()
}

fn raw(id: &str, descriptor: &Value) -> Value {
    json!({"id": id, "type": "raw_descriptor", "data": descriptor})
}

#[test]
fn sdk_stores_nothing_and_its_descriptors_match_raw() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "sdk@argus.dev");
    let path = "/6/sdk?detect_face=1&estimate_landmarks5=1&estimate_face_warp=1&estimate_quality=1";
    let obama = sdk_face(&server, &me, path, "image/jpeg", &photo("obama.jpg"));
    for score in ["blurriness", "dark", "illumination", "light", "specularity"] {
        let v = obama["quality"][score].as_f64().unwrap_or(-1.0);
        assert!((0.0..=1.0).contains(&v), "{score}: {obama}");
    }
    assert_eq!(
        obama["detection"]["landmarks5"].as_array().unwrap().len(),
        5
    );
    assert!(obama["detection"]["rect_score"].as_f64().unwrap() > 0.95);
    assert_eq!(obama["face_descriptor_version"], 1);
    let warp = base64::engine::general_purpose::STANDARD
        .decode(obama["warp"].as_str().unwrap())
        .unwrap();
    let decoded = image::load_from_memory(&warp).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (250, 250));

    // The warp sent back as a warped image gives the same descriptor.
    let again = sdk_face(&server, &me, "/6/sdk?image_type=1", "image/png", &warp);
    assert!(again.get("detection").is_none(), "{again}");
    let obama2 = sdk_face(&server, &me, path, "image/jpeg", &photo("obama2.jpg"));
    let biden = sdk_face(&server, &me, path, "image/jpeg", &photo("biden.jpg"));
    let body = json!({
        "references": [raw("o1", &obama["face_descriptor"])],
        "candidates": [raw("again", &again["face_descriptor"]), raw("o2", &obama2["face_descriptor"]),
                       raw("b", &biden["face_descriptor"])],
    });
    let r = server.post_json("/6/matcher/raw", &me.h(), &body);
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["matches"][0]["reference_id"], "o1");
    let matches = r.json["matches"][0]["matches"].as_array().unwrap();
    let score = |i: usize| matches[i]["similarity"].as_f64().unwrap();
    assert_eq!(matches[1]["candidate_id"], "o2");
    // Identical descriptors (cosine 1) score 0.982 on the calibrated curve.
    assert!(score(0) > 0.98 && score(0) > score(1), "{}", r.json);
    assert!(score(1) > 0.5 && score(2) < 0.5, "{}", r.json);

    // Nothing was stored by the sdk.
    assert_eq!(server.get("/6/faces/count", &me.h()).json["faces_count"], 0);

    // Raw verification gives the same similarities, with the verifier's status.
    let v = server.post_json(
        "/6/verifiers",
        &me.h(),
        &json!({"policies": {"verification_threshold": 0.5}}),
    );
    let verifier = v.json["verifier_id"].as_str().unwrap().to_string();
    let r = server.post_json(&format!("/6/verifiers/{verifier}/raw"), &me.h(), &body);
    assert_eq!(r.status, 200, "{}", r.json);
    let verified = r.json["matches"][0]["matches"].as_array().unwrap();
    let statuses: Vec<&Value> = verified.iter().map(|m| &m["status"]).collect();
    assert_eq!(statuses, [&json!(true), &json!(true), &json!(false)]);
    assert_eq!(verified[2]["similarity"], matches[2]["similarity"]);

    // Another account cannot use the verifier.
    let other = Account::create(&server, "sdk-other@argus.dev");
    let r = server.post_json(&format!("/6/verifiers/{verifier}/raw"), &other.h(), &body);
    assert_eq!(r.status, 404, "{}", r.json);
}

#[test]
fn sdk_and_raw_matching_refuse_what_this_build_cannot_do() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "sdk-refusals@argus.dev");
    let jpeg = photo("obama.jpg");
    for query in [
        "estimate_mask=1",
        "detect_body=1",
        "yaw_threshold=20",
        "image_type=2",
    ] {
        let r = post(
            &server,
            &me,
            &format!("/6/sdk?detect_face=1&{query}"),
            "image/jpeg",
            &jpeg,
        );
        assert_eq!(r.status, 501, "{query}: {}", r.json);
        assert_eq!(r.json["error_code"], 19001);
    }
    let r = post(&server, &me, "/6/sdk?detect_face=7", "image/jpeg", &jpeg);
    assert_eq!(r.status, 400, "{}", r.json);

    let token = server.post_json(
        "/6/tokens?grant_all_permissions=1",
        &me.h(),
        &json!({"expiration_time": null}),
    );
    let bearer = format!("Bearer {}", token.json["token"].as_str().unwrap());
    let d = json!("AAAA");
    let body = json!({"references": [raw("a", &d)], "candidates": [raw("b", &d)]});
    let r = server.post_json(
        "/6/matcher/raw",
        &[("Authorization", bearer.as_str())],
        &body,
    );
    assert_eq!(r.status, 403, "{}", r.json);
    let r = server.post_json("/6/matcher/raw", &me.h(), &body);
    assert_eq!(r.status, 400, "a 3-byte descriptor: {}", r.json);
    let sdk = json!({"references": [{"id": "a", "type": "sdk_descriptor", "data": "AAAA"}], "candidates": [raw("b", &d)]});
    assert_eq!(
        server.post_json("/6/matcher/raw", &me.h(), &sdk).status,
        501
    );
    let empty = json!({"references": [], "candidates": [raw("b", &d)]});
    assert_eq!(
        server.post_json("/6/matcher/raw", &me.h(), &empty).status,
        400
    );
}
