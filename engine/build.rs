//! Compiles the Burn form of the networks into the engine (`runtime::burn`): the Rust code burn-onnx generates
//! from the ONNX files of `make models` (through `argus-burnpack`). The weights are not compiled in: the engine
//! reads them at run time from the `.bpk` files `make models` writes beside the ONNX files. The models are looked
//! for in `ARGUS_MODELS_DIR`, else `$HOME/.cache/argus/models`. When a file is missing or does not convert,
//! nothing is generated, the `burn_networks` cfg stays off, and `ARGUS_BURN_MISSING` tells the Burn backends why.
//! One edit is made to the generated code: its padding calls go to `pad_in_own_type` (`runtime/burn_nets.rs`),
//! because Burn's `pad` makes the padded tensor in the device's default float type (f32) whatever the input's type
//! is, which breaks the descriptor network in fp16.

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo::rustc-check-cfg=cfg(burn_networks)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=ARGUS_MODELS_DIR");
    println!("cargo::rerun-if-env-changed=HOME");
    match generate() {
        Ok(()) => println!("cargo::rustc-cfg=burn_networks"),
        Err(why) => println!("cargo::rustc-env=ARGUS_BURN_MISSING={why}"),
    }
}

/// Generates the code of every network into `$OUT_DIR/burn/`, or says why not.
fn generate() -> Result<(), String> {
    let dir = std::env::var_os("ARGUS_MODELS_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|home| Path::new(&home).join(".cache/argus/models"))
        })
        .ok_or("neither ARGUS_MODELS_DIR nor HOME was set")?;
    let files = argus_burnpack::onnx_files(&dir);
    watch(&dir, &files);
    if let Some(missing) = files.iter().find(|file| !file.is_file()) {
        return Err(format!("{} was missing", missing.display()));
    }
    std::panic::catch_unwind(|| argus_burnpack::generate_code(&files, "burn"))
        .map_err(|panic| format!("burn-onnx failed: {}", panic_text(&panic)))?;
    let out_dir = std::env::var_os("OUT_DIR").ok_or("OUT_DIR was not set")?;
    for file in &files {
        let stem = file.file_stem().ok_or("a network file without a name")?;
        let code = Path::new(&out_dir)
            .join("burn")
            .join(stem)
            .with_extension("rs");
        pad_in_own_type(&code)?;
    }
    Ok(())
}

/// Sends the padding calls of the generated file `code` to `pad_in_own_type`.
fn pad_in_own_type(code: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(code).map_err(|e| format!("{}: {e}", code.display()))?;
    let edited = text.replace(".pad(", ".pad_in_own_type(");
    std::fs::write(code, edited).map_err(|e| format!("{}: {e}", code.display()))
}

/// Reruns this script when a network file changes or appears. The models directory is watched while files are
/// missing from it (a new file changes it); while it does not exist, the missing files are watched, which makes
/// Cargo rerun this script on every build until `make models` has run.
fn watch(dir: &Path, files: &[PathBuf]) {
    if files.iter().all(|file| file.is_file()) || !dir.is_dir() {
        for file in files {
            println!("cargo::rerun-if-changed={}", file.display());
        }
    } else {
        println!("cargo::rerun-if-changed={}", dir.display());
    }
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    match (panic.downcast_ref::<&str>(), panic.downcast_ref::<String>()) {
        (Some(text), _) => (*text).to_string(),
        (_, Some(text)) => text.clone(),
        _ => "unknown panic".to_string(),
    }
}
