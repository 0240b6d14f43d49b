//! Image Store images and objects, and sample existence: round trips, buckets, expiry and isolation.

use crate::support::*;
use argus_store::*;
use uuid::Uuid;

#[test]
fn images_and_objects_round_trip_expire_and_stay_in_their_bucket() {
    let (_d, s) = store();
    let (me, other) = (Uuid::new_v4(), Uuid::new_v4());
    let image = object(me, ObjectKind::Image, Some(5_000));
    let forever = object(me, ObjectKind::Object, None);
    s.put_object(&image).unwrap();
    s.put_object(&forever).unwrap();
    assert!(matches!(
        s.put_object(&image),
        Err(StoreError::Conflict { .. })
    ));

    assert_eq!(
        s.object(me, ObjectKind::Image, image.object_id, 4_999)
            .unwrap(),
        image
    );
    assert!(
        s.object_exists(me, ObjectKind::Image, image.object_id, 4_999)
            .unwrap()
    );
    assert!(
        s.object(me, ObjectKind::Object, image.object_id, 0)
            .is_err(),
        "wrong bucket"
    );
    assert!(
        s.object(other, ObjectKind::Image, image.object_id, 0)
            .is_err(),
        "wrong account"
    );
    assert!(
        !s.object_exists(other, ObjectKind::Image, image.object_id, 0)
            .unwrap()
    );
    assert!(
        s.delete_object(other, ObjectKind::Image, image.object_id)
            .is_err()
    );

    assert!(matches!(
        s.object(me, ObjectKind::Image, image.object_id, 5_000),
        Err(StoreError::NotFound { .. })
    ));
    assert!(
        !s.object_exists(me, ObjectKind::Image, image.object_id, 5_000)
            .unwrap()
    );
    assert_eq!(s.purge_expired(5_000).unwrap(), 1);
    assert_eq!(
        s.object(me, ObjectKind::Object, forever.object_id, i64::MAX)
            .unwrap(),
        forever
    );

    s.delete_object(me, ObjectKind::Object, forever.object_id)
        .unwrap();
    assert!(
        !s.object_exists(me, ObjectKind::Object, forever.object_id, 0)
            .unwrap()
    );
    assert!(
        s.delete_object(me, ObjectKind::Object, forever.object_id)
            .is_err()
    );
}

#[test]
fn ttl_in_days_becomes_an_expiry_and_minus_one_means_never() {
    assert_eq!(
        StoredObject::expiry_for_ttl_days(1_000, 2),
        Some(1_000 + 2 * 86_400_000)
    );
    assert_eq!(StoredObject::expiry_for_ttl_days(1_000, -1), None);
}

#[test]
fn samples_exist_only_for_their_account() {
    let (_d, s) = store();
    let (me, other, id) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    s.put_sample(me, id, b"jpeg", 1).unwrap();
    assert!(matches!(
        s.put_sample(me, id, b"again", 2),
        Err(StoreError::Conflict { .. })
    ));
    assert!(s.sample_exists(me, id).unwrap());
    assert!(!s.sample_exists(other, id).unwrap());
    s.delete_sample(me, id).unwrap();
    assert!(!s.sample_exists(me, id).unwrap());
}
