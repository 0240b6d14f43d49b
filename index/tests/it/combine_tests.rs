//! `SearchCombiner`: many threads searching at once get exactly what a direct search answers, across different
//! filters and k, with searches actually merged; a bad query fails alone.

use crate::reference::{Rng, items};
use argus_index::{Filter, Index, IndexBackend, IndexConfig, IndexError, SearchCombiner, Storage};
use std::sync::Arc;
use std::sync::atomic::Ordering;

#[test]
fn merged_searches_answer_what_direct_searches_answer() {
    let mut rng = Rng(77);
    let accounts = [rng.id(), rng.id()];
    let lists = [rng.id(), rng.id(), rng.id()];
    let data = items(&mut rng, 20_000, 32, &accounts, &lists);
    let config = IndexConfig {
        dim: 32,
        storage: Storage::F32,
    };
    let (index, _) = Index::open(config, IndexBackend::Cpu).unwrap();
    for item in &data {
        index.upsert(item.id, &item.v, item.meta.clone()).unwrap();
    }
    let index = Arc::new(index);
    let combiner = Arc::new(SearchCombiner::default());
    let filters: Vec<Filter> = vec![
        Filter::default(),
        Filter {
            account: Some(accounts[0]),
            ..Filter::default()
        },
        Filter {
            account: Some(accounts[1]),
            lists: Some(vec![lists[2]]),
            ..Filter::default()
        },
        Filter {
            ids: Some(data.iter().step_by(3).map(|i| i.id).collect()),
            ..Filter::default()
        },
    ];
    let filters = Arc::new(filters);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (index, combiner, filters) = (index.clone(), combiner.clone(), filters.clone());
            let queries: Vec<Vec<f32>> = data
                .iter()
                .skip(t)
                .step_by(41)
                .take(40)
                .map(|i| i.v.clone())
                .collect();
            std::thread::spawn(move || {
                for (n, q) in queries.iter().enumerate() {
                    let filter = &filters[(n + t) % filters.len()];
                    let k = 1 + (n * 7 + t) % 25;
                    let merged = combiner.search(&index, q, k, filter).unwrap();
                    let direct = index.search(q, k, filter).unwrap();
                    assert_eq!(merged, direct, "thread {t} query {n} k {k}");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let stats = combiner.stats();
    // Every search without an id set went through the combiner's scans; a quarter of them had ids and ran
    // directly.
    assert_eq!(stats.searches.load(Ordering::Relaxed), 8 * 40 * 3 / 4);
}

#[test]
fn a_bad_query_fails_alone_and_others_still_get_answers() {
    let mut rng = Rng(78);
    let accounts = [rng.id()];
    let data = items(&mut rng, 2_000, 8, &accounts, &[]);
    let (index, _) = Index::open(
        IndexConfig {
            dim: 8,
            storage: Storage::F16,
        },
        IndexBackend::Cpu,
    )
    .unwrap();
    for item in &data {
        index.upsert(item.id, &item.v, item.meta.clone()).unwrap();
    }
    let combiner = SearchCombiner::default();
    let filter = Filter::default();
    assert_eq!(
        combiner.search(&index, &[0.0; 8], 5, &filter),
        Err(IndexError::NotFinite)
    );
    assert_eq!(
        combiner.search(&index, &[1.0; 3], 5, &filter),
        Err(IndexError::WrongDimension {
            expected: 8,
            got: 3
        })
    );
    let hits = combiner.search(&index, &data[5].v, 3, &filter).unwrap();
    assert_eq!(hits[0].id, data[5].id);
    assert_eq!(hits, index.search(&data[5].v, 3, &filter).unwrap());
}
