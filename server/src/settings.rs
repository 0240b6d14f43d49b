//! `argus serve` settings. Precedence: command-line flags, then environment (`ARGUS_*`), then `argus.toml`
//! (path from `--config` or `ARGUS_CONFIG`), then built-in defaults.

use argus_engine::Precision;
use clap::Args;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Flags of `argus serve`; each may also come from the environment or the config file.
#[derive(Args, Debug, Default)]
pub struct ServeArgs {
    /// Config file (TOML with the same keys as the long flags, underscores for dashes).
    #[arg(long, env = "ARGUS_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 0.0.0.0:5000].
    #[arg(long, env = "ARGUS_ADDR")]
    pub addr: Option<SocketAddr>,
    /// Data directory [default: ./data].
    #[arg(long, env = "ARGUS_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Directory with the ONNX models [default: ~/.cache/argus/models].
    #[arg(long, env = "ARGUS_MODELS_DIR")]
    pub models_dir: Option<PathBuf>,
    /// Where the networks and the matcher run: auto (networks on ONNX Runtime's TensorRT, else CUDA, else CPU
    /// provider; matcher on CUDA, else a hardware GPU, else the CPU), cpu, gpu (both on a GPU or no start), cuda
    /// or wgpu (detection and descriptor networks on Burn and the matcher on that runtime, software Vulkan
    /// adapters included for wgpu), ort-cuda or ort-tensorrt (the networks there). [default: auto]
    #[arg(long, env = "ARGUS_BACKEND")]
    pub backend: Option<String>,
    /// Largest request body in bytes [default: 16 MiB].
    #[arg(long, env = "ARGUS_MAX_BODY_BYTES")]
    pub max_body_bytes: Option<u64>,
    /// Largest image in pixels [default: 40000000].
    #[arg(long, env = "ARGUS_MAX_IMAGE_PIXELS")]
    pub max_image_pixels: Option<u64>,
    /// Most faces in one descriptor batch [default: 32].
    #[arg(long, env = "ARGUS_MAX_BATCH")]
    pub max_batch: Option<usize>,
    /// How the matcher keeps descriptors: f32 (exact), f16 (half the memory; a cosine off by at most 2e-3)
    /// or i8 (a quarter; a cosine off by at most 2e-2) [default: f32].
    #[arg(long, env = "ARGUS_INDEX_STORAGE")]
    pub index_storage: Option<String>,
    /// What the descriptor network computes in: fp32, or fp16 with `--backend cuda` or `wgpu` (detection stays
    /// in fp32) [default: fp32].
    #[arg(long, env = "ARGUS_PRECISION")]
    pub precision: Option<String>,
}

/// The values of `--index-storage`.
pub const INDEX_STORAGES: [&str; 3] = ["f32", "f16", "i8"];

/// The values of `--backend`.
pub const BACKENDS: [&str; 7] = [
    "auto",
    "cpu",
    "gpu",
    "cuda",
    "wgpu",
    "ort-cuda",
    "ort-tensorrt",
];

/// The effective settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Listen address.
    pub addr: SocketAddr,
    /// Data directory.
    pub data_dir: PathBuf,
    /// Models directory.
    pub models_dir: PathBuf,
    /// Backend name.
    pub backend: String,
    /// Body size limit.
    pub max_body_bytes: u64,
    /// Image pixel limit.
    pub max_image_pixels: u64,
    /// Descriptor batch size.
    pub max_batch: usize,
    /// Matcher storage name.
    pub index_storage: String,
    /// Descriptor network precision name.
    pub precision: String,
}

/// The config file: every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    addr: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    models_dir: Option<PathBuf>,
    backend: Option<String>,
    max_body_bytes: Option<u64>,
    max_image_pixels: Option<u64>,
    max_batch: Option<usize>,
    index_storage: Option<String>,
    precision: Option<String>,
}

impl Settings {
    /// Merges flags/environment over the config file over the defaults, and checks the result.
    pub fn resolve(args: ServeArgs) -> anyhow::Result<Settings> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => FileSettings::default(),
        };
        let settings = Settings {
            addr: args
                .addr
                .or(file.addr)
                .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 5000))),
            data_dir: args
                .data_dir
                .or(file.data_dir)
                .unwrap_or_else(|| PathBuf::from("./data")),
            models_dir: args
                .models_dir
                .or(file.models_dir)
                .unwrap_or_else(crate::engine_commands::default_models_dir),
            backend: args
                .backend
                .or(file.backend)
                .unwrap_or_else(|| "auto".into()),
            max_body_bytes: args
                .max_body_bytes
                .or(file.max_body_bytes)
                .unwrap_or(16 << 20),
            max_image_pixels: args
                .max_image_pixels
                .or(file.max_image_pixels)
                .unwrap_or(40_000_000),
            max_batch: args.max_batch.or(file.max_batch).unwrap_or(32),
            index_storage: args
                .index_storage
                .or(file.index_storage)
                .unwrap_or_else(|| "f32".into()),
            precision: args
                .precision
                .or(file.precision)
                .unwrap_or_else(|| "fp32".into()),
        };
        if !BACKENDS.contains(&settings.backend.as_str()) {
            anyhow::bail!(
                "unknown backend {:?}: use {}",
                settings.backend,
                BACKENDS.join(", ")
            );
        }
        if !INDEX_STORAGES.contains(&settings.index_storage.as_str()) {
            anyhow::bail!(
                "unknown index storage {:?}: use {}",
                settings.index_storage,
                INDEX_STORAGES.join(", ")
            );
        }
        if Precision::from_name(&settings.precision).is_none() {
            anyhow::bail!(
                "unknown precision {:?}: use {}",
                settings.precision,
                Precision::ALL.map(Precision::name).join(", ")
            );
        }
        if settings.max_batch == 0 {
            anyhow::bail!("max_batch must be at least 1");
        }
        Ok(settings)
    }
}

fn read_file(path: &Path) -> anyhow::Result<FileSettings> {
    let text =
        std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}
