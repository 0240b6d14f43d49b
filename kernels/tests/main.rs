//! Integration tests of argus-kernels: every kernel against its CPU reference on wgpu (Mesa
//! lavapipe in CI), or on CUDA with `--features cuda-tests`, plus the `GpuMatcher` host API.
//! One test binary, one module per kernel module.

mod boxes;
mod common;
mod copy;
mod gemm;
mod l2;
mod matcher;
mod quantize;
mod resize;
mod topk;
mod warp;
