//! Bad input gives typed errors, never a panic.

use argus_index::{Filter, FlatIndex, IndexConfig, IndexError, ItemMeta, MAX_K, Storage};
use uuid::Uuid;

#[test]
fn wrong_dimension_non_finite_bad_k_and_unknown_ids_are_errors() {
    let index = FlatIndex::new(IndexConfig {
        dim: 4,
        storage: Storage::F32,
    })
    .unwrap();
    let id = Uuid::from_u128(1);
    assert_eq!(
        index.upsert(id, &[1.0, 2.0], ItemMeta::default()),
        Err(IndexError::WrongDimension {
            expected: 4,
            got: 2
        })
    );
    assert_eq!(
        index.upsert(id, &[1.0, f32::NAN, 0.0, 0.0], ItemMeta::default()),
        Err(IndexError::NotFinite)
    );
    assert_eq!(
        index.upsert(id, &[f32::INFINITY, 0.0, 0.0, 0.0], ItemMeta::default()),
        Err(IndexError::NotFinite)
    );
    assert_eq!(
        index.upsert(id, &[0.0; 4], ItemMeta::default()),
        Err(IndexError::NotFinite)
    );
    index
        .upsert(id, &[1.0, 0.0, 0.0, 0.0], ItemMeta::default())
        .unwrap();
    let f = Filter::default();
    assert_eq!(
        index.search(&[1.0, 0.0, 0.0, 0.0], 0, &f),
        Err(IndexError::BadK { k: 0, max: MAX_K })
    );
    assert!(matches!(
        index.search(&[1.0, 0.0, 0.0, 0.0], MAX_K + 1, &f),
        Err(IndexError::BadK { .. })
    ));
    assert!(matches!(
        index.search(&[1.0; 3], 1, &f),
        Err(IndexError::WrongDimension { .. })
    ));
    assert_eq!(
        index.set_lists(Uuid::from_u128(2), vec![]),
        Err(IndexError::NotFound(Uuid::from_u128(2)))
    );
    assert!(!index.remove(Uuid::from_u128(2)));
    assert!(
        FlatIndex::new(IndexConfig {
            dim: 0,
            storage: Storage::F32
        })
        .is_err()
    );
    // k larger than the index is fine: everything comes back.
    assert_eq!(
        index.search(&[0.0, 1.0, 0.0, 0.0], 10, &f).unwrap().len(),
        1
    );
    // A filter that matches nothing gives nothing.
    let nobody = Filter {
        account: Some(Uuid::from_u128(9)),
        ..Filter::default()
    };
    assert!(
        index
            .search(&[1.0, 0.0, 0.0, 0.0], 10, &nobody)
            .unwrap()
            .is_empty()
    );
}
