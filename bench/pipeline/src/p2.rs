//! Benchmark P2, the Argus side: decode + detect + align + extract from JPEG bytes on a chosen backend, timed
//! per image at batch 1 (p50/p99 latency, images/s, faces/s), then with several client threads sharing one
//! engine so the descriptor batcher gathers their faces (throughput). As in P1, the `*.jpg` inputs are timed
//! and the lossless `*.png` copies give the faces `bench/gpu/p2_compare.py` checks against the other pipelines.
//!
//! Usage: p2-argus --inputs DIR --out JSON [--backend ort-cpu|ort-cuda|ort-tensorrt|burn-wgpu|burn-cuda]
//!        [--precision fp32|fp16] [--jpeg cpu|gpu|auto] [--rounds N] [--warmup N] [--threads N] [--clients N]
//!        [--max-batch N]
//! `--precision fp16` runs the descriptor network in fp16 (Burn backends only). `--clients 0` skips the throughput run. Exit 3 when the backend cannot run here (the reason is printed).

mod pipeline;

use anyhow::{Context, bail};
use argus_engine::{
    Backend, BackendChoice, Engine, EngineConfig, JpegChoice, Precision, choose_backend,
};
use pipeline::{FaceResult, read_inputs, run_pipeline};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const USAGE: &str = "p2-argus --inputs DIR --out JSON [--backend ort-cpu|ort-cuda|ort-tensorrt|burn-wgpu|burn-cuda] \
[--precision fp32|fp16] [--jpeg cpu|gpu|auto] [--rounds N] [--warmup N] [--threads N] [--clients N] [--max-batch N]";

/// The command line.
struct Options {
    inputs: PathBuf,
    out: PathBuf,
    backend: Backend,
    precision: Precision,
    jpeg: JpegChoice,
    rounds: usize,
    warmup: usize,
    threads: usize,
    clients: usize,
    max_batch: usize,
    models_dir: PathBuf,
}

fn parse_backend(name: &str) -> anyhow::Result<Backend> {
    Ok(match name {
        "ort-cpu" => Backend::OrtCpu,
        "ort-cuda" => Backend::OrtCuda,
        "ort-tensorrt" => Backend::OrtTensorRt,
        "burn-wgpu" => Backend::BurnWgpu,
        "burn-cuda" => Backend::BurnCuda,
        other => bail!("unknown backend {other:?}; usage: {USAGE}"),
    })
}

fn parse_jpeg(name: &str) -> anyhow::Result<JpegChoice> {
    Ok(match name {
        "cpu" => JpegChoice::Cpu,
        "gpu" => JpegChoice::Gpu,
        "auto" => JpegChoice::Auto,
        other => bail!("unknown JPEG decoder {other:?}; usage: {USAGE}"),
    })
}

fn read_options() -> anyhow::Result<Options> {
    let mut args = std::env::args().skip(1);
    let mut inputs = None;
    let mut out = None;
    let mut options = Options {
        inputs: PathBuf::new(),
        out: PathBuf::new(),
        backend: Backend::OrtCpu,
        precision: Precision::Fp32,
        jpeg: JpegChoice::Cpu,
        rounds: 20,
        warmup: 3,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        clients: 8,
        max_batch: 32,
        models_dir: std::env::var_os("ARGUS_MODELS_DIR")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/argus/models"))
            })
            .context("no ARGUS_MODELS_DIR or HOME")?,
    };
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            println!("usage: {USAGE}");
            std::process::exit(0);
        }
        let value = args
            .next()
            .with_context(|| format!("{flag} needs a value; usage: {USAGE}"))?;
        let number = |what: &str| -> anyhow::Result<usize> {
            value
                .parse()
                .with_context(|| format!("{what}: not a count: {value:?}"))
        };
        match flag.as_str() {
            "--inputs" => inputs = Some(PathBuf::from(&value)),
            "--out" => out = Some(PathBuf::from(&value)),
            "--backend" => options.backend = parse_backend(&value)?,
            "--precision" => {
                options.precision = Precision::from_name(&value)
                    .with_context(|| format!("unknown precision {value:?}; usage: {USAGE}"))?
            }
            "--jpeg" => options.jpeg = parse_jpeg(&value)?,
            "--rounds" => options.rounds = number("--rounds")?.max(1),
            "--warmup" => options.warmup = number("--warmup")?,
            "--threads" => options.threads = number("--threads")?.max(1),
            "--clients" => options.clients = number("--clients")?,
            "--max-batch" => options.max_batch = number("--max-batch")?.max(1),
            other => bail!("unknown option {other:?}; usage: {USAGE}"),
        }
    }
    options.inputs = inputs.with_context(|| format!("--inputs is required; usage: {USAGE}"))?;
    options.out = out.with_context(|| format!("--out is required; usage: {USAGE}"))?;
    Ok(options)
}

/// Latency and rates of one client sending one image at a time.
#[derive(Serialize)]
struct Batch1 {
    images_per_second: f64,
    faces_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    mean_ms: f64,
    /// Mean milliseconds per image of decode, detect, align, extract.
    stages_ms: [f64; 4],
}

/// Rates of several clients sharing the engine.
#[derive(Serialize)]
struct Concurrent {
    clients: usize,
    max_batch: usize,
    images_per_second: f64,
    faces_per_second: f64,
}

#[derive(Serialize)]
struct Report {
    pipeline: &'static str,
    backend: &'static str,
    precision: &'static str,
    reason: String,
    jpeg_decoder: &'static str,
    jpeg_fallbacks: u64,
    images: usize,
    rounds: usize,
    threads: usize,
    batch1: Batch1,
    concurrent: Option<Concurrent>,
    faces: Vec<(String, Vec<FaceResult>)>,
}

fn open_engine(options: &Options, max_batch: usize, max_wait: Duration) -> anyhow::Result<Engine> {
    let mut config = EngineConfig::new(options.models_dir.clone());
    config.backend = options.backend;
    config.precision = options.precision;
    config.jpeg = options.jpeg;
    config.threads = options.threads;
    config.max_batch = max_batch;
    config.max_wait = max_wait;
    Ok(Engine::open(config)?)
}

/// The `q` quantile (0..=1) of sorted durations, in milliseconds, nearest rank.
fn quantile_ms(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1e3
}

/// One client, one image at a time, a descriptor batcher that never waits.
fn time_batch1(
    engine: &Engine,
    jpegs: &[(String, Vec<u8>)],
    options: &Options,
) -> anyhow::Result<Batch1> {
    for _ in 0..options.warmup {
        for (_, bytes) in jpegs {
            run_pipeline(engine, bytes)?;
        }
    }
    let mut latencies = Vec::with_capacity(options.rounds * jpegs.len());
    let mut stages = [Duration::ZERO; 4];
    let mut faces = 0usize;
    let started = Instant::now();
    for _ in 0..options.rounds {
        for (_, bytes) in jpegs {
            let t = Instant::now();
            let (times, found) = run_pipeline(engine, bytes)?;
            latencies.push(t.elapsed());
            faces += found.len();
            for (slot, time) in stages.iter_mut().zip(times) {
                *slot += time;
            }
        }
    }
    let total = started.elapsed().as_secs_f64();
    latencies.sort();
    let n = latencies.len() as f64;
    Ok(Batch1 {
        images_per_second: n / total,
        faces_per_second: faces as f64 / total,
        p50_ms: quantile_ms(&latencies, 0.5),
        p99_ms: quantile_ms(&latencies, 0.99),
        mean_ms: total * 1e3 / n,
        stages_ms: stages.map(|d| d.as_secs_f64() * 1e3 / n),
    })
}

/// `clients` threads take images from one shared counter until `rounds` passes are done.
fn time_concurrent(
    engine: &Engine,
    jpegs: &[(String, Vec<u8>)],
    options: &Options,
) -> anyhow::Result<Concurrent> {
    let total_images = options.rounds * jpegs.len();
    let run_all = |count: usize| -> anyhow::Result<usize> {
        let next = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..options.clients)
                .map(|_| {
                    scope.spawn(|| -> anyhow::Result<usize> {
                        let mut faces = 0;
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            if i >= count {
                                return Ok(faces);
                            }
                            faces += run_pipeline(engine, &jpegs[i % jpegs.len()].1)?.1.len();
                        }
                    })
                })
                .collect();
            let mut faces = 0;
            for worker in workers {
                faces += worker
                    .join()
                    .map_err(|_| anyhow::anyhow!("a client thread panicked"))??;
            }
            Ok(faces)
        })
    };
    run_all(options.warmup * jpegs.len())?;
    let started = Instant::now();
    let faces = run_all(total_images)?;
    let total = started.elapsed().as_secs_f64();
    Ok(Concurrent {
        clients: options.clients,
        max_batch: options.max_batch,
        images_per_second: total_images as f64 / total,
        faces_per_second: faces as f64 / total,
    })
}

fn main() -> anyhow::Result<()> {
    let options = read_options()?;
    let reason = match choose_backend(BackendChoice::Exactly(options.backend)) {
        Ok((_, reason)) => reason,
        Err(e) => {
            eprintln!("p2-argus: {} cannot run here: {e}", options.backend.name());
            std::process::exit(3);
        }
    };
    let jpegs = read_inputs(&options.inputs, "jpg")?;

    let engine = open_engine(&options, 1, Duration::ZERO)?;
    let batch1 = time_batch1(&engine, &jpegs, &options)?;
    let mut faces = Vec::new();
    for (name, bytes) in read_inputs(&options.inputs, "png")? {
        faces.push((name, run_pipeline(&engine, &bytes)?.1));
    }
    let (jpeg_decoder, mut jpeg_fallbacks) = (
        engine.jpeg_decoder().name(),
        engine.jpeg_decoder().fallbacks(),
    );
    drop(engine);

    let concurrent = if options.clients > 0 {
        let engine = open_engine(&options, options.max_batch, Duration::from_millis(2))?;
        let result = time_concurrent(&engine, &jpegs, &options)?;
        jpeg_fallbacks += engine.jpeg_decoder().fallbacks();
        Some(result)
    } else {
        None
    };

    let report = Report {
        pipeline: "argus",
        backend: options.backend.name(),
        precision: options.precision.name(),
        reason,
        jpeg_decoder,
        jpeg_fallbacks,
        images: jpegs.len(),
        rounds: options.rounds,
        threads: options.threads,
        batch1,
        concurrent,
        faces,
    };
    std::fs::write(&options.out, serde_json::to_vec_pretty(&report)?)
        .with_context(|| format!("cannot write {}", options.out.display()))?;
    print!(
        "argus {} (JPEG: {}): batch 1 {:.1} images/s, {:.1} faces/s, p50 {:.2} ms, p99 {:.2} ms",
        report.backend,
        report.jpeg_decoder,
        report.batch1.images_per_second,
        report.batch1.faces_per_second,
        report.batch1.p50_ms,
        report.batch1.p99_ms
    );
    match &report.concurrent {
        Some(c) => println!(
            "; {} clients {:.1} images/s, {:.1} faces/s",
            c.clients, c.images_per_second, c.faces_per_second
        ),
        None => println!(),
    }
    Ok(())
}
