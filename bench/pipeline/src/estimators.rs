//! Benchmark E1, the Argus side: milliseconds per face of each attribute estimator (head pose, emotions, age and
//! gender, liveness), one face per call (unbatched) and 16 faces per call (batched), on the face samples of the
//! test photos. Each call goes through `Engine::estimate`: input preparation, the network's batcher, and reading
//! the outputs. The samples are also written as PNG, so the Python side runs the same pixels.
//!
//! Usage: e1-argus PHOTOS_DIR WORK_DIR ROUNDS THREADS   (writes WORK_DIR/argus.json and WORK_DIR/samples/*.png)

mod args;

use anyhow::{Context, bail};
use argus_engine::{DetectOptions, Engine, EngineConfig, Image, Wanted};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const PORTRAITS: [&str; 6] = [
    "obama.jpg",
    "obama2.jpg",
    "obama3.jpg",
    "biden.jpg",
    "grace_hopper.jpg",
    "astronaut.png",
];
/// Faces per batched call.
const BATCH: usize = 16;

#[derive(Serialize)]
struct Timing {
    unbatched_ms_per_face: f64,
    batched_ms_per_face: f64,
}

/// What Argus estimated for one sample, for the agreement check against Python.
#[derive(Serialize)]
struct Estimates {
    yaw: f32,
    pitch: f32,
    roll: f32,
    emotion: &'static str,
    age: f32,
    gender: f32,
    live: f32,
}

#[derive(Serialize)]
struct Report {
    threads: usize,
    rounds: usize,
    batch: usize,
    estimators: BTreeMap<&'static str, Timing>,
    estimates: BTreeMap<&'static str, Estimates>,
}

fn only(name: &str) -> Wanted {
    Wanted {
        head_pose: name == "head_pose",
        landmarks68: false,
        eyes: false,
        mouth: false,
        emotions: name == "emotions",
        basic_attributes: name == "basic_attributes",
        liveness: name == "liveness",
    }
}

/// Milliseconds per face over `rounds` passes of `calls`, each call a slice of samples.
fn time(
    engine: &Engine,
    calls: &[Vec<Image>],
    wanted: Wanted,
    rounds: usize,
) -> anyhow::Result<f64> {
    engine.estimate(&calls[0], wanted)?;
    let mut faces = 0;
    let started = Instant::now();
    for _ in 0..rounds {
        for call in calls {
            engine.estimate(call, wanted)?;
            faces += call.len();
        }
    }
    Ok(started.elapsed().as_secs_f64() * 1e3 / faces as f64)
}

fn main() -> anyhow::Result<()> {
    let args = args::read("e1-argus PHOTOS_DIR WORK_DIR ROUNDS THREADS")?;
    let (photos, work, rounds, threads) = (args.first, args.second, args.rounds, args.threads);
    let models_dir = args.models_dir;
    let mut config = EngineConfig::new(models_dir);
    config.threads = threads;
    config.max_batch = BATCH;
    config.max_wait = Duration::ZERO;
    let engine = Engine::open(config)?;

    let samples_dir = work.join("samples");
    std::fs::create_dir_all(&samples_dir)?;
    let mut samples = Vec::new();
    for name in PORTRAITS {
        let image = engine.decode(&std::fs::read(photos.join(name)).context(name)?)?;
        let face = engine
            .detect(&image, &DetectOptions::default())?
            .into_iter()
            .next()
            .with_context(|| format!("no face in {name}"))?;
        let sample = engine.warp(&image, &face);
        std::fs::write(
            samples_dir.join(format!("{name}.png")),
            engine.encode_sample(&sample),
        )?;
        samples.push(sample);
    }
    let batch: Vec<Image> = samples.iter().cycle().take(BATCH).cloned().collect();
    let singles: Vec<Vec<Image>> = batch.iter().map(|s| vec![s.clone()]).collect();

    let mut estimators = BTreeMap::new();
    for name in ["head_pose", "emotions", "basic_attributes", "liveness"] {
        let wanted = only(name);
        let timing = Timing {
            unbatched_ms_per_face: time(&engine, &singles, wanted, rounds)?,
            batched_ms_per_face: time(&engine, std::slice::from_ref(&batch), wanted, rounds)?,
        };
        println!(
            "argus {name}: {:.2} ms/face unbatched, {:.2} ms/face batched",
            timing.unbatched_ms_per_face, timing.batched_ms_per_face
        );
        estimators.insert(name, timing);
    }
    let all = Wanted {
        head_pose: true,
        landmarks68: false,
        eyes: false,
        mouth: false,
        emotions: true,
        basic_attributes: true,
        liveness: true,
    };
    let mut estimates = BTreeMap::new();
    for (name, attributes) in PORTRAITS.into_iter().zip(engine.estimate(&samples, all)?) {
        let (Some(pose), Some(emotions), Some(basic), Some(liveness)) = (
            attributes.head_pose,
            attributes.emotions,
            attributes.basic_attributes,
            attributes.liveness,
        ) else {
            bail!("{name}: an estimation is missing");
        };
        estimates.insert(
            name,
            Estimates {
                yaw: pose.yaw,
                pitch: pose.pitch,
                roll: pose.roll,
                emotion: emotions.predominant,
                age: basic.age,
                gender: basic.gender,
                live: liveness.probability,
            },
        );
    }
    let report = Report {
        threads,
        rounds,
        batch: BATCH,
        estimators,
        estimates,
    };
    std::fs::write(work.join("argus.json"), serde_json::to_vec_pretty(&report)?)?;
    Ok(())
}
