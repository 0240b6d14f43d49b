//! `GpuMatcher`: upserts, removals, filters and chunked growth, checked against the scan
//! reference on the same stored data.

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
