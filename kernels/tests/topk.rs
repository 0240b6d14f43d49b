//! `scan_topk_*` + `merge_topk` against their references: seeded random data, exact dyadic
//! data, batches that fill query tiles partly and wholly, and the edge cases (empty index, all
//! deleted, N not a multiple of the cube, k > N, a filter matching nothing, k large enough to
//! shrink the cube).

use argus_kernels::layout::interleave;
use argus_kernels::quantize::{quantize_i8_ref, to_f16_ref};
use argus_kernels::topk::{
    DeviceRows, Eligible, FilterBits, Hit, QUERY_TILE, ScanShape, SearchPath, SearchRequest,
    i8_bytes, scan_topk_f16_ref, scan_topk_i8_ref, search_gpu, search_on_path, vector_width,
};
use argus_kernels::{KernelError, Result};
use cubecl::prelude::*;
use half::f16;

use crate::common::{F16_SCORE_ABS, Rng, TestRuntime, bitmap, gpu};

/// Top-k lists of every query.
pub type HitLists = Vec<Vec<Hit>>;

/// One search: seeded data, the alive bitmap (`filter`), an optional caller filter the kernel
/// ANDs with it, and the path to run.
pub struct Case {
    pub rows: usize,
    pub dim: usize,
    pub queries: usize,
    pub k: usize,
    pub seed: u64,
    pub dyadic: bool,
    pub filter: Vec<u32>,
    pub caller: Option<Vec<u32>>,
    pub path: SearchPath,
}

impl Case {
    pub fn new(rows: usize, dim: usize, queries: usize, k: usize, seed: u64) -> Self {
        Case {
            rows,
            dim,
            queries,
            k,
            seed,
            dyadic: false,
            filter: bitmap(rows, |_| true),
            caller: None,
            path: SearchPath::Scan,
        }
    }

    /// What the reference searches: alive AND the caller's filter (missing words are zero).
    fn eligible_bits(&self) -> Vec<u32> {
        match &self.caller {
            None => self.filter.clone(),
            Some(caller) => self
                .filter
                .iter()
                .enumerate()
                .map(|(i, alive)| alive & caller.get(i).copied().unwrap_or(0))
                .collect(),
        }
    }

    fn eligible(&self) -> Eligible<'_> {
        Eligible {
            alive: FilterBits::Host(&self.filter),
            filter: self.caller.as_deref(),
        }
    }

    fn data(&self) -> (Vec<f32>, Vec<f32>) {
        let mut rng = Rng::new(self.seed);
        if self.dyadic {
            (
                rng.dyadic_vectors(self.rows, self.dim),
                rng.dyadic_vectors(self.queries, self.dim),
            )
        } else {
            (
                rng.vectors(self.rows, self.dim),
                rng.vectors(self.queries, self.dim),
            )
        }
    }
}

pub fn run_f16(client: &ComputeClient<TestRuntime>, case: &Case) -> Result<(HitLists, HitLists)> {
    let (database, queries) = case.data();
    let packed = to_f16_ref(&database);
    let width = vector_width(client, 2, case.dim);
    let handle = client.create_from_slice(f16::as_bytes(&interleave(&packed, case.dim, width)));
    let request = SearchRequest {
        rows: case.rows,
        dim: case.dim,
        queries: &queries,
        k: case.k,
    };
    let gpu = search_on_path(
        client,
        DeviceRows::F16 { values: &handle },
        case.eligible(),
        &request,
        case.path,
    )?;
    let bits = case.eligible_bits();
    Ok((gpu, scan_topk_f16_ref(&packed, &bits, &request, width)))
}

pub fn run_i8(client: &ComputeClient<TestRuntime>, case: &Case) -> Result<(HitLists, HitLists)> {
    let (database, queries) = case.data();
    let (codes, scales) = quantize_i8_ref(&database, case.dim);
    let width = vector_width(client, 1, case.dim);
    let codes_handle = client.create_from_slice(i8_bytes(&interleave(&codes, case.dim, width)));
    let scales_handle = client.create_from_slice(f32::as_bytes(&scales));
    let request = SearchRequest {
        rows: case.rows,
        dim: case.dim,
        queries: &queries,
        k: case.k,
    };
    let rows = DeviceRows::I8 {
        codes: &codes_handle,
        scales: &scales_handle,
    };
    let gpu = search_on_path(client, rows, case.eligible(), &request, case.path)?;
    let bits = case.eligible_bits();
    Ok((gpu, scan_topk_i8_ref(&codes, &scales, &bits, &request)))
}

/// Ids and scores equal, bit for bit.
pub fn assert_exact(gpu: &[Vec<Hit>], reference: &[Vec<Hit>], what: &str) {
    assert_eq!(gpu.len(), reference.len(), "{what}: query count");
    for (q, (g, r)) in gpu.iter().zip(reference).enumerate() {
        let g_ids: Vec<u32> = g.iter().map(|h| h.slot).collect();
        let r_ids: Vec<u32> = r.iter().map(|h| h.slot).collect();
        assert_eq!(g_ids, r_ids, "{what}: query {q} ids");
        let g_scores: Vec<u32> = g.iter().map(|h| h.score.to_bits()).collect();
        let r_scores: Vec<u32> = r.iter().map(|h| h.score.to_bits()).collect();
        assert_eq!(g_scores, r_scores, "{what}: query {q} scores");
    }
}

/// Same length; scores within `tolerance`; an id may differ from the reference only where the
/// reference holds a near-tie (two scores closer than the tolerance) at that rank.
pub fn assert_close(gpu: &[Vec<Hit>], reference: &[Vec<Hit>], tolerance: f32, what: &str) {
    assert_eq!(gpu.len(), reference.len(), "{what}: query count");
    for (q, (g, r)) in gpu.iter().zip(reference).enumerate() {
        assert_eq!(g.len(), r.len(), "{what}: query {q} hit count");
        for (rank, (gh, rh)) in g.iter().zip(r).enumerate() {
            assert!(
                (gh.score - rh.score).abs() <= tolerance,
                "{what}: q {q} rank {rank}: {gh:?} vs {rh:?}"
            );
            if gh.slot != rh.slot {
                let tie = r
                    .iter()
                    .any(|o| o.slot == gh.slot && (o.score - rh.score).abs() <= tolerance);
                assert!(
                    tie,
                    "{what}: q {q} rank {rank}: slot {} vs {}",
                    gh.slot, rh.slot
                );
            }
        }
    }
}

#[test]
fn f16_scan_matches_reference_on_random_data() {
    let Some(client) = gpu() else { return };
    for case in [
        Case::new(1000, 128, 1, 10, 30),
        Case::new(3001, 512, 3, 10, 31),
        Case::new(777, 128, 5, 1, 32),
    ] {
        let (gpu, reference) = run_f16(&client, &case).expect("search");
        assert_close(
            &gpu,
            &reference,
            F16_SCORE_ABS * case.dim as f32 / 8.0,
            &format!("seed {}", case.seed),
        );
    }
}

#[test]
fn f16_scan_is_exact_on_dyadic_data() {
    let Some(client) = gpu() else { return };
    // 70_001 rows: more than MAX_SCAN_CUBES cubes' worth, so threads stride; not a multiple of 32.
    for (rows, k, seed) in [(70_001, 10, 40), (257, 100, 41), (5, 3, 42)] {
        let mut case = Case::new(rows, 128, 2, k, seed);
        case.dyadic = true; // many exact ties: the slot order decides
        let (gpu, reference) = run_f16(&client, &case).expect("search");
        assert_exact(&gpu, &reference, &format!("dyadic seed {seed}"));
        assert_eq!(gpu[0].len(), k.min(rows));
    }
}

#[test]
fn i8_scan_is_exact() {
    let Some(client) = gpu() else { return };
    for (rows, dim, queries, k, seed) in [
        (1000, 128, 1, 10, 50),
        (4099, 512, 2, 10, 51),
        (100, 128, 3, 32, 52),
    ] {
        let case = Case::new(rows, dim, queries, k, seed);
        let (gpu, reference) = run_i8(&client, &case).expect("search");
        assert_exact(&gpu, &reference, &format!("i8 seed {seed}"));
    }
}

#[test]
fn query_tiles_are_chosen_by_batch_size_and_k() {
    assert_eq!(ScanShape::new(1_000_000, 10, 1).tile, 1);
    assert_eq!(ScanShape::new(1_000_000, 10, 3).tile, 3);
    assert_eq!(ScanShape::new(1_000_000, 10, 1000).tile, QUERY_TILE);
    assert!(ScanShape::new(1_000_000, 10, 1000).threads >= 32);
    // k = 100 leaves no room for a tile of lists: one query per cube, as before tiling.
    assert_eq!(ScanShape::new(1_000_000, 100, 1000).tile, 1);
    assert_eq!(ScanShape::new(1_000_000, 100, 1000).threads, 16);
}

#[test]
fn batches_filling_query_tiles_partly_and_wholly_match_the_reference() {
    let Some(client) = gpu() else { return };
    // 1 (no tile), 3 (one partial tile), 4 (one full tile), 9 (two full + a partial one), with
    // a filter so that tiles skip the same rows for every query.
    for (queries, seed) in [(1, 110), (3, 111), (4, 112), (9, 113)] {
        let mut case = Case::new(5_003, 128, queries, 10, seed);
        case.dyadic = true;
        case.filter = bitmap(case.rows, |row| row % 5 != 2);
        let (gpu, reference) = run_f16(&client, &case).expect("f16 search");
        assert_exact(&gpu, &reference, &format!("f16 tiles, {queries} queries"));
        let (gpu, reference) = run_i8(&client, &case).expect("i8 search");
        assert_exact(&gpu, &reference, &format!("i8 tiles, {queries} queries"));
        assert_eq!(gpu.len(), queries);
    }
}

#[test]
fn filters_and_deletes_are_honoured_inside_the_scan() {
    let Some(client) = gpu() else { return };
    let mut case = Case::new(2000, 128, 2, 10, 60);
    case.filter = bitmap(case.rows, |row| row % 100 == 7); // a 1 % list filter
    let (gpu, reference) = run_f16(&client, &case).expect("search");
    assert_close(&gpu, &reference, F16_SCORE_ABS * 16.0, "1% filter");
    assert!(gpu.iter().flatten().all(|hit| hit.slot % 100 == 7));
    let (gpu, reference) = run_i8(&client, &case).expect("search");
    assert_exact(&gpu, &reference, "1% filter i8");
}

#[test]
fn the_callers_filter_is_anded_with_the_alive_bitmap_inside_the_scan() {
    let Some(client) = gpu() else { return };
    let mut case = Case::new(3_000, 128, 3, 10, 61);
    case.dyadic = true;
    case.filter = bitmap(case.rows, |row| row % 3 != 0); // deleted slots
    let mut caller = bitmap(case.rows, |row| row % 2 == 0);
    caller.truncate(60); // words past the end count as zero: slots from 1920 on are out
    case.caller = Some(caller);
    let eligible = |slot: u32| !slot.is_multiple_of(3) && slot.is_multiple_of(2) && slot < 1920;
    let (gpu, reference) = run_f16(&client, &case).expect("f16 search");
    assert_exact(&gpu, &reference, "f16 alive AND filter");
    assert!(gpu.iter().flatten().all(|hit| eligible(hit.slot)));
    assert_eq!(gpu[0].len(), 10);
    let (gpu, reference) = run_i8(&client, &case).expect("i8 search");
    assert_exact(&gpu, &reference, "i8 alive AND filter");
    case.caller = Some(Vec::new());
    let (gpu, _) = run_f16(&client, &case).expect("empty filter");
    assert_eq!(gpu, vec![Vec::new(); 3]);
}

#[test]
fn a_filter_that_matches_nothing_returns_no_hits() {
    let Some(client) = gpu() else { return };
    let mut case = Case::new(1000, 128, 3, 10, 70);
    case.filter = bitmap(case.rows, |_| false); // also "every slot deleted"
    let (gpu, _) = run_f16(&client, &case).expect("search");
    assert_eq!(gpu, vec![Vec::new(); 3]);
    let (gpu, _) = run_i8(&client, &case).expect("search");
    assert_eq!(gpu, vec![Vec::new(); 3]);
}

#[test]
fn k_larger_than_the_index_returns_every_eligible_slot() {
    let Some(client) = gpu() else { return };
    let mut case = Case::new(37, 128, 2, 50, 80);
    case.filter = bitmap(case.rows, |row| row != 3);
    let (gpu, reference) = run_i8(&client, &case).expect("search");
    assert_exact(&gpu, &reference, "k > N");
    assert_eq!(gpu[0].len(), 36);
}

#[test]
fn an_empty_index_returns_no_hits() {
    let Some(client) = gpu() else { return };
    let case = Case::new(0, 128, 2, 10, 90);
    let (gpu, reference) = run_f16(&client, &case).expect("search");
    assert_eq!(gpu, vec![Vec::new(); 2]);
    assert_eq!(reference, gpu);
}

#[test]
fn bad_requests_are_typed_errors() {
    let Some(client) = gpu() else { return };
    let mut case = Case::new(10, 128, 1, 300, 100);
    assert!(run_f16(&client, &case).is_err(), "k above MAX_K");
    case.k = 10;
    case.filter = Vec::new();
    assert!(
        run_f16(&client, &case).is_err(),
        "alive bitmap shorter than the rows"
    );
    // Ten rows packed plainly, without the interleaved layout's padding to a group of 32.
    let plain = client.create_from_slice(f16::as_bytes(&to_f16_ref(&[0.5; 10 * 128])));
    let request = SearchRequest {
        rows: 10,
        dim: 128,
        queries: &[0.5; 128],
        k: 1,
    };
    let every = bitmap(10, |_| true);
    let eligible = Eligible {
        alive: FilterBits::Host(&every),
        filter: None,
    };
    let searched = search_gpu(
        &client,
        DeviceRows::F16 { values: &plain },
        eligible,
        &request,
    );
    assert!(
        matches!(searched, Err(KernelError::BadInput(_))),
        "a database buffer shorter than the layout: {searched:?}"
    );
}

/// Known gap: on lavapipe, searches with k of about 100 and more over 262 144 rows come back
/// unwritten (`Internal`), some of the time; k = 64 works. Run on a GPU with `--include-ignored`.
#[test]
#[ignore = "fails on lavapipe for k >= 100 over many rows; see kernels/README.md, known gaps"]
fn large_k_over_many_rows_matches_the_reference() {
    let Some(client) = gpu() else { return };
    for (rows, k, seed) in [
        (262_144, 100, 150),
        (262_144, 256, 151),
        (1_000_000, 127, 152),
    ] {
        let case = Case::new(rows, 128, 1, k, seed);
        let (gpu, reference) = run_f16(&client, &case).expect("search");
        assert_close(
            &gpu,
            &reference,
            F16_SCORE_ABS * 16.0,
            &format!("k {k} over {rows} rows"),
        );
    }
}
