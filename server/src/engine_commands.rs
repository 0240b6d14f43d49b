//! The engine subcommands of the `argus` binary (detect, extract, compare): images in, JSON out.

use clap::Args;
use std::path::PathBuf;

/// Arguments of `argus detect`.
#[derive(Args)]
pub struct DetectArgs {
    /// Image files.
    pub images: Vec<PathBuf>,
}

/// Arguments of `argus extract`.
#[derive(Args)]
pub struct ExtractArgs {
    /// Image files.
    pub images: Vec<PathBuf>,
}

/// Arguments of `argus compare`.
#[derive(Args)]
pub struct CompareArgs {
    /// First image.
    pub a: PathBuf,
    /// Second image.
    pub b: PathBuf,
}

/// Runs `argus detect`.
pub fn detect(_args: DetectArgs) -> anyhow::Result<()> {
    anyhow::bail!("detect: the engine is not wired in yet")
}

/// Runs `argus extract`.
pub fn extract(_args: ExtractArgs) -> anyhow::Result<()> {
    anyhow::bail!("extract: the engine is not wired in yet")
}

/// Runs `argus compare`.
pub fn compare(_args: CompareArgs) -> anyhow::Result<()> {
    anyhow::bail!("compare: the engine is not wired in yet")
}
