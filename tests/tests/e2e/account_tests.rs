//! Accounts: the admin account lists, reads, changes and deletes accounts (deletion takes the account's faces out
//! of the matcher index); other accounts see only themselves and change themselves through `PATCH /6/account`.

use crate::server::{Account, Server, enrol_attribute};
use serde_json::json;

const ROOT: [(&str, &str); 2] = [
    ("ARGUS_ROOT_LOGIN", "root@argus.dev"),
    ("ARGUS_ROOT_PASSWORD", "rootpass"),
];

fn root(server: &Server) -> Account {
    let r = server.get(
        "/6/account",
        &Account::basic("", "root@argus.dev", "rootpass").h(),
    );
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["account_type"], "admin");
    Account::basic(
        r.json["account_id"].as_str().unwrap(),
        "root@argus.dev",
        "rootpass",
    )
}

#[test]
fn admin_lists_reads_changes_and_deletes_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), &ROOT);
    let admin = root(&server);
    let a = Account::create(&server, "a@argus.dev");
    let b = Account::create(&server, "b@argus.dev");

    let all = server.get("/6/accounts", &admin.h());
    assert_eq!(all.status, 200, "{}", all.json);
    assert_eq!(all.json["total_count"], 3);
    assert_eq!(all.json["accounts"].as_array().unwrap().len(), 3);
    let users = server.get("/6/accounts?account_type=user&page_size=1", &admin.h());
    assert_eq!(users.json["total_count"], 2);
    assert_eq!(users.json["accounts"].as_array().unwrap().len(), 1);
    let one = server.get("/6/accounts?login=b@argus.dev&targets=login", &admin.h());
    assert_eq!(one.json["accounts"], json!([{"login": "b@argus.dev"}]));
    let later = server.get(
        "/6/accounts?create_time__gte=2999-01-01T00:00:00Z",
        &admin.h(),
    );
    assert_eq!(later.json["total_count"], 0);
    for bad in [
        "/6/accounts?account_type=boss",
        "/6/accounts?create_time__lt=yesterday",
        "/6/accounts?targets=password",
        "/6/accounts?page_size=0",
    ] {
        let r = server.get(bad, &admin.h());
        assert_eq!(
            (r.status, r.json["error_code"].as_u64()),
            (400, Some(101)),
            "{bad}"
        );
    }

    // Not an admin: itself only.
    let mine = server.get("/6/accounts", &a.h());
    assert_eq!(mine.json["total_count"], 1);
    assert_eq!(mine.json["accounts"][0]["account_id"], json!(a.id));
    assert_eq!(
        server.get(&format!("/6/accounts/{}", a.id), &a.h()).status,
        200
    );
    assert_eq!(
        server.get(&format!("/6/accounts/{}", b.id), &a.h()).status,
        404
    );

    // Stats, and the face's way into and out of the index.
    let list = server.post_json("/6/lists", &a.h(), &json!({}));
    let list_id = list.json["list_id"].as_str().unwrap().to_string();
    let (_, attribute) = enrol_attribute(&server, &a, "obama.jpg");
    let face = server.post_json(
        "/6/faces",
        &a.h(),
        &json!({"attribute": {"attribute_id": attribute}, "lists": [list_id]}),
    );
    assert_eq!(face.status, 201, "{}", face.json);
    let info = server.get(&format!("/6/accounts/{}", a.id), &admin.h());
    assert_eq!(info.json["info"]["login"], "a@argus.dev");
    assert_eq!(
        info.json["stats"],
        json!({"list_count": 1, "face_count": 1, "face_attribute_count": 1})
    );
    assert_eq!(server.index_faces(), 1);

    // Changes by id are the admin's.
    let patch = json!({"description": "front desk"});
    let path_a = format!("/6/accounts/{}", a.id);
    let r = server.send_json("PATCH", &path_a, &a.h(), &patch);
    assert_eq!(
        (r.status, r.json["error_code"].as_u64()),
        (403, Some(12040))
    );
    assert_eq!(
        server
            .send_json("PATCH", &path_a, &admin.h(), &patch)
            .status,
        204
    );
    assert_eq!(
        server.get("/6/account", &a.h()).json["description"],
        "front desk"
    );
    for bad in [
        json!({}),
        json!({"extra": 1}),
        json!({"account_type": "admin"}),
    ] {
        let r = server.send_json("PATCH", &path_a, &admin.h(), &bad);
        assert_eq!(
            (r.status, r.json["error_code"].as_u64()),
            (400, Some(12022)),
            "{bad}"
        );
    }
    let r = server.send_json(
        "PATCH",
        &path_a,
        &admin.h(),
        &json!({"login": "b@argus.dev"}),
    );
    assert_eq!(r.status, 409);

    let r = server.request("DELETE", &path_a, &b.h(), None);
    assert_eq!(
        (r.status, r.json["error_code"].as_u64()),
        (403, Some(12040))
    );
    let own = format!("/6/accounts/{}", admin.id);
    assert_eq!(server.request("DELETE", &own, &admin.h(), None).status, 403);
    assert_eq!(
        server.request("DELETE", &path_a, &admin.h(), None).status,
        204
    );
    assert_eq!(server.index_faces(), 0);
    assert_eq!(server.get("/6/account", &a.h()).status, 401);
    assert_eq!(server.get(&path_a, &admin.h()).status, 404);
    assert_eq!(
        server.request("DELETE", &path_a, &admin.h(), None).status,
        404
    );
    assert_eq!(server.get("/6/accounts", &admin.h()).json["total_count"], 2);

    // An admin's token or Luna-Account-Id acts for the admin account alone.
    let token = server.post_json(
        "/6/tokens?grant_all_permissions=1",
        &admin.h(),
        &json!({"expiration_time": null}),
    );
    let bearer = format!("Bearer {}", token.json["token"].as_str().unwrap());
    for h in [
        vec![("Authorization", bearer.as_str())],
        vec![("Luna-Account-Id", admin.id.as_str())],
    ] {
        assert_eq!(server.get("/6/accounts", &h).json["total_count"], 1);
        let path_b = format!("/6/accounts/{}", b.id);
        assert_eq!(server.get(&path_b, &h).status, 404);
        assert_eq!(server.request("DELETE", &path_b, &h, None).status, 403);
    }
}

#[test]
fn an_account_patches_itself() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let me = Account::create(&server, "me@argus.dev");
    Account::create(&server, "taken@argus.dev");
    let r = server.send_json(
        "PATCH",
        "/6/account",
        &me.h(),
        &json!({"login": "new@argus.dev", "password": "fresh", "account_type": "advanced_user"}),
    );
    assert_eq!(r.status, 204, "{}", r.json);
    assert_eq!(server.get("/6/account", &me.h()).status, 401);
    let renamed = Account::basic(&me.id, "new@argus.dev", "fresh");
    let got = server.get("/6/account", &renamed.h());
    assert_eq!(
        (
            got.json["login"].as_str(),
            got.json["account_type"].as_str()
        ),
        (Some("new@argus.dev"), Some("advanced_user"))
    );
    let r = server.send_json(
        "PATCH",
        "/6/account",
        &renamed.h(),
        &json!({"login": "taken@argus.dev"}),
    );
    assert_eq!(
        (r.status, r.json["error_code"].as_u64()),
        (409, Some(12016))
    );
    for bad in [
        json!({}),
        json!({"login": "not a login"}),
        json!({"password": "x"}),
        json!({"account_type": "admin"}),
        json!({"extra_field": 1}),
    ] {
        let r = server.send_json("PATCH", "/6/account", &renamed.h(), &bad);
        assert_eq!(
            (r.status, r.json["error_code"].as_u64()),
            (400, Some(12022)),
            "{bad}"
        );
    }
    // Basic and Luna-Account-Id only: a token is refused, whatever its permissions.
    let token = server.post_json(
        "/6/tokens?grant_all_permissions=1",
        &renamed.h(),
        &json!({"expiration_time": null}),
    );
    let bearer = format!("Bearer {}", token.json["token"].as_str().unwrap());
    let r = server.send_json(
        "PATCH",
        "/6/account",
        &[("Authorization", bearer.as_str())],
        &json!({"description": "by token"}),
    );
    assert_eq!(
        (r.status, r.json["error_code"].as_u64()),
        (403, Some(12040))
    );
    let r = server.send_json(
        "PATCH",
        "/6/account",
        &[("Luna-Account-Id", me.id.as_str())],
        &json!({"description": "by id"}),
    );
    assert_eq!(r.status, 204);
    assert_eq!(
        server.get("/6/account", &renamed.h()).json["description"],
        "by id"
    );
}
