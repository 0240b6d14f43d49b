//! Events over HTTP: a batch saved without a handler is found by the catalogue's filters, shown in the stored
//! shape (cut by `target`), checked with HEAD and deleted; a bad event in a batch stores none; bad queries and
//! what this build cannot answer get the error envelope.

use crate::server::{Account, Server};
use serde_json::{Value, json};

fn ids(r: &Value) -> Vec<String> {
    r["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["event_id"].as_str().expect("event_id").to_string())
        .collect()
}

fn three_events() -> Value {
    json!({"events": [
        {"source": "cam1", "tags": ["entrance", "day"], "track_id": "track_1", "external_id": "e1",
         "user_data": "first visitor", "create_time": "2026-11-20T10:00:00Z", "end_time": "2026-11-20T10:00:05Z",
         "location": {"city": "Moscow", "street": "Arbat", "geo_position": {"latitude": 55.752, "longitude": 37.592}},
         "meta": {"temperature": 36.6, "badge": {"level": 3}, "name": "alice"},
         "matches": [{"label": "staff", "candidates": [
             {"face": {"face_id": "8950722f-3fd4-4223-b48f-03f95f0e8dfb", "external_id": "p1"}, "similarity": 0.91},
             {"face": {"face_id": "346a5645-ec89-4806-820a-dbcb6e0dc381"}, "similarity": 0.42}]}],
         "detections": [{"detect_time": "2026-11-20T10:00:00Z", "image_origin": "/6/images/x",
                         "samples": {"face": {"sample_id": "557d54ec-29ad-4f3c-93b4-c9092ef12515",
                                              "detection": {"rect": {"x": 1, "y": 2, "width": 30, "height": 40}}}}}]},
        {"source": "cam2", "tags": ["entrance"], "create_time": "2026-11-21T10:00:00Z",
         "location": {"city": "New York"}, "meta": {"temperature": 37.2, "name": "bob"}},
        {"create_time": "2026-11-22T10:00:00Z", "user_data": "no source"}
    ]})
}

#[test]
fn saved_events_are_found_shown_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "events@argus.dev");
    let r = server.post_json("/6/events", &me.h(), &three_events());
    assert_eq!(r.status, 201, "{}", r.json);
    let created = ids(&r.json);
    assert_eq!(created.len(), 3);
    assert_eq!(
        r.json["events"][0]["url"],
        format!("/6/events/{}", created[0])
    );

    let first = server.get(&format!("/6/events/{}", created[0]), &me.h());
    assert_eq!(first.status, 200, "{}", first.json);
    let e = &first.json;
    assert_eq!(
        (e["event_id"].as_str(), e["account_id"].as_str()),
        (Some(created[0].as_str()), Some(me.id.as_str()))
    );
    assert_eq!(e["create_time"], "2026-11-20T10:00:00.000Z");
    assert_eq!(e["end_time"], "2026-11-20T10:00:05.000Z");
    assert_eq!(e["handler_id"], Value::Null);
    assert_eq!(e["tags"], json!(["entrance", "day"]));
    assert_eq!(e["location"]["city"], "Moscow");
    assert_eq!(e["location"]["geo_position"]["latitude"], 55.752);
    assert_eq!(e["meta"]["badge"]["level"], 3);
    assert_eq!(
        e["top_match"]["face_id"],
        "8950722f-3fd4-4223-b48f-03f95f0e8dfb"
    );
    assert_eq!(e["top_match"]["external_id"], "p1");
    assert_eq!(e["top_match"]["similarity"], 0.91);
    assert_eq!(e["match_result"][0]["label"], "staff");
    assert_eq!(
        e["face_detections"][0]["sample_id"],
        "557d54ec-29ad-4f3c-93b4-c9092ef12515"
    );
    assert_eq!(e["body_detections"], json!([]));
    assert_eq!(
        e["gender"],
        Value::Null,
        "estimations this build does not store"
    );

    let only = server.get(
        &format!("/6/events/{}?target=event_id,tags", created[1]),
        &me.h(),
    );
    assert_eq!(
        only.json,
        json!({"event_id": created[1], "tags": ["entrance"]})
    );

    let find = |query: &str| {
        let r = server.get(
            &format!("/6/events?create_time__gte=2026-11-01T00:00:00Z&{query}"),
            &me.h(),
        );
        assert_eq!(r.status, 200, "{query}: {}", r.json);
        ids(&r.json)
    };
    let newest_first: Vec<String> = created.iter().rev().cloned().collect();
    assert_eq!(find(""), newest_first);
    assert_eq!(find("order=asc"), created);
    assert_eq!(
        find("order=asc&page=2&page_size=2"),
        vec![created[2].clone()]
    );
    assert_eq!(
        find("sources=cam1,cam2"),
        vec![created[1].clone(), created[0].clone()]
    );
    assert_eq!(find("sources=null"), vec![created[2].clone()]);
    assert_eq!(find("tags=entrance,day"), vec![created[0].clone()]);
    assert_eq!(
        find("cities=New%20York,null&order=asc"),
        created[1..].to_vec()
    );
    assert_eq!(find("track_ids=track_1"), vec![created[0].clone()]);
    assert_eq!(
        find("external_ids=e1&user_data=visitor"),
        vec![created[0].clone()]
    );
    assert_eq!(
        find("origin_longitude=37.59&origin_latitude=55.75"),
        vec![created[0].clone()]
    );
    assert_eq!(find("origin_longitude=null").len(), 2);
    assert_eq!(
        find("top_similar_object_similarity__gte=0.9&top_matching_candidates_label=staff"),
        vec![created[0].clone()]
    );
    assert_eq!(
        find("meta.temperature__gt:numeric=37"),
        vec![created[1].clone()]
    );
    assert_eq!(find("meta.badge.level:integer=3"), vec![created[0].clone()]);
    assert_eq!(find("meta.name__in=alice,bob").len(), 2);
    assert_eq!(find("meta.name__like=a%25"), vec![created[0].clone()]);
    assert_eq!(find("meta.name=null"), vec![created[2].clone()]);
    assert_eq!(
        find(&format!("event_ids={},{}", created[0], created[2])),
        vec![created[2].clone(), created[0].clone()]
    );
    assert_eq!(
        find("create_time__lt=2026-11-21T00:00:00Z"),
        vec![created[0].clone()]
    );

    let head = server.request("HEAD", &format!("/6/events/{}", created[2]), &me.h(), None);
    assert_eq!(head.status, 200);
    let r = server.request(
        "DELETE",
        &format!("/6/events/{}", created[2]),
        &me.h(),
        None,
    );
    assert_eq!(r.status, 204);
    let head = server.request("HEAD", &format!("/6/events/{}", created[2]), &me.h(), None);
    assert_eq!(head.status, 404);
    let r = server.get(&format!("/6/events/{}", created[2]), &me.h());
    assert_eq!(
        (r.status, r.json["error_code"].as_u64()),
        (404, Some(11020))
    );
    assert_eq!(find("").len(), 2);

    server.stop();
    let server = Server::start(dir.path());
    let r = server.get(&format!("/6/events/{}", created[0]), &me.h());
    assert_eq!(r.status, 200, "an acknowledged event survives a restart");
}

#[test]
fn the_default_window_is_the_last_month() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "window@argus.dev");
    let body = json!({"events": [{"create_time": "2001-01-01T00:00:00Z"}, {}]});
    let r = server.post_json("/6/events", &me.h(), &body);
    assert_eq!(r.status, 201, "{}", r.json);
    let created = ids(&r.json);
    assert_eq!(
        ids(&server.get("/6/events", &me.h()).json),
        vec![created[1].clone()]
    );
    let r = server.get("/6/events?create_time__lt=2002-01-01T00:00:00Z", &me.h());
    assert_eq!(ids(&r.json), vec![created[0].clone()]);
}

#[test]
fn a_bad_event_stores_none_of_its_batch_and_bad_queries_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "bad-events@argus.dev");
    let all = "/6/events?create_time__gte=2000-01-01T00:00:00Z";
    for (body, path) in [
        (
            json!({"events": [{"source": "ok"}, {"track_id": "has space"}]}),
            "events.1.track_id",
        ),
        (
            json!({"events": [{}, {"tags": ["x".repeat(37)]}]}),
            "events.1.tags.0",
        ),
        (
            json!({"events": [{"location": {"geo_position": {"latitude": 91, "longitude": 0}}}]}),
            "events.0.location",
        ),
        (
            json!({"events": [{"create_time": "yesterday"}]}),
            "events.0.create_time",
        ),
        (
            json!({"events": [{"matches": [{"label": "l", "candidates": [{"similarity": 0.5}]}]}]}),
            "events.0.matches",
        ),
        (
            json!({"events": [{"detections": [{"samples": {}}]}]}),
            "events.0.detections.0",
        ),
        (json!({"events": [{"colour": "red"}]}), "events[0]"),
        (json!({"events": []}), "events"),
    ] {
        let r = server.post_json("/6/events", &me.h(), &body);
        assert_eq!(
            (r.status, r.json["error_code"].as_u64()),
            (400, Some(12022)),
            "{body}: {}",
            r.json
        );
        let detail = r.json["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(path), "{path} not in {detail:?}");
        assert!(r.json["desc"].is_string());
    }
    let r = server.post_json(
        "/6/events",
        &me.h(),
        &json!({"events": [{"face": {"face_id": "x"}}]}),
    );
    assert_eq!(
        (r.status, r.json["error_code"].as_u64()),
        (501, Some(19001)),
        "{}",
        r.json
    );
    assert_eq!(
        server.get(all, &me.h()).json["events"],
        json!([]),
        "nothing was stored"
    );
    let r = server.post_json("/6/events", &[], &json!({"events": [{}]}));
    assert_eq!(r.status, 403);

    for query in [
        "order=sideways",
        "page_size=0",
        "event_ids=not-a-uuid",
        "create_time__gte=yesterday",
        "target=event_id,colour",
        "origin_longitude=37.6",
        "longitude_delta=91&origin_longitude=1&origin_latitude=1",
        "meta.a__between=1",
        "meta.a:integer=1.5",
        "meta.a__like:integer=1",
        "meta.a%20b=1",
        "colour=red",
    ] {
        let r = server.get(&format!("/6/events?{query}"), &me.h());
        let code = r.json["error_code"].as_u64().unwrap_or_default();
        // 11043 is the project's code for a malformed UUID anywhere.
        assert!(
            r.status == 400 && [101, 11043].contains(&code),
            "{query}: {}",
            r.json
        );
    }
    for (method, path) in [("GET", "/6/events?masks=1"), ("GET", "/6/general/events")] {
        let r = server.request(method, path, &me.h(), Some(b"{}"));
        assert_eq!(
            (r.status, r.json["error_code"].as_u64()),
            (501, Some(19001)),
            "{path}: {}",
            r.json
        );
    }
    let r = server.get("/6/events/not-a-uuid", &me.h());
    assert_eq!(r.status, 400);
}

#[test]
fn statistics_match_a_count_done_here() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "stats@argus.dev");
    let other = Account::create(&server, "stats-other@argus.dev");
    for account in [&me, &other] {
        let r = server.post_json("/6/events", &account.h(), &three_events());
        assert_eq!(r.status, 201, "{}", r.json);
    }
    let stats = |body: Value| {
        let r = server.post_json("/6/events/stats", &me.h(), &body);
        assert_eq!(r.status, 200, "{body}: {}", r.json);
        r.json
    };
    assert_eq!(
        stats(json!({})),
        json!({"fields": ["count_event_id"], "stats": [[3]]})
    );
    let by_source = stats(
        json!({"targets": [{"column": "source", "aggregator": "group_by"},
                                              {"column": "event_id", "aggregator": "count"},
                                              {"column": "create_time", "aggregator": "max"}]}),
    );
    assert_eq!(
        by_source["fields"],
        json!(["source", "count_event_id", "max_create_time"])
    );
    assert_eq!(
        by_source["stats"],
        json!([
            [null, 1, "2026-11-22T10:00:00.000Z"],
            ["cam1", 1, "2026-11-20T10:00:00.000Z"],
            ["cam2", 1, "2026-11-21T10:00:00.000Z"]
        ])
    );
    let daily = stats(json!({"group_by": "1d",
                             "period": [{"start": "2026-11-21T00:00:00Z", "end": "2026-11-30T00:00:00Z"}],
                             "filters": [{"column": "meta.temperature", "operator": "gte", "value": 37}]}));
    assert_eq!(
        daily,
        json!({"fields": ["period_start", "count_event_id"], "stats": [["2026-11-21T00:00:00.000Z", 1]]})
    );
    let similar = stats(
        json!({"targets": [{"column": "top_similar_object_similarity", "aggregator": "avg"}],
                               "filters": [{"column": "source", "operator": "in", "value": ["cam1", "cam2"]}]}),
    );
    assert_eq!(similar["stats"], json!([[0.91]]));
    // Events saved without a handler carry no estimations: counted as not estimated, averaged to null.
    let unestimated = stats(json!({"targets": [{"column": "age", "aggregator": "avg"},
                                               {"column": "event_id", "aggregator": "count"}],
                                   "filters": [{"column": "gender", "operator": "eq", "value": null}]}));
    assert_eq!(unestimated["stats"], json!([[null, 3]]));

    for (body, status) in [
        (
            json!({"targets": [{"column": "source", "aggregator": "max"}]}),
            400,
        ),
        (
            json!({"targets": [{"column": "source", "aggregator": "group_by"}]}),
            400,
        ),
        (
            json!({"targets": [{"column": "mask", "aggregator": "avg"}]}),
            501,
        ),
        (json!({"group_by": "3M"}), 501),
        (json!({"group_by": "often"}), 400),
        (
            json!({"filters": [{"column": "ethnic_group", "operator": "eq", "value": 1}]}),
            501,
        ),
        (
            json!({"filters": [{"column": "gender", "operator": "eq", "value": 2}]}),
            400,
        ),
        (
            json!({"filters": [{"column": "emotion", "operator": "in", "value": [0]}]}),
            400,
        ),
        (json!({"period": [{}, {}]}), 400),
    ] {
        let r = server.post_json("/6/events/stats", &me.h(), &body);
        assert_eq!(r.status, status, "{body}: {}", r.json);
    }
}
