//! M2 benchmark, Argus side: exact top-k on the GPU through `GpuMatcher` (fp16 storage) for
//! N x d x Q shapes with and without a 1 % list filter. Prints CSV rows in the same format as
//! `bench/gpu/torch_anchor.py`. Time = one `search` call (query upload, scan or GEMM, merge,
//! read-back; the matcher takes the GEMM path from 16 queries on, so Q = 100 and 1000 exercise
//! it, on tensor cores where the device has them: the product used is printed on stderr),
//! median of 10 after 3 warm-ups; the database upload happens in the warm-up. Recall@k is
//! against an fp64 exact search on the CPU for the first 10 queries. For each N x d a last row
//! ("after-upsert") times one upsert followed by one Q = 1 search, which refreshes the changed
//! page on the device.
//!
//! Usage: `cargo run --release --example m2_bench -- [--allow-wgpu] [--gemm fma|tensor-cores|emulated]
//! [--n 1000000 ...] [--d 128 ...] [--q 1 ...]`. Without `--allow-wgpu` it refuses to run on
//! anything but CUDA. `--gemm` forces the GEMM path's tile product (default: the matcher's
//! choice) and appends `-gemm-<product>` to the engine name, so the products can be compared.

use std::time::Instant;

use argus_kernels::gemm::TileProduct;
use argus_kernels::{GpuMatcher, Precision};

const K: usize = 10;
const WARMUP: usize = 3;
const REPEATS: usize = 10;
const RECALL_QUERIES: usize = 10;

struct Args {
    allow_wgpu: bool,
    /// The GEMM path's tile product and its engine-name suffix, when forced.
    gemm: Option<(TileProduct, &'static str)>,
    n: Vec<usize>,
    d: Vec<usize>,
    q: Vec<usize>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        allow_wgpu: false,
        gemm: None,
        n: vec![1_000_000, 10_000_000],
        d: vec![128, 512],
        q: vec![1, 100, 1000],
    };
    let mut list: Option<&mut Vec<usize>> = None;
    let mut expect_product = false;
    for arg in std::env::args().skip(1) {
        if expect_product {
            args.gemm = Some(match arg.as_str() {
                "fma" => (TileProduct::Fma, "fma"),
                "tensor-cores" => (TileProduct::TensorCores, "tensor-cores"),
                "emulated" => (TileProduct::Emulated, "emulated"),
                other => return Err(format!("unknown GEMM product: {other}")),
            });
            expect_product = false;
            continue;
        }
        match arg.as_str() {
            "--allow-wgpu" => args.allow_wgpu = true,
            "--gemm" => expect_product = true,
            "--n" => {
                args.n.clear();
                list = Some(&mut args.n)
            }
            "--d" => {
                args.d.clear();
                list = Some(&mut args.d)
            }
            "--q" => {
                args.q.clear();
                list = Some(&mut args.q)
            }
            value => {
                let number = value
                    .parse()
                    .map_err(|_| format!("not a number: {value}"))?;
                list.as_mut()
                    .ok_or(format!("value {value} before any --n/--d/--q"))?
                    .push(number);
            }
        }
    }
    if expect_product {
        return Err("--gemm needs a product: fma, tensor-cores or emulated".to_string());
    }
    Ok(args)
}

/// Worker threads for data generation and the fp64 reference (every core the machine has).
fn threads() -> usize {
    std::thread::available_parallelism().map_or(4, |n| n.get())
}

/// The `index`-th value of the seeded splitmix64 stream, uniform in [-1, 1): the stream is
/// counter-based, so any stretch of it can be made on any thread.
fn stream_value(seed: u64, index: u64) -> f32 {
    let mut z = seed.wrapping_add((index + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 40) as f32 / (1u64 << 23) as f32 - 1.0
}

/// Unit-norm rows from the seeded stream (uniform per value, then normalised), made in parallel.
fn unit_rows(count: usize, dim: usize, seed: u64) -> Vec<f32> {
    let mut values = vec![0f32; count * dim];
    let rows_per_thread = count.div_ceil(threads()).max(1);
    std::thread::scope(|scope| {
        for (part, chunk) in values.chunks_mut(rows_per_thread * dim).enumerate() {
            scope.spawn(move || {
                let first = (part * rows_per_thread * dim) as u64;
                for (offset, value) in chunk.iter_mut().enumerate() {
                    *value = stream_value(seed, first + offset as u64);
                }
                argus_kernels::l2::l2_normalize_ref(chunk, dim);
            });
        }
    });
    values
}

/// fp64 exact top-k of each query among rows passing `keep`, the database split over threads.
fn exact_top_k(
    database: &[f32],
    queries: &[f32],
    dim: usize,
    keep: &(dyn Fn(usize) -> bool + Sync),
) -> Vec<Vec<u32>> {
    let rows = database.len() / dim;
    let rows_per_thread = rows.div_ceil(threads()).max(1);
    let partial: Vec<Vec<Vec<(f64, u32)>>> = std::thread::scope(|scope| {
        let workers: Vec<_> = database
            .chunks(rows_per_thread * dim)
            .enumerate()
            .map(|(part, chunk)| {
                scope.spawn(move || {
                    let first_row = part * rows_per_thread;
                    queries
                        .chunks_exact(dim)
                        .map(|query| {
                            let mut best: Vec<(f64, u32)> = chunk
                                .chunks_exact(dim)
                                .enumerate()
                                .map(|(offset, stored)| (first_row + offset, stored))
                                .filter(|(row, _)| keep(*row))
                                .map(|(row, stored)| {
                                    let dot: f64 = stored
                                        .iter()
                                        .zip(query)
                                        .map(|(a, b)| f64::from(*a) * f64::from(*b))
                                        .sum();
                                    (dot, row as u32)
                                })
                                .collect();
                            best.sort_by(|a, b| b.0.total_cmp(&a.0));
                            best.truncate(K);
                            best
                        })
                        .collect()
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().expect("reference worker"))
            .collect()
    });
    (0..queries.len() / dim)
        .map(|query| {
            let mut best: Vec<(f64, u32)> = partial
                .iter()
                .flat_map(|part| part[query].clone())
                .collect();
            best.sort_by(|a, b| b.0.total_cmp(&a.0));
            best.into_iter().take(K).map(|(_, row)| row).collect()
        })
        .collect()
}

fn main() -> anyhow::Result<()> {
    let args = parse_args().map_err(anyhow::Error::msg)?;
    println!("engine,n,d,q,k,filter,ms_median,ms_min,recall_at_k");
    for &n in &args.n {
        for &d in &args.d {
            let database = unit_rows(n, d, 2026);
            let mut matcher = GpuMatcher::new(d, Precision::F16)?;
            if matcher.backend_name() != "cuda" && !args.allow_wgpu {
                anyhow::bail!(
                    "runtime is {}, not cuda (pass --allow-wgpu to run anyway)",
                    matcher.backend_name()
                );
            }
            matcher.force_gemm_product(args.gemm.map(|(product, _)| product));
            let engine = format!(
                "argus-{}-fp16{}",
                matcher.backend_name(),
                args.gemm
                    .map(|(_, name)| format!("-gemm-{name}"))
                    .unwrap_or_default()
            );
            eprintln!(
                "m2_bench: N = {n}, d = {d}: batches of 16 or more take the GEMM path with the {:?} tile product",
                matcher.gemm_product()
            );
            matcher.upsert_batch(0, &database)?;
            let capacity = matcher.capacity();
            let list_filter: Vec<u32> = (0..capacity.div_ceil(32))
                .map(|word| {
                    (0..32)
                        .filter(|bit| (word * 32 + bit) % 100 == 7)
                        .fold(0u32, |acc, bit| acc | 1 << bit)
                })
                .collect();
            for &q in &args.q {
                let queries = unit_rows(q, d, 7 + q as u64);
                for (name, filter) in [("none", None), ("1pct", Some(list_filter.as_slice()))] {
                    for _ in 0..WARMUP {
                        matcher.search(&queries, K, filter)?;
                    }
                    let mut times = Vec::with_capacity(REPEATS);
                    let mut hits = Vec::new();
                    for _ in 0..REPEATS {
                        let start = Instant::now();
                        hits = matcher.search(&queries, K, filter)?;
                        times.push(start.elapsed().as_secs_f64() * 1e3);
                    }
                    times.sort_by(f64::total_cmp);
                    let filtered = filter.is_some();
                    let keep = move |row: usize| !filtered || row % 100 == 7;
                    let checked = &queries[..RECALL_QUERIES.min(q) * d];
                    let truth = exact_top_k(&database, checked, d, &keep);
                    let found: usize = truth
                        .iter()
                        .zip(&hits)
                        .map(|(truth, got)| {
                            got.iter().filter(|hit| truth.contains(&hit.slot)).count()
                        })
                        .sum();
                    let recall = found as f64 / (K * RECALL_QUERIES.min(q)) as f64;
                    println!(
                        "{engine},{n},{d},{q},{K},{name},{:.4},{:.4},{recall:.4}",
                        times[times.len() / 2],
                        times[0]
                    );
                }
            }
            upsert_then_search(&mut matcher, &database, n, d)?;
        }
    }
    Ok(())
}

/// Time of one upsert (a stored row replaced by itself) followed by one Q = 1 search, which
/// brings the changed chunk to the device first: row `filter` column "after-upsert", recall of
/// the search's first hit being the upserted row.
fn upsert_then_search(
    matcher: &mut GpuMatcher,
    database: &[f32],
    n: usize,
    d: usize,
) -> anyhow::Result<()> {
    let mut times = Vec::with_capacity(REPEATS);
    let mut found = 0;
    for round in 0..WARMUP + REPEATS {
        let slot = (round * 7919) % n;
        let row = &database[slot * d..(slot + 1) * d];
        let start = Instant::now();
        matcher.upsert(slot as u32, row)?;
        let hits = matcher.search(row, K, None)?;
        if round >= WARMUP {
            times.push(start.elapsed().as_secs_f64() * 1e3);
            found += usize::from(hits[0].first().is_some_and(|hit| hit.slot == slot as u32));
        }
    }
    times.sort_by(f64::total_cmp);
    println!(
        "argus-{}-fp16,{n},{d},1,{K},after-upsert,{:.4},{:.4},{:.4}",
        matcher.backend_name(),
        times[times.len() / 2],
        times[0],
        found as f64 / REPEATS as f64
    );
    Ok(())
}
