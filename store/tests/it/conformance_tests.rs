//! CRUD, filters, pagination, account isolation and TTL of every record, through the trait.

use crate::support::*;
use argus_store::*;
use uuid::Uuid;

#[test]
fn accounts_are_unique_by_login_and_found_by_login() {
    let (_d, s) = store();
    let a = account("a@b.cc");
    s.create_account(&a).unwrap();
    assert_eq!(s.account(a.account_id).unwrap(), a);
    assert_eq!(s.account_by_login("a@b.cc").unwrap(), a);
    assert!(matches!(
        s.create_account(&account("a@b.cc")),
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        s.account(Uuid::new_v4()),
        Err(StoreError::NotFound { .. })
    ));
    assert!(verify_password(
        "pw",
        &s.account(a.account_id).unwrap().password_hash
    ));
}

#[test]
fn faces_lists_links_and_filters() {
    let (_d, s) = store();
    let me = Uuid::new_v4();
    let l = list(me);
    s.create_list(&l).unwrap();
    let faces: Vec<Face> = (0..25)
        .map(|t| face(me, if t % 5 == 0 { vec![l.list_id] } else { vec![] }, t))
        .collect();
    let d = StoredDescriptor {
        version: 1,
        bytes: vec![1, 2, 3],
    };
    for f in &faces {
        s.create_face(f, Some(&d)).unwrap();
    }
    assert_eq!(s.face(me, faces[5].face_id).unwrap(), faces[5]);
    let in_list = s
        .faces(
            me,
            &FaceFilter {
                list_id: Some(l.list_id),
                ..FaceFilter::default()
            },
            ALL,
        )
        .unwrap();
    assert_eq!(in_list.len(), 5);
    let page2 = s
        .faces(
            me,
            &FaceFilter::default(),
            Page {
                page: 2,
                page_size: 10,
            },
        )
        .unwrap();
    assert_eq!(
        page2.iter().map(|f| f.create_time).collect::<Vec<_>>(),
        (10..20).collect::<Vec<_>>()
    );
    let by_ext = s.faces(
        me,
        &FaceFilter {
            external_ids: Some(vec!["ext-1".into()]),
            ..FaceFilter::default()
        },
        ALL,
    );
    assert_eq!(by_ext.unwrap().len(), 12);
    let by_id = s.faces(
        me,
        &FaceFilter {
            face_ids: Some(vec![faces[3].face_id]),
            ..FaceFilter::default()
        },
        ALL,
    );
    assert_eq!(by_id.unwrap(), vec![faces[3].clone()]);

    let after = s
        .link_faces(me, l.list_id, &[faces[1].face_id], true)
        .unwrap();
    assert_eq!(after, vec![(faces[1].face_id, vec![l.list_id])]);
    s.link_faces(me, l.list_id, &[faces[0].face_id], false)
        .unwrap();
    assert!(s.face(me, faces[0].face_id).unwrap().lists.is_empty());

    let mut scanned = Vec::new();
    s.scan_face_descriptors(&mut |f| scanned.push(f)).unwrap();
    assert_eq!(scanned.len(), 25);
    assert!(
        scanned
            .iter()
            .any(|f| f.face_id == faces[1].face_id && f.lists == vec![l.list_id])
    );

    s.delete_face(me, faces[1].face_id).unwrap();
    assert!(matches!(
        s.face(me, faces[1].face_id),
        Err(StoreError::NotFound { .. })
    ));
    s.delete_list(me, l.list_id).unwrap();
    assert!(s.face(me, faces[5].face_id).unwrap().lists.is_empty());
    assert_eq!(s.count_lists(me).unwrap(), 0);
}

#[test]
fn another_account_sees_nothing_and_cannot_touch_anything() {
    let (_d, s) = store();
    let (me, other) = (Uuid::new_v4(), Uuid::new_v4());
    let l = list(me);
    s.create_list(&l).unwrap();
    let f = face(me, vec![l.list_id], 1);
    s.create_face(&f, None).unwrap();
    s.put_sample(me, Uuid::from_u128(5), b"png", 1).unwrap();
    let a = Attribute {
        attribute_id: Uuid::new_v4(),
        account_id: me,
        descriptor: None,
        samples: vec![],
        create_time: 1,
        expire_time: i64::MAX,
    };
    s.put_attribute(&a).unwrap();

    assert!(s.face(other, f.face_id).is_err());
    assert!(s.list(other, l.list_id).is_err());
    assert!(s.lists(other, ALL).unwrap().is_empty());
    assert!(
        s.faces(other, &FaceFilter::default(), ALL)
            .unwrap()
            .is_empty()
    );
    assert!(s.sample(other, Uuid::from_u128(5)).is_err());
    assert!(s.attribute(other, a.attribute_id, 0).is_err());
    assert!(s.face_descriptor(other, f.face_id).is_err());
    assert!(s.delete_face(other, f.face_id).is_err());
    assert!(s.delete_list(other, l.list_id).is_err());
    assert!(s.delete_sample(other, Uuid::from_u128(5)).is_err());
    assert!(s.delete_attribute(other, a.attribute_id).is_err());
    assert!(s.link_faces(other, l.list_id, &[f.face_id], false).is_err());
    // Another account's face cannot go into my list, nor my face into another's list.
    let theirs = list(other);
    s.create_list(&theirs).unwrap();
    assert!(
        s.link_faces(other, theirs.list_id, &[f.face_id], true)
            .is_err()
    );
    assert!(
        s.create_face(&face(other, vec![l.list_id], 2), None)
            .is_err()
    );
    // Everything of mine is intact.
    assert_eq!(s.face(me, f.face_id).unwrap().lists, vec![l.list_id]);
}

#[test]
fn attributes_expire_and_samples_round_trip() {
    let (_d, s) = store();
    let me = Uuid::new_v4();
    let d = StoredDescriptor {
        version: 1,
        bytes: vec![9; 16],
    };
    let a = Attribute {
        attribute_id: Uuid::new_v4(),
        account_id: me,
        descriptor: Some(d),
        samples: vec![Uuid::from_u128(3)],
        create_time: 100,
        expire_time: 200,
    };
    s.put_attribute(&a).unwrap();
    assert_eq!(s.attribute(me, a.attribute_id, 150).unwrap(), a);
    assert!(matches!(
        s.attribute(me, a.attribute_id, 200),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(s.purge_expired(300).unwrap(), 1);
    s.put_sample(me, Uuid::from_u128(7), b"bytes", 1).unwrap();
    assert_eq!(s.sample(me, Uuid::from_u128(7)).unwrap(), b"bytes");
    s.delete_sample(me, Uuid::from_u128(7)).unwrap();
    assert!(s.sample(me, Uuid::from_u128(7)).is_err());
}

#[test]
fn faces_are_counted_patched_and_lists_renamed() {
    let (_d, s) = store();
    let me = Uuid::new_v4();
    let l = list(me);
    s.create_list(&l).unwrap();
    let faces: Vec<Face> = (0..6)
        .map(|t| face(me, if t < 2 { vec![l.list_id] } else { vec![] }, t))
        .collect();
    for f in &faces {
        s.create_face(f, None).unwrap();
    }
    assert_eq!(s.count_faces(me, &FaceFilter::default()).unwrap(), 6);
    assert_eq!(
        s.count_faces(
            me,
            &FaceFilter {
                list_id: Some(l.list_id),
                ..FaceFilter::default()
            }
        )
        .unwrap(),
        2
    );
    assert_eq!(
        s.count_faces(Uuid::new_v4(), &FaceFilter::default())
            .unwrap(),
        0
    );
    let event = Uuid::new_v4();
    let patch = FacePatch {
        user_data: Some("renamed".into()),
        event_id: Some(Some(event)),
        ..FacePatch::default()
    };
    s.update_face(me, faces[0].face_id, &patch).unwrap();
    let got = s.face(me, faces[0].face_id).unwrap();
    assert_eq!(
        (
            got.user_data.as_str(),
            got.event_id,
            got.external_id.as_str()
        ),
        ("renamed", Some(event), "ext-0")
    );
    s.update_face(
        me,
        faces[0].face_id,
        &FacePatch {
            event_id: Some(None),
            ..FacePatch::default()
        },
    )
    .unwrap();
    assert_eq!(s.face(me, faces[0].face_id).unwrap().event_id, None);
    assert!(
        s.update_face(Uuid::new_v4(), faces[0].face_id, &patch)
            .is_err()
    );
    s.update_list(me, l.list_id, "new name", 99).unwrap();
    let got = s.list(me, l.list_id).unwrap();
    assert_eq!(
        (got.user_data.as_str(), got.last_update_time),
        ("new name", 99)
    );
    assert!(s.update_list(Uuid::new_v4(), l.list_id, "x", 1).is_err());
}

#[test]
fn tokens_are_kept_per_account_and_revoked() {
    let (_d, s) = store();
    let (me, other) = (Uuid::new_v4(), Uuid::new_v4());
    let t = Token {
        token_id: Uuid::new_v4(),
        account_id: me,
        permissions: r#"{"face":["view"]}"#.into(),
        description: "reader".into(),
        expiration_time: None,
        visibility_area: "account".into(),
        create_time: 5,
    };
    s.create_token(&t).unwrap();
    assert_eq!(s.token(me, t.token_id).unwrap(), t);
    assert_eq!(s.token_by_id(t.token_id).unwrap(), t);
    assert_eq!(s.tokens(me, ALL).unwrap(), vec![t.clone()]);
    assert!(s.token(other, t.token_id).is_err());
    assert!(s.tokens(other, ALL).unwrap().is_empty());
    assert!(s.delete_token(other, t.token_id).is_err());
    s.delete_token(me, t.token_id).unwrap();
    assert!(s.token_by_id(t.token_id).is_err());
}

#[test]
fn verifiers_are_kept_per_account() {
    let (_d, s) = store();
    let (me, other) = (Uuid::new_v4(), Uuid::new_v4());
    let v = Verifier {
        verifier_id: Uuid::new_v4(),
        account_id: me,
        description: "door".into(),
        policies: r#"{"verification_threshold":0.8}"#.into(),
        create_time: 3,
    };
    s.create_verifier(&v).unwrap();
    assert_eq!(s.verifier(me, v.verifier_id).unwrap(), v);
    assert_eq!(s.verifiers(me, ALL).unwrap(), vec![v.clone()]);
    assert!(s.verifier(other, v.verifier_id).is_err());
    assert!(s.verifiers(other, ALL).unwrap().is_empty());
    assert!(s.delete_verifier(other, v.verifier_id).is_err());
    s.delete_verifier(me, v.verifier_id).unwrap();
    assert!(s.verifier(me, v.verifier_id).is_err());
}

#[test]
fn temporary_attributes_keep_basic_attributes_and_expire_whole() {
    let (_d, s) = store();
    let (me, other) = (Uuid::new_v4(), Uuid::new_v4());
    let t = TemporaryAttribute {
        attribute: Attribute {
            attribute_id: Uuid::new_v4(),
            account_id: me,
            descriptor: None,
            samples: vec![],
            create_time: 100,
            expire_time: 200,
        },
        basic_attributes: Some(r#"{"age":29,"gender":0,"ethnicity":3}"#.into()),
        basic_attributes_samples: vec![Uuid::from_u128(4)],
    };
    let id = t.attribute.attribute_id;
    s.put_temporary_attribute(&t).unwrap();
    assert_eq!(s.temporary_attribute(me, id, 150).unwrap(), t);
    assert_eq!(s.attribute(me, id, 150).unwrap(), t.attribute);
    assert!(s.temporary_attribute(other, id, 150).is_err());
    assert!(s.temporary_attribute(me, id, 200).is_err());

    // A plain put replaces the whole attribute, basic attributes included.
    s.put_attribute(&t.attribute).unwrap();
    assert_eq!(
        s.temporary_attribute(me, id, 150).unwrap().basic_attributes,
        None
    );
    s.put_temporary_attribute(&t).unwrap();
    assert_eq!(s.purge_expired(200).unwrap(), 1);
    assert!(s.delete_attribute(me, id).is_err(), "purged");
    s.put_temporary_attribute(&t).unwrap();
    assert!(s.delete_attribute(other, id).is_err());
    s.delete_attribute(me, id).unwrap();
    assert!(s.temporary_attribute(me, id, 150).is_err());
}
