//! Benchmark M1, the Argus side: writes a seeded data set that the FAISS anchor reads too, then measures the
//! index: bulk-load rate (`upsert_many`), Q = 1 and Q = 100 throughput, a 1 % list filter, recall@10 against fp64 brute force, and the
//! machine's read bandwidth (a STREAM-like sum) to say how close the scan gets to it.
//!
//! Usage: m1-index WORK_DIR N DIM THREADS STORAGE(f32|f16|i8) OUT_JSON

use anyhow::{Context, bail};
use argus_index::{Filter, FlatIndex, Hit, IndexConfig, ItemMeta, Storage};
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;
use uuid::Uuid;

const Q1_QUERIES: usize = 200;
const BATCH: usize = 100;
const RECALL_QUERIES: usize = 20;
const K: usize = 10;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn gauss_like(&mut self) -> f32 {
        (0..4)
            .map(|_| (self.next() >> 40) as f32 / (1u64 << 24) as f32)
            .sum::<f32>()
            - 2.0
    }
    fn unit(&mut self, dim: usize) -> Vec<f32> {
        let v: Vec<f32> = (0..dim).map(|_| self.gauss_like()).collect();
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.into_iter().map(|x| x / n).collect()
    }
}

#[derive(Serialize)]
struct Report {
    engine: &'static str,
    simd: &'static str,
    storage: String,
    n: usize,
    dim: usize,
    threads: usize,
    bytes_per_descriptor: usize,
    build_per_second: f64,
    q1_per_second: f64,
    q100_queries_per_second: f64,
    filtered_q1_per_second: f64,
    recall_at_10: f64,
    bandwidth_gb_s: f64,
    scan_gb_s: f64,
}

fn write_f32(path: &PathBuf, rows: &[Vec<f32>]) -> anyhow::Result<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    for r in rows {
        for v in r {
            f.write_all(&v.to_le_bytes())?;
        }
    }
    Ok(f.flush()?)
}

/// Read bandwidth: `threads` threads summing a 1 GiB buffer of u64 (integer adds vectorise, so the loop is
/// limited by memory, not by a floating-point dependency chain), best of three.
fn bandwidth(threads: usize) -> f64 {
    let data = vec![1u64; 1 << 27];
    let mut best = 0f64;
    for _ in 0..3 {
        let t = Instant::now();
        let total: u64 = std::thread::scope(|s| {
            let parts: Vec<_> = data
                .chunks(data.len().div_ceil(threads))
                .map(|c| s.spawn(move || c.iter().fold(0u64, |a, &x| a.wrapping_add(x))))
                .collect();
            parts
                .into_iter()
                .map(|h| h.join().unwrap_or(0))
                .fold(0u64, u64::wrapping_add)
        });
        std::hint::black_box(total);
        best = best.max((data.len() * 8) as f64 / t.elapsed().as_secs_f64() / 1e9);
    }
    best
}

fn brute_force(data: &[Vec<f32>], q: &[f32]) -> Vec<usize> {
    let mut all: Vec<(f64, usize)> = data
        .iter()
        .enumerate()
        .map(|(i, v)| {
            (
                v.iter()
                    .zip(q)
                    .map(|(a, b)| f64::from(*a) * f64::from(*b))
                    .sum(),
                i,
            )
        })
        .collect();
    all.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    all.into_iter().take(K).map(|x| x.1).collect()
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 7 {
        bail!("usage: m1-index WORK_DIR N DIM THREADS STORAGE OUT_JSON");
    }
    let work = PathBuf::from(&args[1]);
    let n: usize = args[2].parse().context("N")?;
    let dim: usize = args[3].parse().context("DIM")?;
    let threads: usize = args[4].parse().context("THREADS")?;
    let storage = match args[5].as_str() {
        "f32" => Storage::F32,
        "f16" => Storage::F16,
        "i8" => Storage::I8,
        other => bail!("unknown storage {other}"),
    };

    let mut rng = Rng(0x5EED ^ (n as u64) ^ ((dim as u64) << 32));
    let data: Vec<Vec<f32>> = (0..n).map(|_| rng.unit(dim)).collect();
    // Queries near stored items (a face query usually has a match), plus noise.
    let queries: Vec<Vec<f32>> = (0..Q1_QUERIES.max(BATCH))
        .map(|_| {
            let base = &data[(rng.next() % n as u64) as usize];
            let noise = rng.unit(dim);
            base.iter().zip(noise).map(|(b, e)| b + 0.5 * e).collect()
        })
        .collect();
    let list = Uuid::from_u128(7);
    let members: Vec<bool> = (0..n).map(|i| i % 100 == 0).collect();
    std::fs::create_dir_all(&work)?;
    if !work.join("data.f32").exists() {
        write_f32(&work.join("data.f32"), &data)?;
        write_f32(&work.join("queries.f32"), &queries)?;
    }

    let index = FlatIndex::with_threads(IndexConfig { dim, storage }, threads)?;
    let ids: Vec<Uuid> = (0..n).map(|i| Uuid::from_u128(i as u128 + 1)).collect();
    let t = Instant::now();
    index.upsert_many(data.iter().enumerate().map(|(i, v)| {
        let lists = if members[i] { vec![list] } else { Vec::new() };
        let meta = ItemMeta {
            lists,
            ..ItemMeta::default()
        };
        (ids[i], v.clone(), meta)
    }))?;
    let build_per_second = n as f64 / t.elapsed().as_secs_f64();

    // Measured right before the scan it is compared with, so both see the same machine load.
    let bandwidth_gb_s = bandwidth(threads);
    let none = Filter::default();
    let t = Instant::now();
    for q in queries.iter().take(Q1_QUERIES) {
        std::hint::black_box(index.search(q, K, &none)?);
    }
    let q1_secs = t.elapsed().as_secs_f64() / Q1_QUERIES as f64;

    let t = Instant::now();
    std::hint::black_box(index.search_batch(&queries[..BATCH], K, &none)?);
    let q100_queries_per_second = BATCH as f64 / t.elapsed().as_secs_f64();

    let filter = Filter {
        lists: Some(vec![list]),
        ..Filter::default()
    };
    let t = Instant::now();
    for q in queries.iter().take(Q1_QUERIES) {
        std::hint::black_box(index.search(q, K, &filter)?);
    }
    let filtered_q1_per_second = Q1_QUERIES as f64 / t.elapsed().as_secs_f64();

    let mut found = 0;
    for q in queries.iter().take(RECALL_QUERIES) {
        let want = brute_force(&data, q);
        let got: Vec<Hit> = index.search(q, K, &none)?;
        found += got
            .iter()
            .filter(|h| want.contains(&((h.id.as_u128() - 1) as usize)))
            .count();
    }

    let bytes = storage.bytes_per_vector(dim);
    let report = Report {
        engine: "argus",
        simd: index.simd(),
        storage: args[5].clone(),
        n,
        dim,
        threads,
        bytes_per_descriptor: bytes,
        build_per_second,
        q1_per_second: 1.0 / q1_secs,
        q100_queries_per_second,
        filtered_q1_per_second,
        recall_at_10: found as f64 / (RECALL_QUERIES * K) as f64,
        bandwidth_gb_s,
        scan_gb_s: (n * bytes) as f64 / q1_secs / 1e9,
    };
    std::fs::write(&args[6], serde_json::to_vec_pretty(&report)?)?;
    Ok(())
}
