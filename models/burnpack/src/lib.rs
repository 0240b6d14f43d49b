//! The Burn form of the networks the engine can run on Burn. burn-onnx turns each ONNX file of `make models` into
//! Rust code, which `engine/build.rs` compiles into the engine, and into a burnpack weight file (`.bpk`), which
//! `make models` writes beside the ONNX file for the engine to load at run time. Both go through this crate, so
//! they cover the same networks and are generated with the same options; the field names of the code are the
//! tensor names of the weights.

use std::path::{Path, PathBuf};

/// The networks with a Burn form, by file stem.
pub const NETWORKS: [&str; 4] = ["mtcnn_pnet", "mtcnn_rnet", "mtcnn_onet", "dlib_resnet_v1"];

/// The ONNX file of each network in `models_dir`, in the order of `NETWORKS`.
pub fn onnx_files(models_dir: &Path) -> Vec<PathBuf> {
    NETWORKS
        .iter()
        .map(|name| models_dir.join(format!("{name}.onnx")))
        .collect()
}

/// The weight file of each network in `models_dir`, in the order of `NETWORKS`.
pub fn weight_files(models_dir: &Path) -> Vec<PathBuf> {
    NETWORKS
        .iter()
        .map(|name| models_dir.join(format!("{name}.bpk")))
        .collect()
}

/// A generator for `files` that writes code without weight loaders: the engine loads the weights itself, from
/// the path it is given, and turns a failure into an error instead of a panic.
fn generator(files: &[PathBuf]) -> burn_onnx::ModelGen {
    // burn-onnx logs every step of a conversion to standard output unless a logger is already set; only its
    // warnings are kept.
    let _already_set = tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::WARN)
        .without_time()
        .try_init();
    let mut generator = burn_onnx::ModelGen::new();
    for file in files {
        generator.input(&file.to_string_lossy());
    }
    generator.load_strategy(burn_onnx::LoadStrategy::None);
    generator
}

/// Generates the code of `files` into `$OUT_DIR/<out_dir>/<stem>.rs`; for build scripts. Panics when burn-onnx
/// cannot convert a file.
pub fn generate_code(files: &[PathBuf], out_dir: &str) {
    let mut generator = generator(files);
    generator.out_dir(out_dir);
    generator.run_from_script();
}

/// Writes `<name>.bpk` beside every network's ONNX file in `models_dir`, unless each is already newer than its
/// ONNX file; returns the files written. Panics when burn-onnx cannot convert a file.
pub fn write_weights(models_dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let (onnx, weights) = (onnx_files(models_dir), weight_files(models_dir));
    let mut stale = false;
    for (source, target) in onnx.iter().zip(&weights) {
        let source_time = std::fs::metadata(source)
            .and_then(|m| m.modified())
            .map_err(|e| with_path(source, e))?;
        let target_time = std::fs::metadata(target).and_then(|m| m.modified());
        stale |= target_time.map_or(true, |t| t < source_time);
    }
    if !stale {
        return Ok(Vec::new());
    }
    // burn-onnx writes the code and the weights of each network into one directory; only the weights are kept.
    let scratch = models_dir.join(format!(".burnpack-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|e| with_path(&scratch, e))?;
    let mut generator = generator(&onnx);
    generator.out_dir(&scratch.to_string_lossy());
    generator.run_from_cli();
    for (name, target) in NETWORKS.iter().zip(&weights) {
        let written = scratch.join(format!("{name}.bpk"));
        std::fs::rename(&written, target).map_err(|e| with_path(&written, e))?;
    }
    std::fs::remove_dir_all(&scratch).map_err(|e| with_path(&scratch, e))?;
    Ok(weights)
}

fn with_path(path: &Path, error: std::io::Error) -> std::io::Error {
    std::io::Error::new(error.kind(), format!("{}: {error}", path.display()))
}
