//! The crate's one error type. Variants say whose fault a failure is: the caller's input, a
//! missing GPU runtime on this machine, or a fault inside a kernel launch.

/// Every failure of `argus-kernels`.
#[derive(Debug, thiserror::Error)]
pub enum KernelError {
    /// The caller passed something the kernels cannot take (wrong length, k out of range, ...).
    #[error("bad input: {0}")]
    BadInput(String),
    /// No GPU runtime could be created on this machine; the string says why for each runtime tried.
    #[error("no GPU runtime: {0}")]
    NoGpuRuntime(String),
    /// A launch or a read-back failed on the device.
    #[error("internal GPU error in {kernel}: {detail}")]
    Internal {
        /// Which kernel or transfer failed.
        kernel: &'static str,
        /// What the runtime reported.
        detail: String,
    },
}

/// `Result` with [`KernelError`].
pub type Result<T> = std::result::Result<T, KernelError>;
