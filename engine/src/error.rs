//! The engine's error type. Each variant says whose fault it is: the caller's input, this build, or the runtime.

use std::path::PathBuf;

/// Errors of the engine.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The bytes are not an image this build can decode.
    #[error("bad image: {reason}")]
    BadImage {
        /// What was wrong.
        reason: String,
    },
    /// The image has more pixels than the configured limit (checked before allocating).
    #[error("image of {width}x{height} exceeds the limit of {max_pixels} pixels")]
    TooLarge {
        /// Width from the header.
        width: u32,
        /// Height from the header.
        height: u32,
        /// The configured limit.
        max_pixels: u64,
    },
    /// A face sample (warp) is not a valid sample.
    #[error("bad sample: {reason}")]
    BadSample {
        /// What was wrong.
        reason: String,
    },
    /// A descriptor is malformed or of another version.
    #[error("bad descriptor: {reason}")]
    BadDescriptor {
        /// What was wrong.
        reason: String,
    },
    /// An option the caller asked for is invalid.
    #[error("bad option: {reason}")]
    BadOption {
        /// What was wrong.
        reason: String,
    },
    /// The feature exists in the API but this build has no model or code for it.
    #[error("{what} is not supported by this build")]
    Unsupported {
        /// The estimation or feature that was asked for.
        what: String,
    },
    /// A model file is missing or does not load.
    #[error("model {path} could not be loaded: {reason} (run `make models`)")]
    ModelMissing {
        /// The model file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A network runtime cannot run here: the ONNX Runtime library or one of its providers is missing, or the
    /// driver or device a Burn backend needs, or this build has no Burn networks.
    #[error("network runtime unavailable: {reason}")]
    RuntimeUnavailable {
        /// What was tried and what failed.
        reason: String,
    },
    /// Running a network failed; not the caller's fault.
    #[error("inference failed in {model}: {reason}")]
    Inference {
        /// The network.
        model: &'static str,
        /// The runtime's message.
        reason: String,
    },
}

/// Result alias of the engine.
pub type Result<T> = std::result::Result<T, EngineError>;
