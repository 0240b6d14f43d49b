//! Accounts: search, change, and deletion with everything the account owns; token and verifier changes.

use crate::support::*;
use argus_store::*;
use uuid::Uuid;

fn account_of(login: &str, kind: AccountType, description: &str, t: i64) -> Account {
    Account {
        account_type: kind,
        description: description.into(),
        create_time: t,
        ..account(login)
    }
}

#[test]
fn accounts_are_filtered_paged_counted_and_patched() {
    let (_d, s) = store();
    let all = [
        account_of("a@x.io", AccountType::User, "front door", 1),
        account_of("b@x.io", AccountType::AdvancedUser, "back door", 2),
        account_of("c@x.io", AccountType::User, "lobby", 3),
    ];
    for a in &all {
        s.create_account(a).unwrap();
    }
    let users = AccountFilter {
        account_type: Some(AccountType::User),
        ..AccountFilter::default()
    };
    assert_eq!(
        s.accounts(&users, ALL).unwrap(),
        vec![all[0].clone(), all[2].clone()]
    );
    assert_eq!(s.count_accounts(&users).unwrap(), 2);
    let doors = AccountFilter {
        description: Some("door".into()),
        ..AccountFilter::default()
    };
    assert_eq!(s.count_accounts(&doors).unwrap(), 2);
    let recent = AccountFilter {
        create_time_gte: Some(2),
        create_time_lt: Some(3),
        ..AccountFilter::default()
    };
    assert_eq!(s.accounts(&recent, ALL).unwrap(), vec![all[1].clone()]);
    let one = AccountFilter {
        account_id: Some(all[2].account_id),
        ..AccountFilter::default()
    };
    assert_eq!(s.accounts(&one, ALL).unwrap(), vec![all[2].clone()]);
    let one_user = AccountFilter {
        account_type: Some(AccountType::AdvancedUser),
        ..one
    };
    assert_eq!(s.count_accounts(&one_user).unwrap(), 0);
    let second_page = Page {
        page: 2,
        page_size: 2,
    };
    let page = s.accounts(&AccountFilter::default(), second_page).unwrap();
    assert_eq!(page, vec![all[2].clone()]);

    let taken = AccountPatch {
        login: Some("b@x.io".into()),
        ..AccountPatch::default()
    };
    assert!(matches!(
        s.update_account(all[0].account_id, &taken),
        Err(StoreError::Conflict { .. })
    ));
    let patch = AccountPatch {
        login: Some("new@x.io".into()),
        password_hash: Some(hash_password("other")),
        description: Some("renamed".into()),
        ..AccountPatch::default()
    };
    s.update_account(all[0].account_id, &patch).unwrap();
    let got = s.account_by_login("new@x.io").unwrap();
    assert_eq!(
        (got.account_id, got.description.as_str()),
        (all[0].account_id, "renamed")
    );
    assert_eq!(got.account_type, AccountType::User);
    assert!(verify_password("other", &got.password_hash));
    assert!(s.account_by_login("a@x.io").is_err());
    assert!(matches!(
        s.update_account(Uuid::new_v4(), &patch),
        Err(StoreError::NotFound { .. })
    ));
}

/// Creates one of every record for the account; returns its face ids.
fn fill(s: &dyn Store, me: Uuid) -> Vec<Uuid> {
    let l = list(me);
    s.create_list(&l).unwrap();
    let d = StoredDescriptor {
        version: 1,
        bytes: vec![1; 8],
    };
    let faces = [face(me, vec![l.list_id], 1), face(me, vec![], 2)];
    for f in &faces {
        s.create_face(f, Some(&d)).unwrap();
    }
    let basic = FaceAttribute {
        descriptor: Some(d.clone()),
        basic_attributes: Some(r#"{"age":30}"#.into()),
        ..FaceAttribute::default()
    };
    s.put_face_attribute(me, faces[1].face_id, &basic).unwrap();
    s.create_token(&Token {
        token_id: Uuid::new_v4(),
        account_id: me,
        permissions: "{}".into(),
        description: String::new(),
        expiration_time: None,
        visibility_area: "account".into(),
        create_time: 1,
    })
    .unwrap();
    s.create_verifier(&Verifier {
        verifier_id: Uuid::new_v4(),
        account_id: me,
        description: String::new(),
        policies: "{}".into(),
        create_time: 1,
    })
    .unwrap();
    s.put_attribute(&Attribute {
        attribute_id: Uuid::new_v4(),
        account_id: me,
        descriptor: Some(d),
        samples: vec![],
        create_time: 1,
        expire_time: i64::MAX,
    })
    .unwrap();
    s.put_sample(me, Uuid::new_v4(), b"sample", 1).unwrap();
    s.put_object(&object(me, ObjectKind::Image, None)).unwrap();
    faces.iter().map(|f| f.face_id).collect()
}

/// Counts every kind of row the account can see.
fn visible_rows(s: &dyn Store, me: Uuid) -> [u64; 5] {
    [
        s.count_faces(me, &FaceFilter::default()).unwrap(),
        s.count_lists(me).unwrap(),
        s.tokens(me, ALL).unwrap().len() as u64,
        s.count_verifiers(me).unwrap(),
        s.count_faces_with_attributes(me).unwrap(),
    ]
}

#[test]
fn deleting_an_account_deletes_everything_it_owns_and_nothing_else() {
    let (_d, s) = store();
    let (doomed, kept) = (account("doomed@x.io"), account("kept@x.io"));
    s.create_account(&doomed).unwrap();
    s.create_account(&kept).unwrap();
    let mut doomed_faces = fill(s.as_ref(), doomed.account_id);
    let kept_faces = fill(s.as_ref(), kept.account_id);
    assert_eq!(visible_rows(s.as_ref(), doomed.account_id), [2, 1, 1, 1, 2]);

    let mut deleted = s.delete_account(doomed.account_id).unwrap().faces;
    deleted.sort();
    doomed_faces.sort();
    assert_eq!(deleted, doomed_faces);
    assert_eq!(visible_rows(s.as_ref(), doomed.account_id), [0; 5]);
    assert!(s.account(doomed.account_id).is_err());
    assert!(matches!(
        s.delete_account(doomed.account_id),
        Err(StoreError::NotFound { .. })
    ));
    let mut scanned = Vec::new();
    s.scan_face_descriptors(&mut |f| scanned.push(f.face_id))
        .unwrap();
    scanned.sort();
    let mut expected = kept_faces.clone();
    expected.sort();
    assert_eq!(scanned, expected, "only the kept account's faces remain");
    assert_eq!(visible_rows(s.as_ref(), kept.account_id), [2, 1, 1, 1, 2]);
    assert_eq!(
        s.purge_expired(i64::MAX).unwrap(),
        1,
        "only the kept attribute is left"
    );
}

#[test]
fn tokens_and_verifiers_are_patched_by_their_owner_only() {
    let (_d, s) = store();
    let (me, other) = (Uuid::new_v4(), Uuid::new_v4());
    let t = Token {
        token_id: Uuid::new_v4(),
        account_id: me,
        permissions: r#"{"face":["view"]}"#.into(),
        description: "reader".into(),
        expiration_time: Some(10),
        visibility_area: "account".into(),
        create_time: 5,
    };
    s.create_token(&t).unwrap();
    assert!(matches!(
        s.create_token(&t),
        Err(StoreError::Conflict { .. })
    ));
    let patch = TokenPatch {
        permissions: Some(r#"{"face":["view","creation"]}"#.into()),
        expiration_time: Some(None),
        ..TokenPatch::default()
    };
    assert!(s.update_token(other, t.token_id, &patch).is_err());
    s.update_token(me, t.token_id, &patch).unwrap();
    let got = s.token(me, t.token_id).unwrap();
    assert_eq!(got.permissions, r#"{"face":["view","creation"]}"#);
    assert_eq!(
        (got.expiration_time, got.description.as_str()),
        (None, "reader")
    );

    let v = Verifier {
        verifier_id: Uuid::new_v4(),
        account_id: me,
        description: "door".into(),
        policies: r#"{"verification_threshold":0.8}"#.into(),
        create_time: 3,
    };
    s.create_verifier(&v).unwrap();
    let patch = VerifierPatch {
        policies: Some(r#"{"verification_threshold":0.9}"#.into()),
        ..VerifierPatch::default()
    };
    assert!(s.update_verifier(other, v.verifier_id, &patch).is_err());
    s.update_verifier(me, v.verifier_id, &patch).unwrap();
    let got = s.verifier(me, v.verifier_id).unwrap();
    assert_eq!(
        (got.description.as_str(), got.policies.as_str()),
        ("door", r#"{"verification_threshold":0.9}"#)
    );
    assert_eq!(
        (
            s.count_verifiers(me).unwrap(),
            s.count_verifiers(other).unwrap()
        ),
        (1, 0)
    );
}
