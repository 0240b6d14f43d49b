//! Benchmark P1, the Argus side: decode + detect + align + extract on 640×480 one-face JPEGs, timed per stage.
//! The inputs are made by `make_inputs.py` (shared with the Python side): `*.jpg` are timed, and the lossless
//! `*.png` copies of the same canvases give the faces and descriptors that `compare.py` checks against Python,
//! so the check does not depend on which JPEG decoder each side uses.
//!
//! Usage: p1-argus INPUT_DIR OUTPUT_JSON ROUNDS THREADS

mod args;
mod pipeline;

use argus_engine::{Engine, EngineConfig};
use pipeline::{FaceResult, read_inputs, run_pipeline};
use serde::Serialize;
use std::time::{Duration, Instant};

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
