//! The pipeline both P1 and P2 time: decode + detect + align + extract of one image through the engine, and the
//! inputs they read. Owns: the per-stage timing and the face records `compare.py` and `bench/gpu/p2_compare.py`
//! read.

use anyhow::bail;
use argus_engine::{DetectOptions, Engine};
use serde::Serialize;
use std::path::Path;
use std::time::{Duration, Instant};

/// One face as the reports record it.
#[derive(Serialize)]
pub struct FaceResult {
    /// Box corners in pixels: left, top, right, bottom.
    pub box_xyxy: [f32; 4],
    /// O-Net score.
    pub score: f32,
    /// The unit-length descriptor.
    pub descriptor: Vec<f32>,
}

/// Decode, detect, warp and extract one image; the time of each stage and the faces found.
pub fn run_pipeline(
    engine: &Engine,
    bytes: &[u8],
) -> anyhow::Result<([Duration; 4], Vec<FaceResult>)> {
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
pub fn read_inputs(dir: &Path, extension: &str) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
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
