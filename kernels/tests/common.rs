//! Shared test fixtures: the test runtime's client (or a printed skip reason), a seeded generator, and the
//! tolerance table.
//!
//! Tolerances (absolute unless said otherwise), and where each bound comes from:
//! - `L2_REL` = 1e-6 relative: the kernel and the reference do the same f32 operations in the
//!   same order; the GPU may contract `acc + v * v` into an FMA (one rounding instead of two per
//!   step) and Vulkan allows `sqrt` and division within a few ulp. With d <= 512 this stays below
//!   ~8 ulp (2^-23 ~ 1.2e-7 each).
//! - f16 packing: exact. Both sides round to nearest even (IEEE 754 conversion).
//! - int8 codes: exact, except where `x * 127 / max|x|` lies within `I8_BOUNDARY` = 1e-4 of a
//!   rounding boundary (.5): there the GPU's division (Vulkan: 2.5 ulp) may land on the other
//!   side, so the codes may differ by one. Scales: `L2_REL` (one division).
//! - top-k scores, fp16: `F16_SCORE_ABS` = 1e-5 for unit-norm vectors: the same products in a
//!   different association (FMA) differ by at most d * 2^-24 ~ 3e-5 in the worst case at d = 512;
//!   observed differences are far smaller. Ids must match exactly; with random data a swap is
//!   tolerated only between two reference hits whose scores differ by less than the tolerance.
//!   The GEMM path sums the products in element order instead of lane by lane: another
//!   association of the same products, so the same bound applies (and the same scaling by the
//!   data's magnitude that the random-data tests use).
//! - top-k, int8: the dot product is an exact i32 (in the GEMM path an f32 sum of products of
//!   codes, exact below 2^24, i.e. for d <= 1024), the two multiplies are done in the same
//!   order: scores and ids must match exactly.
//! - Data made of small dyadic values (multiples of 1/16, |x| <= 1) makes every f32 sum exact
//!   whatever the order, so those tests demand exact scores and ids for fp16 too.
//! - Affine warp (RGB8 chips): bytes at most 1 level apart, on at most
//!   `WARP_MAX_MISMATCH_FRACTION` of the bytes. The kernel does the reference's operations in
//!   its order, but a GPU compiler may contract `a * u - b * v + tx` and `out + weight * value`
//!   into FMAs (CUDA's NVRTC does by default): the sample point or the sum moves by an ulp, and
//!   a value within an ulp of a .5 rounds to the other side. A transform with integer
//!   translation and unit scale (every weight 0 or 1) must match exactly.
//! - Crop-and-resize and pyramid (normalised f32): `RESIZE_ABS` = 1e-6 absolute (values in
//!   [-1, 1]). Column sums are sums of integers below 2^24 (exact in any order); what may differ
//!   is the divisions (Vulkan allows 2.5 ulp for `/`), each relative 2^-22 at most, so the
//!   result moves by well under 1e-6.
//! - Box regression: `REGRESS_ULPS` ulps of the box's largest coordinate (at least 1): an FMA in
//!   `x1 + dx * w` rounds once instead of twice. Squaring multiplies by 0.5 (exact).
//! - NMS: the kept set and order must match exactly. Overlaps of integer boxes are ratios of
//!   exact integers; a different set could only come from an overlap within a few ulp of the
//!   threshold, which the seeded data does not hit.

use argus_kernels::runtime::GpuBackend;
use cubecl::prelude::*;

pub const L2_REL: f32 = 1e-6;
pub const I8_BOUNDARY: f32 = 1e-4;
pub const F16_SCORE_ABS: f32 = 1e-5;
pub const WARP_MAX_MISMATCH_FRACTION: f64 = 1e-3;
pub const RESIZE_ABS: f32 = 1e-6;
pub const REGRESS_ULPS: f32 = 2.0;

/// The runtime the tests launch on: wgpu (Mesa lavapipe in CI), or CUDA when the crate is built
/// with `--features cuda-tests` (what `bench/gpu/run.sh` does on a GPU machine).
#[cfg(not(feature = "cuda-tests"))]
mod chosen {
    use super::*;
    pub type TestRuntime = cubecl::wgpu::WgpuRuntime;
    pub const NAME: &str = "wgpu";
    pub fn open() -> Result<ComputeClient<TestRuntime>, String> {
        argus_kernels::runtime::wgpu_client()
    }
    pub fn backend(client: ComputeClient<TestRuntime>) -> GpuBackend {
        GpuBackend::Wgpu(client)
    }
}

#[cfg(feature = "cuda-tests")]
mod chosen {
    use super::*;
    pub type TestRuntime = cubecl::cuda::CudaRuntime;
    pub const NAME: &str = "cuda";
    pub fn open() -> Result<ComputeClient<TestRuntime>, String> {
        argus_kernels::runtime::cuda_client()
    }
    pub fn backend(client: ComputeClient<TestRuntime>) -> GpuBackend {
        GpuBackend::Cuda(client)
    }
}

pub use chosen::{TestRuntime, backend as test_backend};

/// The test runtime's client, or None with a printed reason. Set `ARGUS_REQUIRE_GPU_TESTS=1` (as
/// `make test` does) to turn a missing device into a failure instead of a skip.
pub fn gpu() -> Option<ComputeClient<TestRuntime>> {
    match chosen::open() {
        Ok(client) => Some(client),
        Err(reason) => {
            assert!(
                std::env::var("ARGUS_REQUIRE_GPU_TESTS").is_err(),
                "ARGUS_REQUIRE_GPU_TESTS is set but there is no {} device: {reason}",
                chosen::NAME
            );
            eprintln!(
                "SKIPPED: no {} device ({reason}); for wgpu install mesa-vulkan-drivers",
                chosen::NAME
            );
            None
        }
    }
}

/// splitmix64: a small seeded generator so that failures reproduce.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }

    /// A multiple of 1/16 in [-1, 1].
    pub fn dyadic(&mut self) -> f32 {
        ((self.next_u64() % 33) as f32 - 16.0) / 16.0
    }

    pub fn vectors(&mut self, count: usize, dim: usize) -> Vec<f32> {
        (0..count * dim).map(|_| self.unit()).collect()
    }

    pub fn dyadic_vectors(&mut self, count: usize, dim: usize) -> Vec<f32> {
        (0..count * dim).map(|_| self.dyadic()).collect()
    }
}

/// A `width x height` RGB8 image of seeded noise.
pub fn random_image(rng: &mut Rng, width: usize, height: usize) -> Vec<u8> {
    (0..width * height * 3)
        .map(|_| (rng.next_u64() >> 56) as u8)
        .collect()
}

/// A bitmap of `rows` bits, bit set where `keep(row)`.
pub fn bitmap(rows: usize, keep: impl Fn(usize) -> bool) -> Vec<u32> {
    let mut words = vec![0u32; rows.div_ceil(32)];
    for row in (0..rows).filter(|&r| keep(r)) {
        words[row / 32] |= 1 << (row % 32);
    }
    words
}
