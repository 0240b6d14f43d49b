//! Matching with events: events made by handlers keep their face's descriptor, so a face reference finds the
//! same person's events (`origin: "events"` candidates, narrowed by the event filters), an event reference
//! finds faces and events, `face_external_id` references stand for the faces of an external id, verifiers take
//! `event_ids`; deleted events and other accounts' events are never found, and the event index is rebuilt from
//! the store after a restart.

use crate::server::{Account, Answer, Server, enrol_attribute, photo};
use serde_json::{Value, json};

/// A static handler that extracts descriptors and stores events (and nothing else).
fn handler(server: &Server, me: &Account) -> String {
    let policies = json!({
        "extract_policy": {"extract_face_descriptor": 1},
        "storage_policy": {"face_sample_policy": {"store_sample": 0}}
    });
    let r = server.post_json(
        "/6/handlers",
        &me.h(),
        &json!({"policies": policies, "handler_type": 0}),
    );
    assert_eq!(r.status, 201, "{}", r.json);
    r.json["handler_id"].as_str().unwrap().to_string()
}

/// Posts one photo to the handler and returns the one event's id.
fn event(server: &Server, me: &Account, path: &str, name: &str, time: Option<&str>) -> String {
    let mut h = me.h();
    h.push(("Content-Type", "image/jpeg"));
    if let Some(t) = time {
        h.push(("Luna-Event-Time", t));
    }
    let r = server.request("POST", path, &h, Some(&photo(name)));
    assert_eq!(r.status, 201, "{}", r.json);
    let events = r.json["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{name}: {}", r.json);
    events[0]["event_id"].as_str().unwrap().to_string()
}

/// A face enrolled from a photo, with an external id.
fn face(server: &Server, me: &Account, name: &str, external_id: &str) -> String {
    let (_, attribute) = enrol_attribute(server, me, name);
    let r = server.post_json(
        "/6/faces",
        &me.h(),
        &json!({"attribute": {"attribute_id": attribute}, "external_id": external_id}),
    );
    assert_eq!(r.status, 201, "{}", r.json);
    r.json["face_id"].as_str().unwrap().to_string()
}

fn matcher(server: &Server, me: &Account, reference: Value, filters: Value) -> Answer {
    server.post_json(
        "/6/matcher/faces",
        &me.h(),
        &json!({"references": [reference], "candidates": [{"filters": filters, "limit": 10}]}),
    )
}

/// The result items of the first reference's first candidate set.
fn results(r: &Answer) -> Vec<Value> {
    assert_eq!(r.status, 200, "{}", r.json);
    r.json[0]["matches"][0]["result"]
        .as_array()
        .unwrap_or_else(|| panic!("no result in {}", r.json))
        .clone()
}

/// The event ids of the result items, best first.
fn event_ids(r: &Answer) -> Vec<String> {
    results(r)
        .iter()
        .map(|m| m["event"]["event_id"].as_str().unwrap().to_string())
        .collect()
}

fn similarity_of(r: &Answer, event_id: &str) -> f64 {
    results(r)
        .iter()
        .find(|m| m["event"]["event_id"] == event_id)
        .and_then(|m| m["similarity"].as_f64())
        .unwrap_or_else(|| panic!("{event_id} not in {}", r.json))
}

fn code(r: &Answer) -> (u16, Option<u64>) {
    (r.status, r.json["error_code"].as_u64())
}

#[test]
fn a_face_finds_the_same_persons_events_and_filters_narrow_them() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "event-match@argus.dev");
    let (door, gate) = (handler(&server, &me), handler(&server, &me));
    let door_path = format!(
        "/6/handlers/{door}/events?source=door1&tags=entrance&external_id=visit1&latitude=55.75&longitude=37.62"
    );
    let obama = event(&server, &me, &door_path, "obama.jpg", None);
    let biden = event(
        &server,
        &me,
        &format!("/6/handlers/{door}/events"),
        "biden.jpg",
        None,
    );
    let old = Some("2020-01-01T00:00:00+00:00");
    let obama_at_gate = event(
        &server,
        &me,
        &format!("/6/handlers/{gate}/events"),
        "obama3.jpg",
        old,
    );
    let reference = json!({"type": "face", "id": face(&server, &me, "obama2.jpg", "barack")});

    // The same person's events come first with a high score; the other person's is lower.
    let all = matcher(&server, &me, reference.clone(), json!({"origin": "events"}));
    let ids = event_ids(&all);
    assert_eq!(ids.len(), 3, "{}", all.json);
    let mut top_two = ids[..2].to_vec();
    top_two.sort();
    let mut expected = vec![obama.clone(), obama_at_gate.clone()];
    expected.sort();
    assert_eq!(top_two, expected, "{}", all.json);
    assert_eq!(ids[2], biden);
    assert!(similarity_of(&all, &obama) > 0.5, "{}", all.json);
    assert!(similarity_of(&all, &biden) < similarity_of(&all, &obama_at_gate));
    let item = &results(&all)[0]["event"];
    assert!(item["handler_id"].is_string(), "{item}");
    assert_eq!(all.json[0]["matches"][0]["filters"]["origin"], "events");

    // Each filter leaves out what it should.
    let only = |filters: Value| event_ids(&matcher(&server, &me, reference.clone(), filters));
    assert_eq!(
        only(json!({"origin": "events", "handler_ids": [door]})),
        vec![obama.clone(), biden.clone()]
    );
    assert_eq!(
        only(json!({"origin": "events", "create_time__gte": "2021-01-01T00:00:00Z"})),
        vec![obama.clone(), biden.clone()]
    );
    assert_eq!(
        only(json!({"origin": "events", "create_time__lt": "2021-01-01T00:00:00Z"})),
        vec![obama_at_gate.clone()]
    );
    assert_eq!(
        only(json!({"origin": "events", "event_ids": [biden]})),
        vec![biden.clone()]
    );
    assert_eq!(
        only(json!({"origin": "events", "external_ids": ["visit1"]})),
        vec![obama.clone()]
    );
    assert_eq!(
        only(json!({"origin": "events", "sources": ["door1"], "tags": ["entrance"]})),
        vec![obama.clone()]
    );
    assert_eq!(
        only(json!({"origin": "events", "origin_longitude": 37.625, "origin_latitude": 55.749})),
        vec![obama.clone()],
        "inside the default box of 0.01 degrees"
    );
    assert_eq!(
        only(
            json!({"origin": "events", "origin_longitude": 37.7, "origin_latitude": 55.75,
                    "longitude_delta": 0.05})
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        only(json!({"origin": "events", "origin_latitude": null})),
        vec![obama_at_gate.clone(), biden.clone()],
        "null selects the events without a position"
    );
    assert_eq!(
        code(&matcher(
            &server,
            &me,
            reference.clone(),
            json!({"origin": "events", "origin_longitude": 200, "origin_latitude": 0})
        )),
        (400, Some(12022))
    );
    assert_eq!(
        only(json!({"origin": "events", "user_data": "nobody", "handler_ids": [door]})),
        Vec::<String>::new()
    );
    assert_eq!(
        only(json!({"origin": "events", "event_ids": ["00000000-0000-4000-8000-000000000000"]})),
        Vec::<String>::new(),
        "an unknown id selects nothing, without an error"
    );
    // A threshold halfway between the other person's score and the same person's lower one keeps only the latter.
    let lower = similarity_of(&all, &obama).min(similarity_of(&all, &obama_at_gate));
    let threshold = (lower + similarity_of(&all, &biden)) / 2.0;
    let r = server.post_json(
        "/6/matcher/faces",
        &me.h(),
        &json!({"references": [reference],
                "candidates": [{"filters": {"origin": "events"}, "threshold": threshold}]}),
    );
    let mut kept = event_ids(&r);
    kept.sort();
    assert_eq!(kept, expected, "{}", r.json);

    // These handlers estimate no age or gender: `null` keeps every event, a gender keeps none.
    let r = matcher(
        &server,
        &me,
        reference.clone(),
        json!({"origin": "events", "gender": [null]}),
    );
    assert!(!event_ids(&r).is_empty(), "{}", r.json);
    let r = matcher(
        &server,
        &me,
        reference.clone(),
        json!({"origin": "events", "gender": [1], "age__gte": 10}),
    );
    assert_eq!(r.status, 200, "{}", r.json);
    assert!(event_ids(&r).is_empty(), "{}", r.json);
    let r = matcher(
        &server,
        &me,
        reference.clone(),
        json!({"origin": "events", "emotions": [9]}),
    );
    assert_eq!(code(&r), (400, Some(12022)), "{}", r.json);

    // Filters this build does not take are refused, never ignored.
    let r = matcher(
        &server,
        &me,
        reference.clone(),
        json!({"origin": "events", "masks": [1]}),
    );
    assert_eq!(code(&r), (501, Some(19001)), "{}", r.json);
    let r = matcher(
        &server,
        &me,
        reference.clone(),
        json!({"origin": "events", "meta.name": "x"}),
    );
    assert_eq!(code(&r), (501, Some(19001)), "{}", r.json);
    let r = matcher(
        &server,
        &me,
        reference.clone(),
        json!({"origin": "events", "colour": "red"}),
    );
    assert_eq!(code(&r), (400, Some(12022)), "{}", r.json);
    assert!(
        r.json["detail"].as_str().unwrap().contains("colour"),
        "{}",
        r.json
    );
    let r = matcher(
        &server,
        &me,
        reference.clone(),
        json!({"origin": "events", "create_time__gte": "yesterday"}),
    );
    assert_eq!(code(&r), (400, Some(12022)), "{}", r.json);
    let r = matcher(&server, &me, reference.clone(), json!({"origin": "people"}));
    assert_eq!(code(&r), (400, Some(12022)), "{}", r.json);

    // A deleted event is no longer found.
    let r = server.request("DELETE", &format!("/6/events/{biden}"), &me.h(), None);
    assert_eq!(r.status, 204, "{}", r.json);
    let after = matcher(&server, &me, reference, json!({"origin": "events"}));
    assert!(!event_ids(&after).contains(&biden), "{}", after.json);
    assert_eq!(server.stop(), Some(0));
}

#[test]
fn events_and_external_ids_are_references_and_verifiers_take_events() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "event-ref@argus.dev");
    let door = handler(&server, &me);
    let path = format!("/6/handlers/{door}/events");
    let obama_event = event(&server, &me, &path, "obama.jpg", None);
    let biden_event = event(&server, &me, &path, "biden.jpg", None);
    let obama_face = face(&server, &me, "obama2.jpg", "barack");
    let biden_face = face(&server, &me, "biden.jpg", "joe");

    // An event reference against faces: the same person's face first.
    let r = matcher(
        &server,
        &me,
        json!({"type": "event", "id": obama_event}),
        json!({"origin": "faces"}),
    );
    let found = results(&r);
    assert_eq!(
        found[0]["face"]["face_id"],
        obama_face.as_str(),
        "{}",
        r.json
    );
    assert!(found[0]["similarity"].as_f64().unwrap() > 0.5, "{}", r.json);
    assert_eq!(found[1]["face"]["face_id"], biden_face.as_str());
    assert_eq!(r.json[0]["reference"]["type"], "event");
    // An event reference against events: itself first, with the top calibrated score (about 0.98).
    let r = matcher(
        &server,
        &me,
        json!({"type": "event", "id": obama_event}),
        json!({"origin": "events"}),
    );
    assert_eq!(
        event_ids(&r),
        vec![obama_event.clone(), biden_event.clone()]
    );
    assert!(similarity_of(&r, &obama_event) > 0.95, "{}", r.json);

    // A face external id stands for its faces.
    let r = matcher(
        &server,
        &me,
        json!({"type": "face_external_id", "id": "joe"}),
        json!({"origin": "events"}),
    );
    assert_eq!(event_ids(&r)[0], biden_event, "{}", r.json);
    assert_eq!(r.json[0]["reference"]["face_id"], biden_face.as_str());
    assert_eq!(r.json[0]["reference"]["id"], "joe");

    // References that do not exist, or have no descriptor.
    let unknown = "00000000-0000-4000-8000-000000000000";
    let r = matcher(
        &server,
        &me,
        json!({"type": "event", "id": unknown}),
        json!({"origin": "events"}),
    );
    assert_eq!(code(&r), (404, Some(11020)), "{}", r.json);
    assert!(r.json["detail"].as_str().unwrap().contains(unknown));
    let r = matcher(
        &server,
        &me,
        json!({"type": "face_external_id", "id": "nobody"}),
        json!({"origin": "faces"}),
    );
    assert_eq!(code(&r), (404, Some(11020)), "{}", r.json);
    let saved = server.post_json(
        "/6/events",
        &me.h(),
        &json!({"events": [{"source": "by hand"}]}),
    );
    assert_eq!(saved.status, 201, "{}", saved.json);
    let bare = saved.json["events"][0]["event_id"].as_str().unwrap();
    let r = matcher(
        &server,
        &me,
        json!({"type": "event", "id": bare}),
        json!({"origin": "faces"}),
    );
    assert_eq!(code(&r), (400, Some(11043)), "{}", r.json);
    assert!(
        r.json["detail"].as_str().unwrap().contains("not extracted"),
        "{}",
        r.json
    );

    // A verifier compares a photo with an event's descriptor.
    let v = server.post_json(
        "/6/verifiers",
        &me.h(),
        &json!({"description": "door", "policies": {"verification_threshold": 0.5}}),
    );
    let verifier = v.json["verifier_id"].as_str().unwrap().to_string();
    let mut h = me.h();
    h.push(("Content-Type", "image/jpeg"));
    let path =
        format!("/6/verifiers/{verifier}/verifications?event_ids={obama_event},{biden_event}");
    let r = server.request("POST", &path, &h, Some(&photo("obama3.jpg")));
    assert_eq!(r.status, 201, "{}", r.json);
    let checks = &r.json["images"][0]["detections"]["face_detections"][0]["verifications"];
    assert_eq!(
        checks[0]["event"]["event_id"],
        obama_event.as_str(),
        "{checks}"
    );
    assert_eq!(checks[0]["status"], json!(true), "{checks}");
    assert_eq!(checks[1]["status"], json!(false), "{checks}");
    assert_eq!(server.stop(), Some(0));
}

#[test]
fn another_account_never_sees_the_events_and_the_index_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "event-owner@argus.dev");
    let other = Account::create(&server, "event-other@argus.dev");
    let door = handler(&server, &me);
    let path = format!("/6/handlers/{door}/events");
    let obama_event = event(&server, &me, &path, "obama.jpg", None);
    let gone = event(&server, &me, &path, "biden.jpg", None);
    let r = server.request("DELETE", &format!("/6/events/{gone}"), &me.h(), None);
    assert_eq!(r.status, 204, "{}", r.json);

    // The other account cannot use the event as a reference, and its event candidates never hold it.
    let r = matcher(
        &server,
        &other,
        json!({"type": "event", "id": obama_event}),
        json!({"origin": "events"}),
    );
    assert_eq!(code(&r), (404, Some(11020)), "{}", r.json);
    let theirs = json!({"type": "face", "id": face(&server, &other, "obama2.jpg", "")});
    let r = matcher(&server, &other, theirs.clone(), json!({"origin": "events"}));
    assert_eq!(event_ids(&r), Vec::<String>::new(), "{}", r.json);
    let r = matcher(
        &server,
        &other,
        theirs,
        json!({"origin": "events", "account_id": me.id, "event_ids": [obama_event]}),
    );
    assert_eq!(event_ids(&r), Vec::<String>::new(), "{}", r.json);
    // Nor can it verify against it.
    let v = server.post_json(
        "/6/verifiers",
        &other.h(),
        &json!({"policies": {"verification_threshold": 0.5}}),
    );
    let verifier = v.json["verifier_id"].as_str().unwrap().to_string();
    let mut h = other.h();
    h.push(("Content-Type", "image/jpeg"));
    let r = server.request(
        "POST",
        &format!("/6/verifiers/{verifier}/verifications?event_ids={obama_event}"),
        &h,
        Some(&photo("obama3.jpg")),
    );
    assert_eq!(code(&r), (404, Some(11020)), "{}", r.json);

    // After a restart the event index is rebuilt from the store: the kept event is found, the deleted one not.
    let mine = json!({"type": "face", "id": face(&server, &me, "obama2.jpg", "")});
    let before = matcher(&server, &me, mine.clone(), json!({"origin": "events"}));
    assert_eq!(event_ids(&before), vec![obama_event.clone()]);
    assert_eq!(server.stop(), Some(0));
    let server = Server::start(dir.path());
    let after = matcher(&server, &me, mine, json!({"origin": "events"}));
    assert_eq!(
        event_ids(&after),
        vec![obama_event.clone()],
        "{}",
        after.json
    );
    assert!(
        (similarity_of(&after, &obama_event) - similarity_of(&before, &obama_event)).abs() < 1e-6
    );
    let r = matcher(
        &server,
        &me,
        json!({"type": "event", "id": obama_event}),
        json!({"origin": "events"}),
    );
    assert_eq!(event_ids(&r), vec![obama_event.clone()], "{}", r.json);
    assert_eq!(server.stop(), Some(0));
}
