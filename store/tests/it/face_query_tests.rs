//! Every face and list search condition, keyset pages, bulk face deletion, face attributes, and deleting a list
//! with its faces.

use crate::support::*;
use argus_store::*;
use uuid::Uuid;

/// Ten faces of one account, created at times 0..10, the even ones in the list.
fn ten_faces(s: &dyn Store, me: Uuid) -> (List, Vec<Face>) {
    let l = list(me);
    s.create_list(&l).unwrap();
    let faces: Vec<Face> = (0..10)
        .map(|t| face(me, if t % 2 == 0 { vec![l.list_id] } else { vec![] }, t))
        .collect();
    for f in &faces {
        s.create_face(f, None).unwrap();
    }
    (l, faces)
}

fn times(faces: &[Face]) -> Vec<i64> {
    faces.iter().map(|f| f.create_time).collect()
}

#[test]
fn faces_are_found_by_every_condition() {
    let (_d, s) = store();
    let me = Uuid::new_v4();
    let (l, faces) = ten_faces(s.as_ref(), me);
    let find = |q: FaceQuery| s.faces_matching(me, &q, ALL).unwrap();

    let q = FaceQuery {
        create_time_gte: Some(3),
        create_time_lt: Some(6),
        ..FaceQuery::default()
    };
    assert_eq!(times(&find(q.clone())), vec![3, 4, 5]);
    assert_eq!(s.count_faces_matching(me, &q).unwrap(), 3);

    let in_list_late = FaceQuery {
        base: FaceFilter {
            list_id: Some(l.list_id),
            ..FaceFilter::default()
        },
        create_time_gte: Some(5),
        ..FaceQuery::default()
    };
    assert_eq!(times(&find(in_list_late)), vec![6, 8]);

    let q = FaceQuery {
        user_data: Some("ce 7".into()),
        ..FaceQuery::default()
    };
    assert_eq!(times(&find(q)), vec![7]);
    let wildcard = FaceQuery {
        user_data: Some("%".into()),
        ..FaceQuery::default()
    };
    assert!(
        find(wildcard).is_empty(),
        "LIKE wildcards in the text are literal"
    );

    let event = Uuid::new_v4();
    let patch = FacePatch {
        event_id: Some(Some(event)),
        ..FacePatch::default()
    };
    s.update_face(me, faces[4].face_id, &patch).unwrap();
    let q = FaceQuery {
        event_id: Some(event),
        ..FaceQuery::default()
    };
    assert_eq!(times(&find(q)), vec![4]);
    let other = FaceQuery::default();
    assert!(
        s.faces_matching(Uuid::new_v4(), &other, ALL)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn keyset_pages_walk_faces_in_id_order_without_gaps() {
    let (_d, s) = store();
    let me = Uuid::new_v4();
    let (_l, faces) = ten_faces(s.as_ref(), me);
    let mut ids: Vec<Uuid> = faces.iter().map(|f| f.face_id).collect();
    ids.sort();
    let page = Page {
        page: 1,
        page_size: 4,
    };
    let mut walked = Vec::new();
    let mut from = Uuid::nil();
    loop {
        let q = FaceQuery {
            face_id_gte: Some(from),
            ..FaceQuery::default()
        };
        let got = s.faces_matching(me, &q, page).unwrap();
        let Some(last) = got.last() else { break };
        from = Uuid::from_u128(last.face_id.as_u128() + 1);
        walked.extend(got.iter().map(|f| f.face_id));
    }
    assert_eq!(walked, ids);
    let below = FaceQuery {
        face_id_lt: Some(ids[3]),
        ..FaceQuery::default()
    };
    let got: Vec<Uuid> = s
        .faces_matching(me, &below, ALL)
        .unwrap()
        .iter()
        .map(|f| f.face_id)
        .collect();
    assert_eq!(got, ids[..3].to_vec());
}

#[test]
fn bulk_delete_takes_only_the_accounts_faces() {
    let (_d, s) = store();
    let (me, other) = (Uuid::new_v4(), Uuid::new_v4());
    let (_l, mine) = ten_faces(s.as_ref(), me);
    let (_t, theirs) = ten_faces(s.as_ref(), other);
    let asked = [
        mine[0].face_id,
        mine[1].face_id,
        theirs[0].face_id,
        Uuid::new_v4(),
        mine[0].face_id,
    ];
    let deleted = s.delete_faces(me, &asked).unwrap();
    assert_eq!(deleted, vec![mine[0].face_id, mine[1].face_id]);
    assert_eq!(s.count_faces(me, &FaceFilter::default()).unwrap(), 8);
    assert_eq!(s.count_faces(other, &FaceFilter::default()).unwrap(), 10);
    assert!(s.face(other, theirs[0].face_id).is_ok());
}

#[test]
fn face_attributes_are_replaced_read_counted_and_removed() {
    let (_d, s) = store();
    let (me, other) = (Uuid::new_v4(), Uuid::new_v4());
    let (_l, faces) = ten_faces(s.as_ref(), me);
    let id = faces[2].face_id;
    assert!(matches!(
        s.face_attribute(me, id),
        Err(StoreError::NotFound { .. })
    ));
    let attribute = FaceAttribute {
        descriptor: Some(StoredDescriptor {
            version: 59,
            bytes: vec![4; 32],
        }),
        basic_attributes: Some(r#"{"age":29,"gender":0,"ethnicity":3}"#.into()),
        descriptor_samples: vec![Uuid::from_u128(1), Uuid::from_u128(2)],
        basic_attributes_samples: vec![Uuid::from_u128(3)],
        create_time: 77,
    };
    s.put_face_attribute(me, id, &attribute).unwrap();
    assert_eq!(s.face_attribute(me, id).unwrap(), attribute);
    assert_eq!(s.face_descriptor(me, id).unwrap(), attribute.descriptor);
    assert!(s.face_attribute(other, id).is_err());
    assert!(s.put_face_attribute(other, id, &attribute).is_err());
    assert!(s.delete_face_attribute(other, id).is_err());
    assert_eq!(s.count_faces_with_attributes(me).unwrap(), 1);
    let mut scanned = Vec::new();
    s.scan_face_descriptors(&mut |f| scanned.push(f)).unwrap();
    assert_eq!(scanned.len(), 1);
    assert_eq!(
        (scanned[0].face_id, scanned[0].descriptor.version),
        (id, 59)
    );

    let only_basic = FaceAttribute {
        basic_attributes: Some(r#"{"age":30}"#.into()),
        ..FaceAttribute::default()
    };
    s.put_face_attribute(me, id, &only_basic).unwrap();
    assert_eq!(s.face_attribute(me, id).unwrap(), only_basic);
    assert_eq!(
        s.face_descriptor(me, id).unwrap(),
        None,
        "replaced, not merged"
    );

    s.delete_face_attribute(me, id).unwrap();
    assert!(s.face_attribute(me, id).is_err());
    assert_eq!(s.count_faces_with_attributes(me).unwrap(), 0);
    assert!(s.face(me, id).is_ok(), "the face itself stays");

    // A face made with its attribute has both from the start; a face whose id is taken makes neither.
    let mut fresh = faces[3].clone();
    fresh.face_id = Uuid::new_v4();
    s.create_face_with_attribute(&fresh, &attribute).unwrap();
    assert_eq!(s.face_attribute(me, fresh.face_id).unwrap(), attribute);
    assert_eq!(
        s.face_descriptor(me, fresh.face_id).unwrap(),
        attribute.descriptor
    );
    let mut taken = faces[4].clone();
    taken.lists = Vec::new();
    assert!(s.create_face_with_attribute(&taken, &attribute).is_err());
    assert!(s.face_attribute(me, taken.face_id).is_err());
}

#[test]
fn lists_are_filtered_counted_and_deleted_with_their_faces() {
    let (_d, s) = store();
    let (me, other) = (Uuid::new_v4(), Uuid::new_v4());
    let (l, faces) = ten_faces(s.as_ref(), me);
    let mut second = list(me);
    second.user_data = "night shift".into();
    second.create_time = 5;
    s.create_list(&second).unwrap();
    s.link_faces(
        me,
        second.list_id,
        &[faces[0].face_id, faces[1].face_id],
        true,
    )
    .unwrap();

    let find = |f: ListFilter| s.lists_matching(me, &f, ALL).unwrap();
    let partial = ListFilter {
        user_data: Some("night".into()),
        ..ListFilter::default()
    };
    assert_eq!(find(partial), vec![second.clone()]);
    let exact = ListFilter {
        user_data_eq: Some("night".into()),
        ..ListFilter::default()
    };
    assert!(find(exact).is_empty());
    let by_ids = ListFilter {
        list_ids: Some(vec![l.list_id]),
        ..ListFilter::default()
    };
    assert_eq!(find(by_ids.clone()), vec![l.clone()]);
    assert_eq!(s.count_lists_matching(me, &by_ids).unwrap(), 1);
    let late = ListFilter {
        create_time_gte: Some(2),
        ..ListFilter::default()
    };
    assert_eq!(find(late), vec![second.clone()]);
    let lowest = l.list_id.min(second.list_id);
    let keyset = ListFilter {
        list_id_lt: Some(l.list_id.max(second.list_id)),
        ..ListFilter::default()
    };
    assert_eq!(
        find(keyset).iter().map(|x| x.list_id).collect::<Vec<_>>(),
        vec![lowest]
    );
    assert!(
        s.lists_matching(other, &ListFilter::default(), ALL)
            .unwrap()
            .is_empty()
    );

    assert_eq!(s.count_list_faces(me, l.list_id).unwrap(), 5);
    assert_eq!(s.count_list_faces(me, second.list_id).unwrap(), 2);
    assert!(s.count_list_faces(other, l.list_id).is_err());
    let mut of_first = s.lists_of_face(me, faces[0].face_id).unwrap();
    of_first.sort();
    let mut both = vec![l.list_id, second.list_id];
    both.sort();
    assert_eq!(of_first, both);
    assert!(s.lists_of_face(other, faces[0].face_id).is_err());

    assert!(s.delete_list_with_faces(other, second.list_id).is_err());
    let mut gone = s.delete_list_with_faces(me, second.list_id).unwrap();
    gone.sort();
    let mut expected = vec![faces[0].face_id, faces[1].face_id];
    expected.sort();
    assert_eq!(gone, expected);
    assert!(s.list(me, second.list_id).is_err());
    assert_eq!(s.count_faces(me, &FaceFilter::default()).unwrap(), 8);
    assert_eq!(
        s.count_list_faces(me, l.list_id).unwrap(),
        4,
        "face 0 left the other list too"
    );
}

#[test]
fn a_batch_of_faces_commits_whole_or_not_at_all() {
    let (_d, s) = store();
    let (me, other) = (Uuid::new_v4(), Uuid::new_v4());
    let theirs = list(other);
    s.create_list(&theirs).unwrap();
    let d = StoredDescriptor {
        version: 1,
        bytes: vec![2; 8],
    };
    let good: Vec<(Face, Option<StoredDescriptor>)> = (0..3)
        .map(|t| (face(me, vec![], t), Some(d.clone())))
        .collect();
    let mut bad = good.clone();
    bad.push((face(me, vec![theirs.list_id], 9), None));
    assert!(matches!(
        s.create_faces(&bad),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(s.count_faces(me, &FaceFilter::default()).unwrap(), 0);
    s.create_faces(&good).unwrap();
    assert_eq!(s.count_faces(me, &FaceFilter::default()).unwrap(), 3);
    assert_eq!(s.face_descriptor(me, good[2].0.face_id).unwrap(), Some(d));
}
