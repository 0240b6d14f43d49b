//! GPU kernels in CubeCL (one source for CUDA and wgpu), each with its CPU reference.
