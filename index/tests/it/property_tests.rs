//! Property tests: the index agrees with filter-then-brute-force in fp64 for every storage type.

use crate::reference::{Item, Rng, brute_force, items, matches};
use argus_index::{Filter, FlatIndex, IndexConfig, Storage};
use proptest::prelude::*;
use std::collections::HashSet;
use std::sync::Arc;
use uuid::Uuid;

/// Tolerance on similarities, per storage: f32 accumulation order (1e-5), half precision (2⁻¹¹ relative per value,
/// ≈ 2e-3 on a dot product of unit vectors in the worst case), int8 (see the segment documentation).
fn tolerance(storage: Storage) -> f64 {
    match storage {
        Storage::F32 => 1e-5,
        Storage::F16 => 2e-3,
        Storage::I8 => 2e-2,
    }
}

fn storage() -> impl Strategy<Value = Storage> {
    prop_oneof![Just(Storage::F32), Just(Storage::F16), Just(Storage::I8)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn search_equals_brute_force(seed in 1u64.., n in 0usize..600, dim in 1usize..70, k in 1usize..20,
                                 storage in storage(), deletes in 0usize..50, filter_kind in 0u8..6) {
        let mut rng = Rng(seed);
        let accounts = [rng.id(), rng.id()];
        let lists = [rng.id(), rng.id(), rng.id()];
        let mut data = items(&mut rng, n, dim, &accounts, &lists);
        let index = FlatIndex::with_threads(IndexConfig { dim, storage }, 2).unwrap();
        for item in &data {
            index.upsert(item.id, &item.v, item.meta.clone()).unwrap();
        }
        let removed: HashSet<Uuid> = (0..deletes.min(n)).map(|i| data[(i * 7919) % n].id).collect();
        for id in &removed {
            prop_assert!(index.remove(*id));
        }
        data.retain(|i| !removed.contains(&i.id));
        let filter = match filter_kind {
            0 => Filter::default(),
            1 => Filter { account: Some(accounts[1]), ..Filter::default() },
            2 => Filter { lists: Some(vec![lists[2]]), ..Filter::default() },
            3 => Filter { account: Some(accounts[0]), lists: Some(vec![lists[0], lists[2]]), ..Filter::default() },
            4 => Filter { ids: Some(data.iter().step_by(3).map(|i| i.id).collect()), ..Filter::default() },
            5 => Filter { predicate: Some(Arc::new(|m: &argus_index::ItemMeta| m.external_id.as_deref() == Some("ext-3"))), ..Filter::default() },
            _ => Filter::default(),
        };
        let query = rng.vector(dim);
        let got = index.search(&query, k, &filter).unwrap();
        let want = brute_force(&data, &query, k, |i| matches(&filter, i));
        prop_assert_eq!(got.len(), want.len());
        let tol = tolerance(storage);
        for (g, w) in got.iter().zip(&want) {
            prop_assert!((f64::from(g.similarity) - w.1).abs() <= tol, "similarity {} vs {}", g.similarity, w.1);
            prop_assert!(!removed.contains(&g.id));
            prop_assert!(matches(&filter, data.iter().find(|i| i.id == g.id).unwrap()));
        }
        if storage == Storage::F32 {
            // Same order, except where reference similarities tie within the tolerance.
            for (g, w) in got.iter().zip(&want) {
                if g.id != w.0 {
                    let g_ref = want.iter().find(|x| x.0 == g.id).map_or(f64::NAN, |x| x.1);
                    prop_assert!((g_ref - w.1).abs() <= tol, "order differs beyond a tie");
                }
            }
        }
    }

    #[test]
    fn batch_search_equals_single_searches(seed in 1u64.., n in 1usize..300, q in 1usize..10,
                                           dim in 1usize..70, storage in storage()) {
        let mut rng = Rng(seed);
        let account = [rng.id()];
        let data = items(&mut rng, n, dim, &account, &[]);
        let index = FlatIndex::new(IndexConfig { dim, storage }).unwrap();
        for item in &data {
            index.upsert(item.id, &item.v, item.meta.clone()).unwrap();
        }
        let queries: Vec<Vec<f32>> = (0..q).map(|_| rng.vector(dim)).collect();
        let batch = index.search_batch(&queries, 5, &Filter::default()).unwrap();
        for (query, hits) in queries.iter().zip(batch) {
            prop_assert_eq!(hits, index.search(query, 5, &Filter::default()).unwrap());
        }
    }
}

#[test]
fn int8_recall_at_10_is_at_least_0_99() {
    let mut rng = Rng(42);
    let account = [rng.id()];
    let data = items(&mut rng, 20_000, 128, &account, &[]);
    let index = FlatIndex::new(IndexConfig {
        dim: 128,
        storage: Storage::I8,
    })
    .unwrap();
    for item in &data {
        index.upsert(item.id, &item.v, item.meta.clone()).unwrap();
    }
    let (mut found, mut total) = (0, 0);
    for _ in 0..50 {
        // Queries near stored items, as face queries are: recall matters where matches exist.
        let base = &data[(rng.next() % data.len() as u64) as usize].v;
        let query: Vec<f32> = base.iter().map(|x| x + 0.3 * rng.unit()).collect();
        let want: HashSet<_> = brute_force(&data, &query, 10, |_| true)
            .into_iter()
            .map(|x| x.0)
            .collect();
        let got = index.search(&query, 10, &Filter::default()).unwrap();
        found += got.iter().filter(|h| want.contains(&h.id)).count();
        total += 10;
    }
    let recall = found as f64 / total as f64;
    assert!(recall >= 0.99, "recall@10 = {recall}");
}

/// An f32 index searching on two threads, loaded with `data` in one bulk load.
fn f32_index_of(data: &[Item]) -> FlatIndex {
    let dim = data.first().map_or(1, |item| item.v.len());
    let config = IndexConfig {
        dim,
        storage: Storage::F32,
    };
    let index = FlatIndex::with_threads(config, 2).unwrap();
    index
        .upsert_many(data.iter().map(|i| (i.id, i.v.clone(), i.meta.clone())))
        .unwrap();
    index
}

#[test]
fn a_list_of_most_items_over_several_segments_is_exact_in_batches() {
    let mut rng = Rng(7);
    let accounts = [rng.id(), rng.id()];
    let lists = [rng.id(), rng.id()];
    let mut data = items(&mut rng, 20_000, 32, &accounts, &lists);
    let index = f32_index_of(&data);
    for item in data.iter().step_by(5) {
        assert!(index.remove(item.id));
    }
    data = data
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % 5 != 0)
        .map(|(_, item)| item)
        .collect();
    // lists[0] holds about half of the items: a full scan reading membership bits, not a walk over members.
    let filter = Filter {
        account: Some(accounts[1]),
        lists: Some(vec![lists[0]]),
        ..Filter::default()
    };
    let queries: Vec<Vec<f32>> = (0..7).map(|_| rng.vector(32)).collect();
    let batch = index.search_batch(&queries, 10, &filter).unwrap();
    for (query, got) in queries.iter().zip(batch) {
        let want = brute_force(&data, query, 10, |i| matches(&filter, i));
        let ids: Vec<Uuid> = got.iter().map(|h| h.id).collect();
        let want_ids: Vec<Uuid> = want.iter().map(|w| w.0).collect();
        assert_eq!(ids, want_ids);
    }
}

/// Searches with the same lists reuse their member bits until something changes: removals, list changes and new
/// items between two searches all show in the second. One account, so that whole blocks are picked from bits.
#[test]
fn member_bits_follow_every_change_to_the_lists() {
    let mut rng = Rng(11);
    let account = [rng.id()];
    let lists = [rng.id(), rng.id()];
    let mut data = items(&mut rng, 20_000, 32, &account, &lists);
    let index = f32_index_of(&data);
    let filter = Filter {
        account: Some(account[0]),
        lists: Some(vec![lists[0]]),
        ..Filter::default()
    };
    let queries: Vec<Vec<f32>> = (0..5).map(|_| rng.vector(32)).collect();
    let exact = |index: &FlatIndex, data: &[Item]| {
        let batch = index.search_batch(&queries, 10, &filter).unwrap();
        for (query, got) in queries.iter().zip(batch) {
            let want = brute_force(data, query, 10, |i| matches(&filter, i));
            let ids: Vec<Uuid> = got.iter().map(|h| h.id).collect();
            let want_ids: Vec<Uuid> = want.iter().map(|w| w.0).collect();
            assert_eq!(ids, want_ids);
        }
    };
    exact(&index, &data);
    exact(&index, &data);

    for item in data.iter().step_by(7) {
        assert!(index.remove(item.id));
    }
    data = data
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % 7 != 0)
        .map(|(_, item)| item)
        .collect();
    exact(&index, &data);

    for item in data.iter_mut().step_by(3) {
        item.meta.lists = if item.meta.lists.contains(&lists[0]) {
            Vec::new()
        } else {
            vec![lists[0]]
        };
        index.set_lists(item.id, item.meta.lists.clone()).unwrap();
    }
    exact(&index, &data);

    let mut fresh = items(&mut rng, 500, 32, &account, &[lists[0]]);
    for item in &fresh {
        index.upsert(item.id, &item.v, item.meta.clone()).unwrap();
    }
    data.append(&mut fresh);
    exact(&index, &data);
}

#[test]
fn selective_list_filter_is_exact_on_a_tiny_list() {
    let mut rng = Rng(7);
    let account = [rng.id()];
    let tiny = rng.id();
    let mut data = items(&mut rng, 5_000, 32, &account, &[]);
    for item in data.iter_mut().step_by(1000) {
        item.meta.lists.push(tiny);
    }
    let index = FlatIndex::new(IndexConfig {
        dim: 32,
        storage: Storage::F32,
    })
    .unwrap();
    for item in &data {
        index.upsert(item.id, &item.v, item.meta.clone()).unwrap();
    }
    let query = rng.vector(32);
    let filter = Filter {
        lists: Some(vec![tiny]),
        ..Filter::default()
    };
    let got: Vec<_> = index
        .search(&query, 3, &filter)
        .unwrap()
        .iter()
        .map(|h| h.id)
        .collect();
    let want: Vec<_> = brute_force(&data, &query, 3, |i| i.meta.lists.contains(&tiny))
        .iter()
        .map(|x| x.0)
        .collect();
    assert_eq!(got, want);
}

#[test]
fn upsert_set_lists_and_compact_keep_results_right() {
    let mut rng = Rng(9);
    let account = [rng.id()];
    let list = rng.id();
    let data = items(&mut rng, 20_000, 8, &account, &[]);
    let index = FlatIndex::new(IndexConfig {
        dim: 8,
        storage: Storage::F16,
    })
    .unwrap();
    for item in &data {
        index.upsert(item.id, &item.v, item.meta.clone()).unwrap();
    }
    for item in data.iter().skip(1).step_by(2) {
        assert!(index.remove(item.id));
    }
    let bytes_before = index.memory_bytes();
    index.compact();
    assert!(index.memory_bytes() < bytes_before);
    assert_eq!(index.len(), 10_000);
    let target = &data[0];
    index.set_lists(target.id, vec![list]).unwrap();
    let hits = index
        .search(
            &target.v,
            1,
            &Filter {
                lists: Some(vec![list]),
                ..Filter::default()
            },
        )
        .unwrap();
    assert_eq!(hits[0].id, target.id);
    // Upsert moves the item: its own vector now finds it first.
    let moved = rng.vector(8);
    index
        .upsert(target.id, &moved, target.meta.clone())
        .unwrap();
    assert_eq!(
        index.search(&moved, 1, &Filter::default()).unwrap()[0].id,
        target.id
    );
    for item in data.iter().skip(1).step_by(2) {
        assert!(index.get(item.id).is_none());
    }
}
