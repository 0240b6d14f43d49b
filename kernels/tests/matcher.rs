//! `GpuMatcher`: upserts, removals, filters and chunked growth, checked against the scan
//! reference on the same stored data.

use argus_kernels::matcher::CHUNK_ROWS;
use argus_kernels::runtime::{cuda_driver_present, select_backend};
use argus_kernels::{GpuMatcher, KernelError, Precision};

use crate::common::{Rng, bitmap, gpu, test_backend};

fn matcher(precision: Precision) -> Option<GpuMatcher> {
    let client = gpu()?;
    Some(GpuMatcher::with_backend(test_backend(client), 128, precision).expect("matcher"))
}

#[test]
fn upsert_search_remove_round_trip() {
    for precision in [Precision::F16, Precision::I8] {
        let Some(mut matcher) = matcher(precision) else {
            return;
        };
        let mut rng = Rng::new(110);
        let vectors = rng.vectors(300, 128);
        for (slot, vector) in vectors.chunks_exact(128).enumerate() {
            matcher.upsert(slot as u32, vector).expect("upsert");
        }
        // Stored vectors read back through the interleaved layout (fp16: within 2^-11 relative;
        // int8: within half a quantisation step, scale = max|x| / 127).
        for slot in [0usize, 31, 32, 299] {
            let stored = matcher.vector(slot as u32).expect("stored");
            let original = &vectors[slot * 128..(slot + 1) * 128];
            let step = original.iter().fold(0f32, |m, v| m.max(v.abs())) / 127.0;
            for (got, want) in stored.iter().zip(original) {
                let bound = match precision {
                    Precision::F16 => want.abs() / 2048.0 + 1e-7,
                    Precision::I8 => step / 2.0 + 1e-6,
                };
                assert!((got - want).abs() <= bound, "{precision:?} slot {slot}");
            }
        }
        // Each stored vector finds itself first.
        for slot in [0usize, 17, 299] {
            let hits = matcher
                .search(&vectors[slot * 128..(slot + 1) * 128], 5, None)
                .expect("search");
            assert_eq!(hits[0][0].slot, slot as u32, "{precision:?}");
        }
        matcher.remove(17);
        let hits = matcher
            .search(&vectors[17 * 128..18 * 128], 5, None)
            .expect("search");
        assert!(
            hits[0].iter().all(|hit| hit.slot != 17),
            "{precision:?}: removed slot came back"
        );
        // Upserting again revives the slot.
        matcher
            .upsert(17, &vectors[17 * 128..18 * 128])
            .expect("upsert");
        let hits = matcher
            .search(&vectors[17 * 128..18 * 128], 1, None)
            .expect("search");
        assert_eq!(hits[0][0].slot, 17);
        // A filter restricting to even slots.
        let evens = bitmap(matcher.capacity(), |row| row % 2 == 0);
        let hits = matcher
            .search(&vectors[17 * 128..18 * 128], 10, Some(&evens))
            .expect("search");
        assert_eq!(hits[0].len(), 10);
        assert!(
            hits[0]
                .iter()
                .all(|hit| hit.slot % 2 == 0 && hit.slot < 300)
        );
    }
}

#[test]
fn changes_after_a_search_reach_the_device_chunk_by_chunk() {
    let chunk = CHUNK_ROWS as u32;
    for precision in [Precision::F16, Precision::I8] {
        let Some(mut matcher) = matcher(precision) else {
            return;
        };
        let mut rng = Rng::new(130);
        let first = rng.vectors(200, 128);
        matcher.upsert_batch(0, &first).expect("upsert");
        let later = rng.vectors(4, 128);
        let row = |i: usize| &later[i * 128..(i + 1) * 128];
        // The first search uploads everything.
        matcher.upsert(chunk + 5, row(0)).expect("upsert");
        matcher.upsert(2 * chunk + 9, row(1)).expect("upsert");
        assert_eq!(
            matcher.search(row(0), 1, None).expect("search")[0][0].slot,
            chunk + 5
        );
        // One dirty page: uploaded alone and copied into place.
        matcher.upsert(7, row(2)).expect("upsert");
        // Growth to four chunks with one new row: the device copies its old buffer into a
        // larger one, then uploads the new chunk.
        matcher.upsert(3 * chunk + 1, row(3)).expect("upsert");
        let expected = [
            (row(2), 7),
            (&first[100 * 128..101 * 128], 100),
            (row(0), chunk + 5),
            (row(1), 2 * chunk + 9),
            (row(3), 3 * chunk + 1),
        ];
        for (query, slot) in expected {
            let hits = matcher.search(query, 1, None).expect("search");
            assert_eq!(hits[0][0].slot, slot, "{precision:?}");
        }
        // Slot 7 scores as its new vector, not its old one, against the old one.
        let old_seven = &first[7 * 128..8 * 128];
        let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
        let only_seven = bitmap(matcher.capacity(), |slot| slot == 7);
        let hits = matcher
            .search(old_seven, 1, Some(&only_seven))
            .expect("search");
        let seven = hits[0].first().expect("slot 7 is alive");
        let (as_new, as_old) = (dot(old_seven, row(2)), dot(old_seven, old_seven));
        assert!(
            (seven.score - as_new).abs() < (seven.score - as_old).abs(),
            "{precision:?}: slot 7 scored {} (new vector {as_new}, old {as_old})",
            seven.score
        );
    }
}

#[test]
fn capacity_grows_in_chunks_and_far_slots_work() {
    let Some(mut matcher) = matcher(Precision::F16) else {
        return;
    };
    assert_eq!(matcher.capacity(), 0);
    assert_eq!(
        matcher.search(&[0.5; 128], 3, None).expect("empty"),
        vec![Vec::new()]
    );
    let vector = Rng::new(120).vectors(1, 128);
    matcher.upsert(70_000, &vector).expect("upsert");
    assert_eq!(matcher.capacity(), 2 * argus_kernels::matcher::CHUNK_ROWS);
    let hits = matcher.search(&vector, 3, None).expect("search");
    assert_eq!(hits[0].len(), 1, "only one slot is alive");
    assert_eq!(hits[0][0].slot, 70_000);
}

#[test]
fn wrong_dimensions_are_bad_input() {
    let Some(mut matcher) = matcher(Precision::I8) else {
        return;
    };
    assert!(matches!(
        matcher.upsert(0, &[1.0; 3]),
        Err(KernelError::BadInput(_))
    ));
    matcher.upsert(0, &[1.0; 128]).expect("upsert");
    assert!(matches!(
        matcher.search(&[1.0; 129], 1, None),
        Err(KernelError::BadInput(_))
    ));
}

#[test]
fn runtime_selection_never_panics() {
    match select_backend() {
        Ok(backend) => {
            eprintln!("selected runtime: {}", backend.name());
            assert!(
                cuda_driver_present() || backend.name() == "wgpu",
                "CUDA chosen without a driver"
            );
        }
        Err(error) => eprintln!("no runtime here: {error}"),
    }
}
