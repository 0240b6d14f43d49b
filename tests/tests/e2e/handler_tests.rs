//! Handlers: CRUD and validation, a static handler that detects, extracts, matches against a list, tags by
//! similarity and stores samples, faces and events; a dynamic handler with per-request policies; bad policies
//! and bad images store nothing; another account never sees a handler or its events.

use crate::server::{Account, Answer, Server, enrol_attribute, photo};
use serde_json::{Value, json};
use std::collections::HashSet;

fn post_image(server: &Server, account: &Account, path: &str, name: &str) -> Answer {
    let mut h = account.h();
    h.push(("Content-Type", "image/jpeg"));
    server.request("POST", path, &h, Some(&photo(name)))
}

/// A `multipart/form-data` body (boundary `b`) of JPEG parts named `image`.
fn image_form(images: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, bytes) in images {
        body.extend_from_slice(
            format!("--b\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{name}\"\r\nContent-Type: image/jpeg\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"--b--\r\n");
    body
}

/// A list with Obama enrolled as a face (external id "obama").
fn staff_list(server: &Server, me: &Account) -> String {
    let list = server.post_json("/6/lists", &me.h(), &json!({"user_data": "staff"}));
    let list_id = list.json["list_id"].as_str().unwrap().to_string();
    let (_, attribute) = enrol_attribute(server, me, "obama.jpg");
    let face = server.post_json(
        "/6/faces",
        &me.h(),
        &json!({"attribute": {"attribute_id": attribute}, "lists": [list_id], "external_id": "obama"}),
    );
    assert_eq!(face.status, 201, "{}", face.json);
    list_id
}

fn policies(list_id: &str, seen_list: &str) -> Value {
    json!({
        "detect_policy": {"multiface_policy": 1, "estimate_quality": 1},
        "extract_policy": {"extract_face_descriptor": 1},
        "match_policy": [{"label": "staff", "candidates": {"origin": "faces", "list_id": list_id}, "limit": 2}],
        "conditional_tags_policy": [{"tag": "known", "filters": {"match": [{"label": "staff", "similarity__gte": 0.5}]}}],
        "storage_policy": {
            "face_policy": {"store_face": 1, "link_to_lists_policy": [{"list_id": seen_list}],
                            "filters": {"match": [{"label": "staff", "similarity__lte": 0.5}]}},
            "attribute_policy": {"store_attribute": 1, "ttl": 60}
        }
    })
}

#[test]
fn a_static_handler_matches_tags_and_stores_events() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "handler@argus.dev");
    let staff = staff_list(&server, &me);
    let seen = server.post_json("/6/lists", &me.h(), &json!({"user_data": "strangers"}));
    let seen = seen.json["list_id"].as_str().unwrap().to_string();
    let r = server.post_json(
        "/6/handlers",
        &me.h(),
        &json!({"description": "entrance", "policies": policies(&staff, &seen), "handler_type": 0}),
    );
    assert_eq!(r.status, 201, "{}", r.json);
    let handler = r.json["handler_id"].as_str().unwrap().to_string();
    let shown = server.get(&format!("/6/handlers/{handler}"), &me.h());
    assert_eq!(shown.json["description"], "entrance");
    assert_eq!(
        shown.json["policies"]["match_policy"][0]["label"], "staff",
        "{}",
        shown.json
    );
    assert_eq!(
        shown.json["policies"]["storage_policy"]["event_policy"]["store_event"],
        1
    );

    let path = format!(
        "/6/handlers/{handler}/events?source=door1&tags=entrance&city=Moscow&external_id=visit1"
    );
    let known = post_image(&server, &me, &path, "obama2.jpg");
    assert_eq!(known.status, 201, "{}", known.json);
    let event = &known.json["events"][0];
    let top = &event["matches"][0]["candidates"][0];
    assert_eq!(event["matches"][0]["label"], "staff");
    assert_eq!(top["face"]["external_id"], "obama", "{}", known.json);
    assert!(top["similarity"].as_f64().unwrap() > 0.5);
    assert_eq!(event["tags"], json!(["entrance", "known"]));
    assert!(
        event["face"].is_null(),
        "a known person is not enrolled again"
    );
    assert!(event["face_attributes"]["attribute_id"].is_string());
    let detection = &event["detections"][0]["samples"]["face"]["detection"];
    assert!(
        detection["quality"]["blurriness"].as_f64().unwrap() > 0.0,
        "{detection}"
    );
    let sample = event["detections"][0]["samples"]["face"]["sample_id"]
        .as_str()
        .unwrap();
    assert_eq!(
        server
            .get(&format!("/6/samples/faces/{sample}"), &me.h())
            .status,
        200
    );
    let event_id = event["event_id"].as_str().unwrap();
    let stored = server.get(&format!("/6/events/{event_id}"), &me.h());
    assert_eq!(stored.status, 200, "{}", stored.json);
    assert_eq!(stored.json["handler_id"], handler.as_str());
    assert_eq!(stored.json["source"], "door1");
    assert_eq!(stored.json["location"]["city"], "Moscow");
    assert_eq!(
        stored.json["top_match"]["label"], "staff",
        "{}",
        stored.json
    );

    // A stranger gets no tag, is enrolled into the strangers list, and is then found by the matcher.
    let stranger = post_image(
        &server,
        &me,
        &format!("/6/handlers/{handler}/events"),
        "biden.jpg",
    );
    assert_eq!(stranger.status, 201, "{}", stranger.json);
    let event = &stranger.json["events"][0];
    assert_eq!(event["tags"], json!([]));
    let face_id = event["face"]["face_id"].as_str().unwrap().to_string();
    assert_eq!(event["face"]["lists"], json!([seen]));
    let found = server.get(&format!("/6/faces?list_id={seen}"), &me.h());
    assert_eq!(
        found.json["faces"][0]["face_id"],
        face_id.as_str(),
        "{}",
        found.json
    );
    let by_tag = server.get("/6/events?tags=known", &me.h());
    assert_eq!(
        by_tag.json["events"].as_array().unwrap().len(),
        1,
        "{}",
        by_tag.json
    );
    let by_handler = server.get(&format!("/6/events?handler_ids={handler}"), &me.h());
    assert_eq!(by_handler.json["events"].as_array().unwrap().len(), 2);

    // Another account sees neither the handler nor its events, and cannot run it.
    let other = Account::create(&server, "handler-other@argus.dev");
    assert_eq!(
        server
            .get(&format!("/6/handlers/{handler}"), &other.h())
            .status,
        404
    );
    assert_eq!(
        post_image(
            &server,
            &other,
            &format!("/6/handlers/{handler}/events"),
            "obama.jpg"
        )
        .status,
        404
    );
    assert_eq!(
        server
            .get(&format!("/6/events/{event_id}"), &other.h())
            .status,
        404
    );
    assert_eq!(server.get("/6/handlers", &other.h()).json, json!([]));
    assert_eq!(
        server.get("/6/handlers/count", &me.h()).json["handlers_count"],
        1
    );
}

#[test]
fn bad_policies_and_bad_images_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "handler-bad@argus.dev");
    for (body, status, code) in [
        (
            json!({"policies": {"detect_policy": {"estimate_mask": 1}}}),
            501,
            19001,
        ),
        (
            json!({"policies": {"extract_policy": {"extract_body_descriptor": 1}}}),
            501,
            19001,
        ),
        (
            json!({"policies": {"match_policy": [{"candidates": {"origin": "faces"}}]}}),
            400,
            12022,
        ),
        (json!({"policies": {"no_such_policy": {}}}), 400, 12022),
        (
            json!({"handler_type": 2, "lambda_id": "00000000-0000-4000-8000-000000000000"}),
            501,
            19001,
        ),
    ] {
        let r = server.post_json("/6/handlers", &me.h(), &body);
        assert_eq!(
            (r.status, r.json["error_code"].as_u64()),
            (status, Some(code)),
            "{body}: {}",
            r.json
        );
        let v = server.post_json("/6/handlers/validator", &me.h(), &body);
        if body.get("policies").is_some() {
            assert_eq!(v.status, status, "validator {body}: {}", v.json);
        }
    }
    assert_eq!(
        server.get("/6/handlers/count", &me.h()).json["handlers_count"],
        0
    );
    let ok = server.post_json("/6/handlers/validator", &me.h(), &json!({"policies": {}}));
    assert_eq!((ok.status, ok.json.clone()), (200, json!({})));

    // An unknown list in link_to_lists_policy fails the run before anything is stored.
    let missing = "00000000-0000-4000-8000-000000000001";
    let p = json!({"extract_policy": {"extract_face_descriptor": 1},
                   "storage_policy": {"face_policy": {"store_face": 1, "link_to_lists_policy": [{"list_id": missing}]}}});
    let h = server.post_json("/6/handlers", &me.h(), &json!({"policies": p}));
    let handler = h.json["handler_id"].as_str().unwrap().to_string();
    let r = post_image(
        &server,
        &me,
        &format!("/6/handlers/{handler}/events"),
        "obama.jpg",
    );
    assert_eq!(r.status, 404, "{}", r.json);
    assert_eq!(server.get("/6/faces/count", &me.h()).json["faces_count"], 0);

    // A broken image in a form answers its error and leaves no event; the good one makes its event.
    let plain = server.post_json("/6/handlers", &me.h(), &json!({"policies": {}}));
    let plain = plain.json["handler_id"].as_str().unwrap().to_string();
    let body = image_form(&[
        ("good.jpg", photo("obama.jpg")),
        ("bad.jpg", b"broken".to_vec()),
    ]);
    let mut h = me.h();
    h.push(("Content-Type", "multipart/form-data; boundary=b"));
    let r = server.request(
        "POST",
        &format!("/6/handlers/{plain}/events"),
        &h,
        Some(&body),
    );
    assert_eq!(r.status, 201, "{}", r.json);
    assert_eq!(r.json["images"][0]["status"], 1);
    assert_eq!(r.json["images"][1]["status"], 0);
    assert_eq!(r.json["images"][1]["error"]["error_code"], 100010);
    assert_eq!(r.json["events"].as_array().unwrap().len(), 1);
    assert_eq!(
        server.get("/6/events", &me.h()).json["events"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_dynamic_handler_takes_its_policies_with_each_request() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "handler-dynamic@argus.dev");
    let r = server.post_json("/6/handlers", &me.h(), &json!({"handler_type": 1}));
    assert_eq!(r.status, 201, "{}", r.json);
    let handler = r.json["handler_id"].as_str().unwrap().to_string();
    let form = |policies: &Value| {
        let mut body = Vec::new();
        body.extend_from_slice(b"--p\r\nContent-Disposition: form-data; name=\"policies\"\r\nContent-Type: application/json\r\n\r\n");
        body.extend_from_slice(policies.to_string().as_bytes());
        body.extend_from_slice(b"\r\n--p\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{\"camera\": {\"fps\": 25}}\r\n");
        body.extend_from_slice(b"--p\r\nContent-Disposition: form-data; name=\"image\"; filename=\"o.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n");
        body.extend_from_slice(&photo("obama.jpg"));
        body.extend_from_slice(b"\r\n--p--\r\n");
        body
    };
    let mut h = me.h();
    h.push(("Content-Type", "multipart/form-data; boundary=p"));
    let path = format!("/6/handlers/{handler}/events");
    let keep = json!({"storage_policy": {"face_sample_policy": {"store_sample": 0}}});
    let r = server.request("POST", &path, &h, Some(&form(&keep)));
    assert_eq!(r.status, 201, "{}", r.json);
    let event = &r.json["events"][0];
    assert!(
        event["detections"][0]["samples"]["face"]
            .get("sample_id")
            .is_none()
    );
    let stored = server.get(
        &format!("/6/events/{}", event["event_id"].as_str().unwrap()),
        &me.h(),
    );
    assert_eq!(stored.json["meta"]["camera"]["fps"], 25, "{}", stored.json);

    let skip = json!({"storage_policy": {"event_policy": {"store_event": 0}}});
    let r = server.request("POST", &path, &h, Some(&form(&skip)));
    assert_eq!(r.status, 201, "{}", r.json);
    assert!(r.json["events"][0]["url"].is_null());
    assert_eq!(
        server.get("/6/events", &me.h()).json["events"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let refused = json!({"detect_policy": {"estimate_gaze": 1}});
    let r = server.request("POST", &path, &h, Some(&form(&refused)));
    assert_eq!(r.status, 501, "{}", r.json);
    let r = post_image(&server, &me, &path, "obama.jpg");
    assert_eq!(
        r.status, 400,
        "a dynamic handler without a form: {}",
        r.json
    );
}

/// A static handler with these policies; its id.
fn static_handler(server: &Server, me: &Account, policies: Value) -> String {
    let r = server.post_json(
        "/6/handlers",
        &me.h(),
        &json!({"policies": policies, "handler_type": 0}),
    );
    assert_eq!(r.status, 201, "{}", r.json);
    r.json["handler_id"].as_str().unwrap().to_string()
}

/// A handler that measures `face_width` and `blurriness_quality`, filtering faces narrower than `min_width`.
fn quality_handler(server: &Server, me: &Account, min_width: f64) -> String {
    let policies = json!({
        "detect_policy": {"face_quality": {"estimate": 1, "filter": 1, "checks": {
            "face_width": {"threshold": {"min": min_width}},
            "blurriness_quality": {"threshold": {"min": 0.0, "max": 1.0}}}}},
        "storage_policy": {"face_sample_policy": {"store_sample": 0}}
    });
    static_handler(server, me, policies)
}

#[test]
fn face_quality_checks_filter_faces_and_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "quality@argus.dev");
    let detected = post_image(&server, &me, "/6/detector", "obama.jpg");
    assert_eq!(detected.status, 201, "{}", detected.json);
    let width = detected.json["images"][0]["detections"]["samples"][0]["face"]["detection"]["rect"]
        ["width"]
        .as_f64()
        .unwrap_or_else(|| panic!("no rect in {}", detected.json));

    let lenient = quality_handler(&server, &me, width / 2.0);
    let r = post_image(
        &server,
        &me,
        &format!("/6/handlers/{lenient}/events"),
        "obama.jpg",
    );
    assert_eq!(r.status, 201, "{}", r.json);
    assert_eq!(r.json["events"].as_array().unwrap().len(), 1, "{}", r.json);
    assert_eq!(r.json["filtered_detections"]["face_detections"], json!([]));
    let checks =
        &r.json["events"][0]["detections"][0]["samples"]["face"]["detection"]["face_quality"];
    assert_eq!(checks["status"], 1, "{}", r.json);
    let names: Vec<&str> = checks["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["blurriness_quality", "face_width"]);

    let strict = quality_handler(&server, &me, width * 2.0);
    let r = post_image(
        &server,
        &me,
        &format!("/6/handlers/{strict}/events"),
        "obama.jpg",
    );
    assert_eq!(r.status, 201, "{}", r.json);
    assert_eq!(r.json["events"], json!([]), "{}", r.json);
    let filtered = r.json["filtered_detections"]["face_detections"]
        .as_array()
        .unwrap();
    assert_eq!(filtered.len(), 1, "{}", r.json);
    let reason = &filtered[0]["filter_reasons"][0];
    assert_eq!(reason["filter_name"], "face_width");
    assert_eq!(reason["threshold_value"], json!(width * 2.0));
    assert!(
        (reason["object_value"].as_f64().unwrap() - width).abs() <= 1.0,
        "{reason}"
    );
    assert_eq!(filtered[0]["detection"]["face_quality"]["status"], 0);

    let stored = server.get(&format!("/6/events?handler_ids={strict}"), &me.h());
    assert_eq!(
        stored.json["events"],
        json!([]),
        "a filtered face makes no event"
    );
    let stored = server.get(&format!("/6/events?handler_ids={lenient}"), &me.h());
    assert_eq!(stored.json["events"].as_array().unwrap().len(), 1);

    let unsupported = server.post_json(
        "/6/handlers",
        &me.h(),
        &json!({"policies": {"detect_policy": {"face_quality": {"estimate": 1,
            "checks": {"head_yaw": {"threshold": {"max": 20}}}}}}}),
    );
    assert_eq!(unsupported.status, 501, "{}", unsupported.json);
    assert_eq!(unsupported.json["error_code"], 19001);
}

fn estimating_handler(server: &Server, me: &Account, detect_policy: Value) -> String {
    let policies = json!({
        "detect_policy": detect_policy,
        "extract_policy": {"extract_face_descriptor": 1, "extract_basic_attributes": 1},
        "storage_policy": {"face_sample_policy": {"store_sample": 0},
                           "attribute_policy": {"store_attribute": 1, "ttl": 60},
                           "face_policy": {"store_face": 1}}
    });
    static_handler(server, me, policies)
}

#[test]
fn handlers_estimate_attributes_and_filter_by_head_pose_and_liveness() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "handler-estimations@argus.dev");
    let open = estimating_handler(
        &server,
        &me,
        json!({"estimate_head_pose": 1, "estimate_emotions": 1, "yaw_threshold": 45,
               "estimate_liveness": {"estimate": 1}, "detect_landmarks68": 1,
               "estimate_eyes_attributes": 1}),
    );
    let r = post_image(
        &server,
        &me,
        &format!("/6/handlers/{open}/events"),
        "obama.jpg",
    );
    assert_eq!(r.status, 201, "{}", r.json);
    let event = &r.json["events"][0];
    let detection = &event["detections"][0]["samples"]["face"]["detection"];
    assert_eq!(
        detection["landmarks68"].as_array().map(Vec::len),
        Some(68),
        "{}",
        r.json
    );
    let attributes = &detection["attributes"];
    assert_eq!(
        attributes["emotions"]["predominant_emotion"], "happiness",
        "{}",
        r.json
    );
    assert!(attributes["head_pose"]["yaw"].as_f64().unwrap().abs() < 45.0);
    assert!(
        attributes["liveness"]["prediction"].is_string(),
        "{attributes}"
    );
    assert_eq!(attributes["eyes_attributes"]["left_eye"]["state"], "open");
    let basic = &event["face_attributes"]["basic_attributes"];
    assert_eq!(basic["gender"], 1, "{}", r.json);
    let face_id = event["face"]["face_id"].as_str().unwrap();
    let kept = server.get(&format!("/6/faces/{face_id}/attributes"), &me.h());
    assert_eq!(
        &kept.json["attributes"]["basic_attributes"], basic,
        "{}",
        kept.json
    );
    let attribute = event["face_attributes"]["attribute_id"].as_str().unwrap();
    let stored = server.get(&format!("/6/attributes/{attribute}"), &me.h());
    assert_eq!(&stored.json["basic_attributes"], basic);
    let shown = server.get(
        &format!("/6/events/{}", event["event_id"].as_str().unwrap()),
        &me.h(),
    );
    assert_eq!(
        shown.json["face_detections"][0]["detection"]["attributes"]["emotions"]["predominant_emotion"],
        "happiness",
        "{}",
        shown.json
    );

    // The stored event keeps age, gender, emotion and liveness, and is found by them.
    let event_id = event["event_id"].as_str().unwrap();
    assert_eq!(shown.json["gender"], 1, "{}", shown.json);
    assert_eq!(shown.json["emotion"], 4, "{}", shown.json);
    assert_eq!(shown.json["age"], basic["age"], "{}", shown.json);
    let live = shown.json["liveness"].as_u64().unwrap();
    let ids = |query: &str| -> Vec<Value> {
        let r = server.get(&format!("/6/events?handler_ids={open}&{query}"), &me.h());
        assert_eq!(r.status, 200, "{query}: {}", r.json);
        r.json["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event_id"].clone())
            .collect()
    };
    let age = basic["age"].as_i64().unwrap();
    for query in [
        "gender=1".to_string(),
        "emotions=4,null".to_string(),
        format!("liveness={live}"),
        format!("age__gte={}&age__lt={}", age - 1, age + 1),
    ] {
        assert_eq!(ids(&query), [json!(event_id)], "{query}");
    }
    for query in [
        "gender=0".to_string(),
        "emotions=5".to_string(),
        "liveness=null".to_string(),
        format!("age__gte={}", age + 1),
    ] {
        assert!(ids(&query).is_empty(), "{query}");
    }
    let r = server.get("/6/events?emotions=9", &me.h());
    assert_eq!(r.status, 400, "{}", r.json);
    // Statistics group and average the same stored estimations.
    let r = server.post_json(
        "/6/events/stats",
        &me.h(),
        &json!({"targets": [{"column": "gender", "aggregator": "group_by"},
                            {"column": "age", "aggregator": "avg"},
                            {"column": "liveness", "aggregator": "count"}],
                "filters": [{"column": "emotion", "operator": "eq", "value": 4},
                            {"column": "handler_id", "operator": "eq", "value": open}]}),
    );
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(
        r.json["fields"],
        json!(["gender", "avg_age", "count_liveness"])
    );
    let row = &r.json["stats"][0];
    assert_eq!((&row[0], &row[2]), (&json!(1), &json!(1)), "{}", r.json);
    let mean_age = row[1].as_f64().unwrap();
    assert_eq!(Some(mean_age.round() as i64), shown.json["age"].as_i64());

    // No head is turned 0 degrees exactly, and no real face is a spoof: both filters drop the face, say why,
    // and store nothing.
    let strict = estimating_handler(
        &server,
        &me,
        json!({"yaw_threshold": 0, "estimate_liveness": {"estimate": 1, "liveness_threshold": 0.0},
               "liveness_states": [0]}),
    );
    let r = post_image(
        &server,
        &me,
        &format!("/6/handlers/{strict}/events"),
        "obama.jpg",
    );
    assert_eq!(r.status, 201, "{}", r.json);
    assert_eq!(r.json["events"], json!([]), "{}", r.json);
    let filtered = &r.json["filtered_detections"]["face_detections"][0];
    let names: Vec<&str> = filtered["filter_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["filter_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["yaw_threshold", "liveness_states"], "{}", r.json);
    assert_eq!(
        filtered["detection"]["attributes"]["liveness"]["prediction"],
        "real"
    );
    let stored = server.get(&format!("/6/events?handler_ids={strict}"), &me.h());
    assert_eq!(stored.json["events"], json!([]));

    // Warps cannot have their head pose or liveness judged.
    let r = server.request(
        "POST",
        &format!("/6/handlers/{open}/events?image_type=1"),
        &[me.h()[0], ("Content-Type", "image/png")],
        Some(&[0u8; 8]),
    );
    assert_eq!(r.status, 400, "{}", r.json);

    // Filters on estimations this build has no model for are still refused at creation.
    let r = server.post_json(
        "/6/handlers",
        &me.h(),
        &json!({"policies": {"detect_policy": {"estimate_mask": 1, "mask_states": [1]}}}),
    );
    assert_eq!(
        (r.status, r.json["error_code"].as_u64()),
        (501, Some(19001))
    );
    let r = server.post_json(
        "/6/handlers",
        &me.h(),
        &json!({"policies": {"detect_policy": {"liveness_states": [1]}}}),
    );
    assert_eq!(
        (r.status, r.json["error_code"].as_u64()),
        (400, Some(12022))
    );
}

#[test]
fn aggregating_handlers_make_one_event_of_one_person_over_several_images() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "handler-aggregation@argus.dev");
    let list = staff_list(&server, &me);
    let handler = static_handler(
        &server,
        &me,
        json!({
            "detect_policy": {"estimate_emotions": 1, "estimate_liveness": {"estimate": 1}},
            "extract_policy": {"extract_face_descriptor": 1, "extract_basic_attributes": 1},
            "match_policy": [{"label": "staff", "candidates": {"origin": "faces", "list_id": list}}],
            "storage_policy": {"face_sample_policy": {"store_sample": 1},
                               "face_policy": {"store_face": 1}}
        }),
    );
    let mut h = me.h();
    h.push(("Content-Type", "multipart/form-data; boundary=b"));
    let names = ["obama.jpg", "obama2.jpg", "obama3.jpg"];
    let body = image_form(&names.map(|n| (n, photo(n))));
    let path = format!("/6/handlers/{handler}/events?aggregate_attributes=1");
    let r = server.request("POST", &path, &h, Some(&body));
    assert_eq!(r.status, 201, "{}", r.json);
    let events = r.json["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "one event for the person: {}", r.json);
    let event = &events[0];
    let detections = event["detections"].as_array().unwrap();
    let files: Vec<&str> = detections
        .iter()
        .map(|d| d["filename"].as_str().unwrap())
        .collect();
    assert_eq!(files, names);
    let samples: Vec<&str> = detections
        .iter()
        .map(|d| d["samples"]["face"]["sample_id"].as_str().unwrap())
        .collect();
    assert_eq!(samples.iter().collect::<HashSet<_>>().len(), 3);
    // The aggregate: attributes over the three images, age and gender in face_attributes, and the mean
    // descriptor matches the enrolled Obama.
    let aggregate = &event["aggregate_estimations"]["face"];
    assert!(
        aggregate["attributes"]["emotions"]["predominant_emotion"].is_string(),
        "{}",
        r.json
    );
    assert!(aggregate["attributes"]["liveness"]["prediction"].is_string());
    assert_eq!(
        aggregate["basic_attributes"], event["face_attributes"]["basic_attributes"],
        "{}",
        r.json
    );
    assert_eq!(aggregate["basic_attributes"]["gender"], 1);
    assert!(
        detections[0]["samples"]["face"]["detection"]
            .get("attributes")
            .is_none()
    );
    let top = &event["matches"][0]["candidates"][0];
    assert_eq!(top["face"]["external_id"], "obama", "{}", r.json);
    assert!(top["similarity"].as_f64().unwrap() > 0.9, "{}", r.json);
    // Stored once, with its three detections and the face made from it.
    let id = event["event_id"].as_str().unwrap();
    let stored = server.get(&format!("/6/events/{id}"), &me.h());
    assert_eq!(stored.status, 200);
    assert_eq!(
        stored.json["face_detections"].as_array().map(Vec::len),
        Some(3)
    );
    assert_eq!(stored.json["gender"], 1);
    let counted = server.get(&format!("/6/events?handler_ids={handler}"), &me.h());
    assert_eq!(counted.json["events"].as_array().map(Vec::len), Some(1));
    let face = event["face"]["face_id"].as_str().unwrap();
    let attrs = server.get(&format!("/6/faces/{face}/attributes"), &me.h());
    assert_eq!(
        attrs.json["attributes"]["face_descriptor_samples"]
            .as_array()
            .map(Vec::len),
        Some(3),
        "{}",
        attrs.json
    );

    // A broken image fails the whole aggregated request and stores nothing.
    let body = image_form(&[
        ("good.jpg", photo("obama.jpg")),
        ("bad.jpg", b"broken".to_vec()),
    ]);
    let r = server.request("POST", &path, &h, Some(&body));
    assert_eq!(r.status, 400, "{}", r.json);
    let counted = server.get(&format!("/6/events?handler_ids={handler}"), &me.h());
    assert_eq!(counted.json["events"].as_array().map(Vec::len), Some(1));
}
