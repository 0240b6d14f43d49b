//! Shared builders for the conformance tests: a fresh store behind the trait, and records with fresh ids.

use argus_store::*;
use uuid::Uuid;

pub fn store() -> (tempfile::TempDir, Box<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    (dir, Box::new(store))
}

pub fn account(login: &str) -> Account {
    Account {
        account_id: Uuid::new_v4(),
        login: login.into(),
        password_hash: hash_password("pw"),
        account_type: AccountType::User,
        description: String::new(),
        create_time: 1,
    }
}

pub fn face(account: Uuid, lists: Vec<Uuid>, t: i64) -> Face {
    Face {
        face_id: Uuid::new_v4(),
        account_id: account,
        user_data: format!("face {t}"),
        external_id: format!("ext-{}", t % 2),
        event_id: None,
        avatar: String::new(),
        create_time: t,
        lists,
    }
}

pub fn list(account: Uuid) -> List {
    List {
        list_id: Uuid::new_v4(),
        account_id: account,
        user_data: "l".into(),
        create_time: 1,
        last_update_time: 1,
    }
}

pub const ALL: Page = Page {
    page: 1,
    page_size: 1000,
};

pub fn object(account: Uuid, kind: ObjectKind, expire_time: Option<i64>) -> StoredObject {
    StoredObject {
        object_id: Uuid::new_v4(),
        account_id: account,
        kind,
        bytes: b"\x89PNG bytes".to_vec(),
        content_type: "image/png".into(),
        meta: r#"{"camera":"1"}"#.into(),
        create_time: 1_000,
        expire_time,
    }
}
