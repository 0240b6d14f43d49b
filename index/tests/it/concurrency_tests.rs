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
