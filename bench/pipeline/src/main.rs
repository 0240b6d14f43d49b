//! Benchmark P1, the Argus side: decode + detect + align + extract on 640×480 one-face JPEGs, timed per stage.
//! The JPEGs are made by `make_inputs.py` (shared with the Python side); results go to a JSON file that
//! `run.sh` compares with the Python pipeline's.
//!
//! Usage: p1-argus INPUT_DIR OUTPUT_JSON ROUNDS THREADS

use anyhow::{Context, bail};
use argus_engine::{DetectOptions, Engine, EngineConfig};
use serde::Serialize;
use std::path::PathBuf;
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

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        bail!("usage: p1-argus INPUT_DIR OUTPUT_JSON ROUNDS THREADS");
    }
    let (input_dir, output) = (PathBuf::from(&args[1]), PathBuf::from(&args[2]));
    let rounds: usize = args[3].parse().context("ROUNDS")?;
    let threads: usize = args[4].parse().context("THREADS")?;
    let models_dir = std::env::var_os("ARGUS_MODELS_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/argus/models")))
        .context("no ARGUS_MODELS_DIR or HOME")?;
    let mut config = EngineConfig::new(models_dir);
    config.threads = threads;
    config.max_batch = 1;
    config.max_wait = Duration::ZERO;
    let engine = Engine::open(config)?;

    let mut inputs: Vec<(String, Vec<u8>)> = std::fs::read_dir(&input_dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jpg"))
        .map(|p| {
            Ok((
                p.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
                std::fs::read(&p)?,
            ))
        })
        .collect::<anyhow::Result<_>>()?;
    inputs.sort();

    let options = DetectOptions::default();
    let mut stages = [Duration::ZERO; 4];
    let mut faces = Vec::new();
    let started = Instant::now();
    for round in 0..rounds {
        for (name, bytes) in &inputs {
            let t0 = Instant::now();
            let image = engine.decode(bytes)?;
            let t1 = Instant::now();
            let detections = engine.detect(&image, &options)?;
            let t2 = Instant::now();
            let samples: Vec<_> = detections.iter().map(|d| engine.warp(&image, d)).collect();
            let t3 = Instant::now();
            let descriptors = engine.extract(&samples)?;
            let t4 = Instant::now();
            for (slot, (a, b)) in stages
                .iter_mut()
                .zip([(t0, t1), (t1, t2), (t2, t3), (t3, t4)])
            {
                *slot += b - a;
            }
            if round == 0 {
                let found = detections
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
                faces.push((name.clone(), found));
            }
        }
    }
    let total = started.elapsed().as_secs_f64();
    let n = (rounds * inputs.len()) as f64;
    let ms = |d: Duration| d.as_secs_f64() * 1e3 / n;
    let report = Report {
        images: inputs.len(),
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
