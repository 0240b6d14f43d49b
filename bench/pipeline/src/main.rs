//! Benchmark P1, the Argus side: decode + detect + align + extract on 640×480 one-face JPEGs, timed per stage.
//! The inputs are made by `make_inputs.py` (shared with the Python side): `*.jpg` are timed, and the lossless
//! `*.png` copies of the same canvases give the faces and descriptors that `compare.py` checks against Python,
//! so the check does not depend on which JPEG decoder each side uses.
//!
//! Usage: p1-argus INPUT_DIR OUTPUT_JSON ROUNDS THREADS

mod args;

use anyhow::bail;
use argus_engine::{DetectOptions, Engine, EngineConfig};
use serde::Serialize;
use std::path::Path;
use std::time::{Duration, Instant};

#[derive(Serialize)]
struct FaceResult {
    box_xyxy: [f32; 4],
    score: f32,
    descriptor: Vec<f32>,
}

#[derive(Serialize)]
struct Report {
    images: usize,
    rounds: usize,
    threads: usize,
    images_per_second: f64,
    ms_per_image: Stages,
    faces: Vec<(String, Vec<FaceResult>)>,
}

#[derive(Serialize, Default)]
struct Stages {
    decode: f64,
    detect: f64,
    align: f64,
    extract: f64,
}

/// Decode, detect, warp and extract one image; the time of each stage and the faces found.
fn run_pipeline(engine: &Engine, bytes: &[u8]) -> anyhow::Result<([Duration; 4], Vec<FaceResult>)> {
    let t0 = Instant::now();
    let image = engine.decode(bytes)?;
    let t1 = Instant::now();
    let detections = engine.detect(&image, &DetectOptions::default())?;
    let t2 = Instant::now();
    let samples: Vec<_> = detections.iter().map(|d| engine.warp(&image, d)).collect();
    let t3 = Instant::now();
    let descriptors = engine.extract(&samples)?;
    let t4 = Instant::now();
    let faces = detections
        .iter()
        .zip(descriptors)
        .map(|(d, descriptor)| FaceResult {
            box_xyxy: [
                d.rect.x,
                d.rect.y,
                d.rect.x + d.rect.width,
                d.rect.y + d.rect.height,
            ],
            score: d.score,
            descriptor: descriptor.values,
        })
        .collect();
    Ok(([t1 - t0, t2 - t1, t3 - t2, t4 - t3], faces))
}

/// The files of `dir` ending in `.extension`, with their names, sorted by name.
fn read_inputs(dir: &Path, extension: &str) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut inputs: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == extension))
        .map(|p| {
            let stem = p.file_stem().unwrap_or_default().to_string_lossy();
            Ok((stem.into_owned(), std::fs::read(&p)?))
        })
        .collect::<anyhow::Result<_>>()?;
    inputs.sort();
    if inputs.is_empty() {
        bail!("no .{extension} files in {}", dir.display());
    }
    Ok(inputs)
}

fn main() -> anyhow::Result<()> {
    let args = args::read("p1-argus INPUT_DIR OUTPUT_JSON ROUNDS THREADS")?;
    let (input_dir, output, rounds, threads) = (args.first, args.second, args.rounds, args.threads);
    let models_dir = args.models_dir;
    let mut config = EngineConfig::new(models_dir);
    config.threads = threads;
    config.max_batch = 1;
    config.max_wait = Duration::ZERO;
    let engine = Engine::open(config)?;

    let jpegs = read_inputs(&input_dir, "jpg")?;
    let mut stages = [Duration::ZERO; 4];
    let started = Instant::now();
    for _ in 0..rounds {
        for (_, bytes) in &jpegs {
            let (times, _) = run_pipeline(&engine, bytes)?;
            for (slot, time) in stages.iter_mut().zip(times) {
                *slot += time;
            }
        }
    }
    let total = started.elapsed().as_secs_f64();

    let mut faces = Vec::new();
    for (name, bytes) in read_inputs(&input_dir, "png")? {
        faces.push((name, run_pipeline(&engine, &bytes)?.1));
    }

    let n = (rounds * jpegs.len()) as f64;
    let ms = |d: Duration| d.as_secs_f64() * 1e3 / n;
    let report = Report {
        images: jpegs.len(),
        rounds,
        threads,
        images_per_second: n / total,
        ms_per_image: Stages {
            decode: ms(stages[0]),
            detect: ms(stages[1]),
            align: ms(stages[2]),
            extract: ms(stages[3]),
        },
        faces,
    };
    std::fs::write(&output, serde_json::to_vec_pretty(&report)?)?;
    println!("argus: {:.1} images/s", report.images_per_second);
    Ok(())
}
