//! Bulk load: `upsert_many` gives the same index as one `upsert` per item, replaces existing ids, and stops at
//! the first bad descriptor with its error.

use crate::reference::{Rng, items};
use argus_index::{Filter, FlatIndex, IndexConfig, IndexError, ItemMeta, Storage};

fn config() -> IndexConfig {
    IndexConfig {
        dim: 24,
        storage: Storage::F32,
    }
}

#[test]
fn bulk_load_equals_one_upsert_per_item() {
    let mut rng = Rng(77);
    let account = [rng.id()];
    let lists = [rng.id(), rng.id()];
    // More than one lock batch (8192 items), so the loop over batches runs.
    let data = items(&mut rng, 20_000, 24, &account, &lists);
    let bulk = FlatIndex::new(config()).unwrap();
    let one_by_one = FlatIndex::new(config()).unwrap();
    let stored = bulk
        .upsert_many(data.iter().map(|i| (i.id, i.v.clone(), i.meta.clone())))
        .unwrap();
    assert_eq!(stored, data.len());
    for item in &data {
        one_by_one
            .upsert(item.id, &item.v, item.meta.clone())
            .unwrap();
    }
    assert_eq!(bulk.len(), data.len());
    let in_list = Filter {
        lists: Some(vec![lists[1]]),
        ..Filter::default()
    };
    for _ in 0..5 {
        let q = rng.vector(24);
        for filter in [&Filter::default(), &in_list] {
            assert_eq!(
                bulk.search(&q, 10, filter).unwrap(),
                one_by_one.search(&q, 10, filter).unwrap()
            );
        }
    }
    // Loading the same ids again replaces them instead of adding.
    bulk.upsert_many(
        data.iter()
            .take(100)
            .map(|i| (i.id, i.v.clone(), i.meta.clone())),
    )
    .unwrap();
    assert_eq!(bulk.len(), data.len());
}

#[test]
fn bulk_load_stops_at_the_first_bad_descriptor() {
    let mut rng = Rng(78);
    let ids: Vec<_> = (0..4).map(|_| rng.id()).collect();
    let mut vectors: Vec<Vec<f32>> = (0..4).map(|_| rng.vector(24)).collect();
    vectors[2][5] = f32::NAN;
    let index = FlatIndex::new(config()).unwrap();
    let result = index.upsert_many(
        ids.iter()
            .zip(vectors)
            .map(|(&id, v)| (id, v, ItemMeta::default())),
    );
    assert_eq!(result, Err(IndexError::NotFinite));
    assert_eq!(index.len(), 2);
    assert!(index.get(ids[1]).is_some());
    assert!(index.get(ids[3]).is_none());
}
