//! Faces and lists beyond the core flow: counts, patches, bulk deletes, paging.

use crate::server::{Account, Server};
use serde_json::json;

#[test]
fn count_patch_page_and_bulk_delete() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "faces@argus.dev");
    let list_id = server
        .post_json("/6/lists", &me.h(), &json!({"user_data": "a"}))
        .json["list_id"]
        .as_str()
        .unwrap()
        .to_string();
    let ids: Vec<String> = (0..12)
        .map(|i| {
            let lists = if i % 3 == 0 {
                json!([list_id])
            } else {
                json!([])
            };
            let r = server.post_json(
                "/6/faces",
                &me.h(),
                &json!({"external_id": format!("p{i}"), "lists": lists}),
            );
            assert_eq!(r.status, 201, "{}", r.json);
            r.json["face_id"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(
        server.get("/6/faces/count", &me.h()).json["faces_count"],
        json!(12)
    );
    assert_eq!(
        server
            .get(&format!("/6/faces/count?list_id={list_id}"), &me.h())
            .json["faces_count"],
        json!(4)
    );
    let page2 = server.get("/6/faces?page=2&page_size=5", &me.h()).json["faces"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        page2
            .iter()
            .map(|f| f["external_id"].clone())
            .collect::<Vec<_>>(),
        (5..10).map(|i| json!(format!("p{i}"))).collect::<Vec<_>>()
    );
    let by_ext = server.get("/6/faces?external_ids=p1,p2", &me.h()).json["faces"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(by_ext, 2);

    let patch = |path: &str, body: serde_json::Value| {
        server.request(
            "PATCH",
            path,
            &[
                ("Authorization", me.auth.as_str()),
                ("Content-Type", "application/json"),
            ],
            Some(body.to_string().as_bytes()),
        )
    };
    let event = "6a5c2191-3ee9-4d11-8b6c-b2bd9ac7e1bd";
    assert_eq!(
        patch(
            &format!("/6/faces/{}", ids[0]),
            json!({"user_data": "vip", "event_id": event})
        )
        .status,
        204
    );
    let face = server.get(&format!("/6/faces/{}", ids[0]), &me.h()).json;
    assert_eq!(
        (face["user_data"].clone(), face["event_id"].clone()),
        (json!("vip"), json!(event))
    );
    assert_eq!(
        patch(&format!("/6/faces/{}", ids[0]), json!({"event_id": null})).status,
        204
    );
    assert_eq!(
        server.get(&format!("/6/faces/{}", ids[0]), &me.h()).json["event_id"],
        json!(null)
    );
    assert_eq!(
        patch(&format!("/6/faces/{}", ids[0]), json!({})).status,
        400
    );
    assert_eq!(
        patch(
            &format!("/6/lists/{list_id}"),
            json!({"user_data": "renamed"})
        )
        .status,
        204
    );
    assert_eq!(
        server.get(&format!("/6/lists/{list_id}"), &me.h()).json["user_data"],
        json!("renamed")
    );

    let missing = "00000000-0000-4000-8000-000000000000";
    let delete = |query: &str, ids: serde_json::Value| {
        server.request(
            "DELETE",
            &format!("/6/faces{query}"),
            &[
                ("Authorization", me.auth.as_str()),
                ("Content-Type", "application/json"),
            ],
            Some(json!({"face_ids": ids}).to_string().as_bytes()),
        )
    };
    assert_eq!(delete("", json!([ids[1], missing])).status, 404);
    assert_eq!(
        server.get("/6/faces/count", &me.h()).json["faces_count"],
        json!(12),
        "nothing deleted on error"
    );
    assert_eq!(
        delete("?ignore=1", json!([ids[1], ids[2], missing])).status,
        204
    );
    assert_eq!(
        server.get("/6/faces/count", &me.h()).json["faces_count"],
        json!(10)
    );
}
