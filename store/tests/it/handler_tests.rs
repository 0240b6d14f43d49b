//! Handlers: create, read, filter, count, replace and delete, never across accounts.

use crate::support::{account, store};
use argus_store::*;
use uuid::Uuid;

fn handler(account: Uuid, kind: u8, description: &str, t: i64) -> Handler {
    Handler {
        handler_id: Uuid::new_v4(),
        account_id: account,
        description: description.into(),
        handler_type: kind,
        policies: (kind == 0).then(|| format!("{{\"n\": {t}}}")),
        create_time: t,
        last_update_time: t,
    }
}

const ALL: Page = Page {
    page: 1,
    page_size: 100,
};

#[test]
fn handlers_are_kept_filtered_replaced_and_deleted_per_account() {
    let (_dir, s) = store();
    let (me, other) = (account("me"), account("other"));
    s.create_account(&me).unwrap();
    s.create_account(&other).unwrap();
    let a = handler(me.account_id, 0, "front door", 1);
    let b = handler(me.account_id, 1, "dynamic gate", 2);
    let c = handler(other.account_id, 0, "front door", 3);
    for h in [&a, &b, &c] {
        s.create_handler(h).unwrap();
    }
    assert!(s.create_handler(&a).is_err(), "a taken id is refused");
    assert_eq!(s.handler(me.account_id, a.handler_id).unwrap(), a);
    assert!(s.handler(me.account_id, c.handler_id).is_err());
    let none = HandlerFilter::default();
    assert_eq!(
        s.handlers(me.account_id, &none, ALL).unwrap(),
        vec![a.clone(), b.clone()]
    );
    let doors = HandlerFilter {
        description: Some("door".into()),
        ..HandlerFilter::default()
    };
    assert_eq!(
        s.handlers(me.account_id, &doors, ALL).unwrap(),
        vec![a.clone()]
    );
    let dynamic = HandlerFilter {
        handler_type: Some(1),
        ..HandlerFilter::default()
    };
    assert_eq!(s.count_handlers(me.account_id, &dynamic).unwrap(), 1);
    assert_eq!(s.count_handlers(other.account_id, &none).unwrap(), 1);

    let replaced = Handler {
        description: "back door".into(),
        policies: Some("{}".into()),
        last_update_time: 9,
        ..a.clone()
    };
    s.replace_handler(&replaced).unwrap();
    assert_eq!(s.handler(me.account_id, a.handler_id).unwrap(), replaced);
    let foreign = Handler {
        account_id: me.account_id,
        ..c.clone()
    };
    assert!(
        s.replace_handler(&foreign).is_err(),
        "another account's handler"
    );
    assert_eq!(s.handler(other.account_id, c.handler_id).unwrap(), c);

    assert!(s.delete_handler(me.account_id, c.handler_id).is_err());
    s.delete_handler(me.account_id, a.handler_id).unwrap();
    assert!(s.handler(me.account_id, a.handler_id).is_err());
    s.delete_account(me.account_id).unwrap();
    assert_eq!(s.count_handlers(me.account_id, &none).unwrap(), 0);
    assert_eq!(s.count_handlers(other.account_id, &none).unwrap(), 1);
}
