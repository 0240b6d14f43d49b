//! What both benchmark binaries of this crate read at start: their four arguments and the models directory.

use anyhow::{Context, bail};
use std::path::PathBuf;

/// Two paths, the number of rounds and the thread count.
pub struct Args {
    /// The first path argument.
    pub first: PathBuf,
    /// The second path argument.
    pub second: PathBuf,
    /// How many passes over the inputs.
    pub rounds: usize,
    /// Threads for each network.
    pub threads: usize,
    /// `ARGUS_MODELS_DIR`, else the default under `HOME`.
    pub models_dir: PathBuf,
}

/// Reads `PATH PATH ROUNDS THREADS`; `usage` is printed when they are not there.
pub fn read(usage: &str) -> anyhow::Result<Args> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        bail!("usage: {usage}");
    }
    let models_dir = std::env::var_os("ARGUS_MODELS_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/argus/models")))
        .context("no ARGUS_MODELS_DIR or HOME")?;
    Ok(Args {
        first: PathBuf::from(&args[1]),
        second: PathBuf::from(&args[2]),
        rounds: args[3].parse().context("ROUNDS")?,
        threads: args[4].parse().context("THREADS")?,
        models_dir,
    })
}
