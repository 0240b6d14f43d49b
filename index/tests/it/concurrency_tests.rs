//! Searches run while inserts and deletes happen; no search that starts after a delete returned sees that item.

use crate::reference::{Rng, items};
use argus_index::{Filter, FlatIndex, IndexConfig, Storage};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

#[test]
fn deleted_items_never_come_back_under_concurrent_load() {
    let mut rng = Rng(1234);
    let account = [rng.id()];
    let data = items(&mut rng, 40_000, 16, &account, &[]);
    let index = Arc::new(
        FlatIndex::new(IndexConfig {
            dim: 16,
            storage: Storage::F32,
        })
        .unwrap(),
    );
    for item in &data[..20_000] {
        index.upsert(item.id, &item.v, item.meta.clone()).unwrap();
    }
    let deleted = Arc::new(Mutex::new(HashSet::new()));
    let done = Arc::new(AtomicBool::new(false));
    let searchers: Vec<_> = (0..2)
        .map(|t| {
            let (index, deleted, done) = (index.clone(), deleted.clone(), done.clone());
            let queries: Vec<Vec<f32>> = data
                .iter()
                .skip(t)
                .step_by(97)
                .take(200)
                .map(|i| i.v.clone())
                .collect();
            std::thread::spawn(move || {
                let mut searches = 0;
                while !done.load(Ordering::SeqCst) || searches < 20 {
                    let before: HashSet<_> = deleted.lock().unwrap().clone();
                    let q = &queries[searches % queries.len()];
                    for hit in index.search(q, 50, &Filter::default()).unwrap() {
                        assert!(
                            !before.contains(&hit.id),
                            "deleted item {} came back",
                            hit.id
                        );
                    }
                    searches += 1;
                }
                searches
            })
        })
        .collect();
    for (i, item) in data[20_000..].iter().enumerate() {
        index.upsert(item.id, &item.v, item.meta.clone()).unwrap();
        let victim = data[i * 2].id;
        assert!(index.remove(victim));
        deleted.lock().unwrap().insert(victim);
    }
    done.store(true, Ordering::SeqCst);
    for s in searchers {
        assert!(s.join().unwrap() >= 20);
    }
    assert_eq!(index.len(), 20_000);
}

#[test]
fn list_searches_stay_exact_while_compaction_renumbers_slots() {
    let mut rng = Rng(4321);
    let account = [rng.id()];
    let list = rng.id();
    let mut data = items(&mut rng, 30_000, 16, &account, &[]);
    for item in data.iter_mut().step_by(300) {
        item.meta.lists = vec![list];
    }
    let index = Arc::new(
        FlatIndex::new(IndexConfig {
            dim: 16,
            storage: Storage::F32,
        })
        .unwrap(),
    );
    for item in &data {
        index.upsert(item.id, &item.v, item.meta.clone()).unwrap();
    }
    let members: Vec<_> = data
        .iter()
        .step_by(300)
        .map(|i| (i.id, i.v.clone()))
        .collect();
    let done = Arc::new(AtomicBool::new(false));
    let searcher = {
        let (index, done) = (index.clone(), done.clone());
        std::thread::spawn(move || {
            let filter = Filter {
                lists: Some(vec![list]),
                ..Filter::default()
            };
            let mut searches = 0;
            while !done.load(Ordering::SeqCst) || searches < 20 {
                let (id, v) = &members[searches % members.len()];
                let hits = index.search(v, 1, &filter).unwrap();
                assert_eq!(hits.first().map(|h| h.id), Some(*id));
                searches += 1;
            }
        })
    };
    for round in 0..10 {
        for item in data
            .iter()
            .skip(1 + round)
            .step_by(10)
            .filter(|i| i.meta.lists.is_empty())
        {
            index.remove(item.id);
        }
        index.compact();
    }
    done.store(true, Ordering::SeqCst);
    searcher.join().unwrap();
}
