//! `GET /6/lists` and `GET /6/lists/count` with the catalogue's filters.

use crate::server::{Account, Server};
use serde_json::{Value, json};

fn user_data(lists: &Value) -> Vec<&str> {
    lists["lists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["user_data"].as_str().unwrap())
        .collect()
}

#[test]
fn lists_are_filtered_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "lists@argus.dev");
    let ids: Vec<String> = ["staff-a", "staff-b", "guests"]
        .iter()
        .map(|u| {
            let r = server.post_json("/6/lists", &me.h(), &json!({"user_data": u}));
            r.json["list_id"].as_str().unwrap().to_string()
        })
        .collect();
    let get = |query: &str| server.get(&format!("/6/lists?{query}"), &me.h());
    let count = |query: &str| {
        server.get(&format!("/6/lists/count?{query}"), &me.h()).json["lists_count"].clone()
    };
    assert_eq!(
        user_data(&get("user_data=staff").json),
        ["staff-a", "staff-b"]
    );
    assert_eq!(count("user_data=staff"), 2);
    assert_eq!(
        user_data(&get("user_data__eq=staff").json),
        Vec::<&str>::new()
    );
    assert_eq!(count("user_data__eq=guests"), 1);
    let two = format!("list_ids={},{}", ids[0], ids[2]);
    assert_eq!(user_data(&get(&two).json), ["staff-a", "guests"]);
    assert_eq!(count(&two), 2);
    assert_eq!(count("create_time__gte=2999-01-01T00:00:00Z"), 0);
    assert_eq!(count("create_time__lt=2999-01-01T00:00:00Z"), 3);
    assert_eq!(count("last_update_time__lt=2000-01-01T00:00:00Z"), 0);
    assert_eq!(count("last_update_time__gte=2000-01-01T00:00:00Z"), 3);

    // Keyset bounds switch to id order.
    let mut sorted = ids.clone();
    sorted.sort();
    let from = get(&format!("list_id__gte={}", sorted[1])).json;
    let got: Vec<&str> = from["lists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["list_id"].as_str().unwrap())
        .collect();
    assert_eq!(got, [sorted[1].as_str(), sorted[2].as_str()]);
    assert_eq!(count(&format!("list_id__lt={}", sorted[1])), 1);

    for (query, code) in [
        ("create_time__gte=yesterday", 101),
        ("list_ids=nope", 11043),
        ("list_id__gte=nope", 11043),
        ("page_size=1001", 101),
    ] {
        let r = get(query);
        assert_eq!(
            (r.status, r.json["error_code"].as_u64()),
            (400, Some(code)),
            "{query}"
        );
    }
}
