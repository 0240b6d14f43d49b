//! `gemm_topk` + `merge_topk` (the large-batch path) against the scan references: seeded random
//! and exact dyadic data, batches and row counts that are not multiples of the 64 x 64 tile, a
//! dimension that ends in a partial step, the alive bitmap ANDed with a caller's filter, the
//! edge cases (empty index, all deleted, k > N, a filter matching nothing, a 1 % filter), the
//! path choice, and `GpuMatcher` taking the path on its own for a large batch. Every case runs
//! with each tile product the client can run: FMA and emulated fragments everywhere, tensor
//! cores where the client reports them (CUDA).

use argus_kernels::gemm::{
    GEMM_MAX_K, GEMM_MIN_QUERIES, GEMM_QUERIES, GemmShape, TileProduct, shared_bytes,
};
use argus_kernels::quantize::to_f16_ref;
use argus_kernels::topk::{
    DeviceRows, SearchPath, SearchRequest, scan_topk_f16_ref, scan_topk_i8_ref, vector_width,
};
use argus_kernels::{GpuMatcher, KernelError, Precision};
use cubecl::prelude::*;
use half::f16;

use crate::common::{F16_SCORE_ABS, Rng, TestRuntime, bitmap, gpu, test_backend};
use crate::topk::{Case, assert_close, assert_exact, run_f16, run_i8};

fn gemm_case(rows: usize, dim: usize, queries: usize, k: usize, seed: u64) -> Case {
    let mut case = Case::new(rows, dim, queries, k, seed);
    case.path = SearchPath::Gemm(TileProduct::Fma);
    case
}

/// The tile products this client can run: FMA and emulated fragments always, tensor cores when
/// the client reports the fragment configs (fp16 and int8) and 32-thread planes.
fn products(client: &ComputeClient<TestRuntime>) -> Vec<TileProduct> {
    let mut products = vec![TileProduct::Fma, TileProduct::Emulated];
    if tensor_cores(client, false) && tensor_cores(client, true) {
        products.push(TileProduct::TensorCores);
    }
    products
}

fn tensor_cores(client: &ComputeClient<TestRuntime>, int8: bool) -> bool {
    let properties = client.properties();
    TileProduct::for_features(
        &properties.features.matmul.cmma,
        properties.hardware.plane_size_min,
        properties.hardware.plane_size_max,
        int8,
    ) == TileProduct::TensorCores
}

/// `case` on `product`, or `None` where the product's shared memory for the case's k does not
/// fit this device (the fragment products at k = 32 on lavapipe's 32 KiB).
fn on(client: &ComputeClient<TestRuntime>, case: &Case, product: TileProduct) -> Option<Case> {
    let limit = client.properties().hardware.max_shared_memory_size;
    // fp16 needs the more shared memory of the two storage types.
    let fits = shared_bytes(case.k, product, false) <= limit;
    fits.then(|| Case {
        path: SearchPath::Gemm(product),
        filter: case.filter.clone(),
        caller: case.caller.clone(),
        ..*case
    })
}

#[test]
fn f16_gemm_matches_the_reference_on_random_data() {
    let Some(client) = gpu() else { return };
    // 70 queries: one full tile of 64 and a partial one; 3 001 rows: 47 tiles, the last partial.
    for product in products(&client) {
        for case in [
            gemm_case(3_001, 128, 70, 10, 200),
            gemm_case(1_000, 512, 17, 5, 201),
        ] {
            let case = on(&client, &case, product).expect("k <= 10 fits every product");
            let (gpu, reference) = run_f16(&client, &case).expect("search");
            assert_close(
                &gpu,
                &reference,
                F16_SCORE_ABS * case.dim as f32 / 8.0,
                &format!("{product:?} gemm seed {}", case.seed),
            );
            assert_eq!(gpu[case.queries - 1].len(), case.k);
        }
    }
}

#[test]
fn f16_gemm_is_exact_on_dyadic_data() {
    let Some(client) = gpu() else { return };
    // 72 dimensions: four steps of 16 and a partial one of 8. k = GEMM_MAX_K, and k = 1.
    let mut ran = 0;
    for product in products(&client) {
        for (rows, dim, queries, k, seed) in [
            (5_003, 128, 100, 10, 210),
            (777, 72, 33, GEMM_MAX_K, 211),
            (64, 128, 64, 1, 212),
        ] {
            let mut case = gemm_case(rows, dim, queries, k, seed);
            case.dyadic = true; // many exact ties: the slot order decides
            case.filter = bitmap(rows, |row| row % 7 != 3); // deleted slots
            let Some(case) = on(&client, &case, product) else {
                continue;
            };
            let (gpu, reference) = run_f16(&client, &case).expect("search");
            assert_exact(
                &gpu,
                &reference,
                &format!("{product:?} dyadic gemm seed {seed}"),
            );
            assert_eq!(gpu.len(), queries);
            assert!(gpu.iter().all(|hits| hits.len() == k));
            ran += 1;
        }
    }
    // FMA runs all three; the fragment products at least the two with k <= 10.
    assert!(ran >= 3 + 2 * (products(&client).len() - 1), "{ran} runs");
}

#[test]
fn i8_gemm_is_exact() {
    let Some(client) = gpu() else { return };
    let mut ran = 0;
    for product in products(&client) {
        for (rows, dim, queries, k, seed) in [(4_099, 128, 65, 10, 220), (300, 512, 20, 32, 221)] {
            let Some(case) = on(&client, &gemm_case(rows, dim, queries, k, seed), product) else {
                continue;
            };
            let (gpu, reference) = run_i8(&client, &case).expect("search");
            assert_exact(
                &gpu,
                &reference,
                &format!("{product:?} i8 gemm seed {seed}"),
            );
            ran += 1;
        }
    }
    assert!(ran >= 2 + (products(&client).len() - 1), "{ran} runs");
}

#[test]
fn the_gemm_ands_the_callers_filter_with_the_alive_bitmap() {
    let Some(client) = gpu() else { return };
    for product in products(&client) {
        let mut case = gemm_case(5_000, 128, 40, 10, 230);
        case.dyadic = true;
        case.filter = bitmap(case.rows, |row| row % 3 != 0);
        // A 1 % list filter, cut short: words past its end count as zero (slots from 4 480 on).
        let mut caller = bitmap(case.rows, |row| row % 100 == 7);
        caller.truncate(140);
        case.caller = Some(caller);
        let case = on(&client, &case, product).expect("k = 10 fits");
        let eligible = |slot: u32| !slot.is_multiple_of(3) && slot % 100 == 7 && slot < 4_480;
        let (gpu, reference) = run_f16(&client, &case).expect("f16 search");
        assert_exact(&gpu, &reference, &format!("{product:?} f16 1% filter"));
        assert!(gpu.iter().flatten().all(|hit| eligible(hit.slot)));
        assert_eq!(gpu[0].len(), 10);
        let (gpu, reference) = run_i8(&client, &case).expect("i8 search");
        assert_exact(&gpu, &reference, &format!("{product:?} i8 1% filter"));
    }
}

#[test]
fn gemm_edge_cases_return_exactly_the_eligible_slots() {
    let Some(client) = gpu() else { return };
    for product in products(&client) {
        let gemm = |rows, k, seed| {
            on(&client, &gemm_case(rows, 128, 20, k, seed), product).expect("k <= 10 fits")
        };
        // Empty index.
        let case = gemm(0, 10, 240);
        let (gpu, _) = run_f16(&client, &case).expect("empty index");
        assert_eq!(gpu, vec![Vec::new(); 20]);
        // Every slot deleted.
        let mut case = gemm(1_000, 10, 241);
        case.filter = bitmap(case.rows, |_| false);
        let (gpu, _) = run_f16(&client, &case).expect("all deleted");
        assert_eq!(gpu, vec![Vec::new(); 20]);
        let (gpu, _) = run_i8(&client, &case).expect("all deleted, i8");
        assert_eq!(gpu, vec![Vec::new(); 20]);
        // A caller's filter that matches nothing, and an empty one.
        for caller in [bitmap(1_000, |_| false), Vec::new()] {
            let mut case = gemm(1_000, 10, 242);
            case.caller = Some(caller);
            let (gpu, _) = run_f16(&client, &case).expect("filter matching nothing");
            assert_eq!(gpu, vec![Vec::new(); 20]);
        }
        // k > N: every eligible slot, in order (k = 32 where it fits, k = 10 everywhere).
        for (rows, k) in [(20, GEMM_MAX_K), (7, 10)] {
            let Some(mut case) = on(&client, &gemm_case(rows, 128, 20, k, 243), product) else {
                continue;
            };
            case.dyadic = true;
            case.filter = bitmap(case.rows, |row| row != 3);
            let (gpu, reference) = run_f16(&client, &case).expect("k > N");
            assert_exact(&gpu, &reference, &format!("{product:?} k > N"));
            assert_eq!(gpu[19].len(), rows - 1);
            let (gpu, reference) = run_i8(&client, &case).expect("k > N, i8");
            assert_exact(&gpu, &reference, &format!("{product:?} k > N, i8"));
        }
    }
}

#[test]
fn the_gemm_path_refuses_what_it_cannot_run() {
    let Some(client) = gpu() else { return };
    let case = gemm_case(100, 128, 20, GEMM_MAX_K + 1, 250);
    assert!(matches!(
        run_f16(&client, &case),
        Err(KernelError::BadInput(_))
    ));
    // Tensor cores where the client reports none (lavapipe): refused, not run on something else.
    if !tensor_cores(&client, false) {
        let mut case = gemm_case(100, 128, 20, 10, 251);
        case.path = SearchPath::Gemm(TileProduct::TensorCores);
        assert!(matches!(
            run_f16(&client, &case),
            Err(KernelError::BadInput(_))
        ));
    }
}

#[test]
fn the_path_follows_the_batch_size_and_k() {
    let Some(client) = gpu() else { return };
    let handle = client.create_from_slice(f16::as_bytes(&[f16::ZERO; 32 * 128]));
    let database = DeviceRows::F16 { values: &handle };
    let queries = vec![0.5f32; 1000 * 128];
    let path = |count: usize, k: usize| {
        let request = SearchRequest {
            rows: 32,
            dim: 128,
            queries: &queries[..count * 128],
            k,
        };
        SearchPath::choose(&client, &database, &request)
    };
    // The CUDA tests run on an H200, which reports fp16 and int8 fragments: tensor cores there.
    // Lavapipe reports no cooperative matrices: FMAs.
    let product = if cfg!(feature = "cuda-tests") {
        TileProduct::TensorCores
    } else {
        TileProduct::Fma
    };
    assert_eq!(TileProduct::choose(&client, false), product);
    assert_eq!(TileProduct::choose(&client, true), product);
    assert_eq!(path(1, 10), SearchPath::Scan);
    assert_eq!(path(GEMM_MIN_QUERIES - 1, 10), SearchPath::Scan);
    assert_eq!(path(GEMM_MIN_QUERIES, 10), SearchPath::Gemm(product));
    assert_eq!(path(1000, 10), SearchPath::Gemm(product));
    assert_eq!(path(1000, GEMM_MAX_K + 1), SearchPath::Scan);
    assert_eq!(
        GemmShape::new(10_000_000, 1000).query_tiles,
        1000usize.div_ceil(GEMM_QUERIES)
    );
    assert_eq!(GemmShape::new(10_000_000, 1000).row_cubes, 64);
    assert_eq!(GemmShape::new(100, 1000).row_cubes, 2);
}

#[test]
fn the_matcher_takes_the_gemm_path_for_a_large_batch() {
    for precision in [Precision::F16, Precision::I8] {
        let Some(client) = gpu() else { return };
        let width = vector_width(
            &client,
            if precision == Precision::F16 { 2 } else { 1 },
            128,
        );
        let mut matcher =
            GpuMatcher::with_backend(test_backend(client), 128, precision).expect("matcher");
        let mut rng = Rng::new(260);
        let (rows, queries) = (700, 40);
        let vectors = rng.dyadic_vectors(rows, 128);
        matcher.upsert_batch(0, &vectors).expect("upsert");
        for slot in (0..rows as u32).filter(|slot| slot % 5 == 1) {
            matcher.remove(slot);
        }
        let alive = bitmap(rows, |row| row % 5 != 1);
        let list = bitmap(rows, |row| row % 4 == 0);
        let query_values = rng.dyadic_vectors(queries, 128);
        let request = SearchRequest {
            rows,
            dim: 128,
            queries: &query_values,
            k: 10,
        };
        // The product the matcher picks itself, then the emulated fragments forced on it.
        let chosen = if cfg!(feature = "cuda-tests") {
            TileProduct::TensorCores
        } else {
            TileProduct::Fma
        };
        assert_eq!(matcher.gemm_product(), chosen);
        for (forced, filter) in [
            (None, None),
            (None, Some(list.as_slice())),
            (Some(TileProduct::Emulated), None),
            (Some(TileProduct::Emulated), Some(list.as_slice())),
        ] {
            matcher.force_gemm_product(forced);
            assert_eq!(matcher.gemm_product(), forced.unwrap_or(chosen));
            let gpu = matcher.search(&query_values, 10, filter).expect("search");
            let bits: Vec<u32> = match filter {
                None => alive.clone(),
                Some(list) => alive.iter().zip(list).map(|(a, l)| a & l).collect(),
            };
            let reference = match precision {
                Precision::F16 => scan_topk_f16_ref(&to_f16_ref(&vectors), &bits, &request, width),
                Precision::I8 => {
                    let (codes, scales) = argus_kernels::quantize::quantize_i8_ref(&vectors, 128);
                    scan_topk_i8_ref(&codes, &scales, &bits, &request)
                }
            };
            assert_exact(
                &gpu,
                &reference,
                &format!(
                    "{precision:?} matcher, {forced:?}, filter {}",
                    filter.is_some()
                ),
            );
        }
    }
}
