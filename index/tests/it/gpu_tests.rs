//! The GPU backend against the same fp64 brute force as the CPU index: filters, deletes with slot reuse, merged
//! concurrent searches, bad input, and the backend choice. Runs on wgpu's default adapter (Mesa's lavapipe in CI);
//! without a Vulkan device each test prints SKIPPED, or fails when `ARGUS_REQUIRE_GPU_TESTS` is set.

use crate::reference::{Rng, brute_force, items, matches};
use argus_index::{
    Filter, GPU_MAX_K, Index, IndexBackend, IndexConfig, IndexError, ItemMeta, Storage,
};
use proptest::prelude::*;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// The index on wgpu, or None with a printed reason.
fn gpu_index(dim: usize, storage: Storage) -> Option<Index> {
    match Index::open(IndexConfig { dim, storage }, IndexBackend::Wgpu) {
        Ok((index, _)) => Some(index),
        Err(reason) => {
            assert!(
                std::env::var("ARGUS_REQUIRE_GPU_TESTS").is_err(),
                "ARGUS_REQUIRE_GPU_TESTS is set but there is no wgpu device: {reason}"
            );
            eprintln!("SKIPPED: no Vulkan device for wgpu ({reason}); install mesa-vulkan-drivers");
            None
        }
    }
}

/// fp16 on the device (f32 configurations too): 2⁻¹¹ relative per value, ≈ 2e-3 on a unit dot product at worst;
/// int8: the same bound as the CPU index's int8 storage.
fn tolerance(storage: Storage) -> f64 {
    match storage {
        Storage::F32 | Storage::F16 => 2e-3,
        Storage::I8 => 2e-2,
    }
}

fn storage() -> impl Strategy<Value = Storage> {
    prop_oneof![Just(Storage::F32), Just(Storage::F16), Just(Storage::I8)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn gpu_search_equals_brute_force(seed in 1u64.., n in 0usize..400, dim in 1usize..40, k in 1usize..20,
                                     storage in storage(), deletes in 0usize..40, filter_kind in 0u8..5) {
        let Some(index) = gpu_index(dim, storage) else { return Ok(()) };
        let mut rng = Rng(seed);
        let accounts = [rng.id(), rng.id()];
        let lists = [rng.id(), rng.id(), rng.id()];
        let mut data = items(&mut rng, n, dim, &accounts, &lists);
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
            3 => Filter { ids: Some(data.iter().step_by(3).map(|i| i.id).collect()), ..Filter::default() },
            _ => Filter { predicate: Some(Arc::new(|m: &ItemMeta| m.external_id.as_deref() == Some("ext-3"))), ..Filter::default() },
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
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn gpu_batch_search_equals_brute_force(seed in 1u64.., n in 0usize..400, dim in 1usize..40, k in 1usize..20,
                                     storage in storage(), deletes in 0usize..40, filter_kind in 0u8..5) {
        let Some(index) = gpu_index(dim, storage) else { return Ok(()) };
        let mut rng = Rng(seed);
        let accounts = [rng.id(), rng.id()];
        let lists = [rng.id(), rng.id(), rng.id()];
        let mut data = items(&mut rng, n, dim, &accounts, &lists);
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
            3 => Filter { ids: Some(data.iter().step_by(3).map(|i| i.id).collect()), ..Filter::default() },
            _ => Filter { predicate: Some(Arc::new(|m: &ItemMeta| m.external_id.as_deref() == Some("ext-3"))), ..Filter::default() },
        };
        // 20 queries: the batch takes the GEMM path (argus_kernels::gemm::GEMM_MIN_QUERIES).
        let queries: Vec<Vec<f32>> = (0..20).map(|_| rng.vector(dim)).collect();
        let batch = index.search_batch(&queries, k, &filter).unwrap();
        prop_assert_eq!(batch.len(), queries.len());
        let tol = tolerance(storage);
        for (query, got) in queries.iter().zip(&batch) {
            let want = brute_force(&data, query, k, |i| matches(&filter, i));
            prop_assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                prop_assert!((f64::from(g.similarity) - w.1).abs() <= tol, "similarity {} vs {}", g.similarity, w.1);
                prop_assert!(!removed.contains(&g.id));
                prop_assert!(matches(&filter, data.iter().find(|i| i.id == g.id).unwrap()));
            }
        }
    }
}

#[test]
fn freed_slots_are_reused_and_deleted_items_never_return() {
    let Some(index) = gpu_index(16, Storage::F16) else {
        return;
    };
    let mut rng = Rng(77);
    let account = [rng.id()];
    let list = rng.id();
    let first = items(&mut rng, 3_000, 16, &account, &[]);
    index
        .upsert_many(first.iter().map(|i| (i.id, i.v.clone(), i.meta.clone())))
        .unwrap();
    let bytes = index.memory_bytes();
    for item in first.iter().step_by(2) {
        assert!(index.remove(item.id));
    }
    assert!(!index.remove(first[0].id), "a second remove finds nothing");
    let mut second = items(&mut rng, 1_500, 16, &account, &[]);
    second[0].meta.lists.push(list);
    for item in &second {
        index.upsert(item.id, &item.v, item.meta.clone()).unwrap();
    }
    assert_eq!(index.len(), 3_000);
    assert_eq!(
        index.memory_bytes(),
        bytes,
        "new items took the freed slots"
    );
    let live: Vec<_> = first
        .into_iter()
        .skip(1)
        .step_by(2)
        .chain(second.iter().map(|i| crate::reference::Item {
            id: i.id,
            v: i.v.clone(),
            meta: i.meta.clone(),
        }))
        .collect();
    for query in live.iter().step_by(300) {
        let got: Vec<_> = index
            .search(&query.v, 5, &Filter::default())
            .unwrap()
            .iter()
            .map(|h| h.id)
            .collect();
        assert_eq!(got[0], query.id, "an item's own vector finds it first");
        let want: Vec<_> = brute_force(&live, &query.v, 5, |_| true)
            .iter()
            .map(|x| x.0)
            .collect();
        assert_eq!(got.len(), want.len());
    }
    let in_list = Filter {
        lists: Some(vec![list]),
        ..Filter::default()
    };
    let hits = index.search(&second[1].v, 3, &in_list).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].id, second[0].id);
    index.set_lists(second[0].id, Vec::new()).unwrap();
    assert!(index.search(&second[1].v, 3, &in_list).unwrap().is_empty());
}

#[test]
fn concurrent_searches_get_their_own_answers() {
    let Some(index) = gpu_index(32, Storage::I8) else {
        return;
    };
    let mut rng = Rng(4242);
    let account = [rng.id()];
    let data = Arc::new(items(&mut rng, 5_000, 32, &account, &[]));
    for item in data.iter() {
        index.upsert(item.id, &item.v, item.meta.clone()).unwrap();
    }
    let index = Arc::new(index);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (index, data) = (index.clone(), data.clone());
            std::thread::spawn(move || {
                for round in 0..5 {
                    let item = &data[(t * 613 + round * 97) % data.len()];
                    let k = 1 + (t + round) % 7;
                    let hits = index.search(&item.v, k, &Filter::default()).unwrap();
                    assert_eq!(hits.len(), k);
                    assert_eq!(hits[0].id, item.id, "thread {t} round {round}");
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
}

#[test]
fn a_search_after_a_delete_returned_never_sees_the_item() {
    let Some(index) = gpu_index(8, Storage::F16) else {
        return;
    };
    let mut rng = Rng(99);
    let account = [rng.id()];
    let data = items(&mut rng, 2_000, 8, &account, &[]);
    for item in &data {
        index.upsert(item.id, &item.v, item.meta.clone()).unwrap();
    }
    let index = Arc::new(index);
    let deleted = Arc::new(Mutex::new(HashSet::new()));
    let deleter = {
        let (index, deleted) = (index.clone(), deleted.clone());
        let victims: Vec<Uuid> = data.iter().step_by(3).map(|i| i.id).collect();
        std::thread::spawn(move || {
            for id in victims {
                assert!(index.remove(id));
                deleted.lock().unwrap().insert(id);
            }
        })
    };
    for item in data.iter().step_by(11).take(60) {
        let before: HashSet<Uuid> = deleted.lock().unwrap().clone();
        for hit in index.search(&item.v, 20, &Filter::default()).unwrap() {
            assert!(
                !before.contains(&hit.id),
                "deleted item {} came back",
                hit.id
            );
        }
    }
    deleter.join().unwrap();
}

#[test]
fn gpu_bad_input_is_typed() {
    let Some(index) = gpu_index(4, Storage::F16) else {
        return;
    };
    let id = Uuid::from_u128(1);
    assert_eq!(
        index.upsert(id, &[1.0, 2.0], ItemMeta::default()),
        Err(IndexError::WrongDimension {
            expected: 4,
            got: 2
        })
    );
    assert_eq!(
        index.upsert(id, &[f32::NAN, 0.0, 0.0, 0.0], ItemMeta::default()),
        Err(IndexError::NotFinite)
    );
    let f = Filter::default();
    assert!(
        index
            .search(&[1.0, 0.0, 0.0, 0.0], 3, &f)
            .unwrap()
            .is_empty(),
        "an empty index finds nothing"
    );
    for k in [0, GPU_MAX_K + 1] {
        assert_eq!(
            index.search(&[1.0, 0.0, 0.0, 0.0], k, &f),
            Err(IndexError::BadK { k, max: GPU_MAX_K })
        );
    }
    assert_eq!(index.set_lists(id, vec![]), Err(IndexError::NotFound(id)));
    assert!(index.get(id).is_none());
}

#[test]
fn auto_never_picks_a_software_adapter_and_says_why() {
    let config = IndexConfig {
        dim: 8,
        storage: Storage::F16,
    };
    let (index, reason) = Index::open(config, IndexBackend::Auto).unwrap();
    if index.backend_name() == "cpu" {
        assert!(reason.contains("no GPU"), "{reason}");
    } else {
        println!("auto chose {} ({reason})", index.backend_name());
    }
    let (cpu, reason) = Index::open(config, IndexBackend::Cpu).unwrap();
    assert_eq!(cpu.backend_name(), "cpu");
    assert!(reason.contains("cpu requested"), "{reason}");
}
