//! GPU kernels for Argus, written once in CubeCL so that the same source runs on CUDA (through
//! NVRTC) and on wgpu (Vulkan, including Mesa's software lavapipe in CI): the matcher's (L2
//! normalisation, quantisation, scan + top-k) and the detector's image pre/post-processing
//! (affine warp of face chips, crop-and-resize, the P-Net pyramid, box regression and NMS).
//!
//! Every kernel has a plain scalar CPU reference named `*_ref` beside it; the tests compare the
//! two on seeded random data and edge cases. [`GpuMatcher`] is the small host API the index will
//! use: device-resident fp16 or int8 vectors, deletes through a bitmap, and a fused scan + top-k.
//! Nothing here knows about HTTP, storage or image files; the image kernels take raw RGB8 bytes.

pub mod boxes;
pub mod copy;
mod error;
pub mod gemm;
pub mod image;
pub mod l2;
pub mod layout;
pub mod matcher;
pub mod quantize;
pub mod resize;
pub mod runtime;
pub mod topk;
pub mod warp;

pub use error::{KernelError, Result};
pub use matcher::{GpuMatcher, Hit, Precision};
pub use runtime::{GpuBackend, GpuPreference, open_backend, select_backend};
