//! The engine subcommands of the `argus` binary (detect, extract, compare): image files in, JSON on stdout.

use anyhow::Context;
use argus_engine::{
    DetectOptions, Detection, Engine, EngineConfig, similarity, similarity_to_score,
};
use clap::Args;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Where the models are, shared by every engine subcommand.
#[derive(Args)]
pub struct ModelArgs {
    /// Directory with the ONNX models of `make models`.
    #[arg(long, env = "ARGUS_MODELS_DIR", default_value_os_t = default_models_dir())]
    pub models_dir: PathBuf,
}

/// The default models directory: `~/.cache/argus/models`.
pub fn default_models_dir() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default()
        .join(".cache/argus/models")
}

/// Arguments of `argus detect`.
#[derive(Args)]
pub struct DetectArgs {
    /// Image files.
    #[arg(required = true)]
    pub images: Vec<PathBuf>,
    /// Only the largest face of each image.
    #[arg(long)]
    pub single: bool,
    /// Minimum detection score, 0..1.
    #[arg(long, default_value_t = 0.95)]
    pub threshold: f32,
    #[command(flatten)]
    models: ModelArgs,
}

/// Arguments of `argus extract`.
#[derive(Args)]
pub struct ExtractArgs {
    /// Image files.
    #[arg(required = true)]
    pub images: Vec<PathBuf>,
    #[command(flatten)]
    models: ModelArgs,
}

/// Arguments of `argus compare`.
#[derive(Args)]
pub struct CompareArgs {
    /// First image.
    pub a: PathBuf,
    /// Second image.
    pub b: PathBuf,
    #[command(flatten)]
    models: ModelArgs,
}

#[derive(Serialize)]
struct ImageFaces<T> {
    image: String,
    faces: Vec<T>,
}

#[derive(Serialize)]
struct ExtractedFace {
    detection: Detection,
    descriptor_version: u32,
    descriptor: Vec<f32>,
}

#[derive(Serialize)]
struct Comparison {
    a: String,
    b: String,
    cosine: f32,
    similarity: f32,
}

fn open(models: &ModelArgs) -> anyhow::Result<Engine> {
    Engine::open(EngineConfig::new(models.models_dir.clone())).context("opening the engine")
}

fn detect_file(
    engine: &Engine,
    path: &Path,
    options: &DetectOptions,
) -> anyhow::Result<(argus_engine::Image, Vec<Detection>)> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let image = engine
        .decode(&bytes)
        .with_context(|| format!("decoding {}", path.display()))?;
    let faces = engine
        .detect(&image, options)
        .with_context(|| format!("detecting in {}", path.display()))?;
    Ok((image, faces))
}

fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Runs `argus detect`: the faces of every image, largest first.
pub fn detect(args: DetectArgs) -> anyhow::Result<()> {
    let engine = open(&args.models)?;
    let options = DetectOptions {
        multiface: !args.single,
        score_threshold: args.threshold,
        ..DetectOptions::default()
    };
    let mut out = Vec::new();
    for path in &args.images {
        let (_, faces) = detect_file(&engine, path, &options)?;
        out.push(ImageFaces {
            image: path.display().to_string(),
            faces,
        });
    }
    print_json(&out)
}

/// Runs `argus extract`: a descriptor for every face of every image.
pub fn extract(args: ExtractArgs) -> anyhow::Result<()> {
    let engine = open(&args.models)?;
    let mut out = Vec::new();
    for path in &args.images {
        let (image, faces) = detect_file(&engine, path, &DetectOptions::default())?;
        let samples: Vec<_> = faces.iter().map(|f| engine.warp(&image, f)).collect();
        let descriptors = engine.extract(&samples)?;
        let faces = faces
            .into_iter()
            .zip(descriptors)
            .map(|(detection, d)| ExtractedFace {
                detection,
                descriptor_version: d.version,
                descriptor: d.values,
            })
            .collect();
        out.push(ImageFaces {
            image: path.display().to_string(),
            faces,
        });
    }
    print_json(&out)
}

/// Runs `argus compare`: the similarity of the largest faces of two images.
pub fn compare(args: CompareArgs) -> anyhow::Result<()> {
    let engine = open(&args.models)?;
    let options = DetectOptions {
        multiface: false,
        ..DetectOptions::default()
    };
    let mut descriptors = Vec::new();
    for path in [&args.a, &args.b] {
        let (image, faces) = detect_file(&engine, path, &options)?;
        let face = faces
            .first()
            .with_context(|| format!("no face found in {}", path.display()))?;
        descriptors.extend(engine.extract(&[engine.warp(&image, face)])?);
    }
    let cosine = similarity(&descriptors[0], &descriptors[1])?;
    print_json(&Comparison {
        a: args.a.display().to_string(),
        b: args.b.display().to_string(),
        cosine,
        similarity: similarity_to_score(cosine),
    })
}
