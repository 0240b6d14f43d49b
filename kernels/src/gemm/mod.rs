//! Large-batch search: `gemm_topk`, a tiled matrix product of the queries and the stored rows
//! fused with a per-query top-k. A cube owns a tile of [`GEMM_QUERIES`] queries and walks the
//! database in tiles of [`GEMM_ROWS`] rows; for each row tile it stages [`STEP`] dimensions of
//! its queries and rows at a time in shared memory, so every value loaded from memory is used 64
//! times, and computes the 64 x 64 score tile with one of three products ([`TileProduct`]):
//! f32 FMAs on the vector units (4 x 4 scores per thread; every runtime), CubeCL `cmma` 16 x 16
//! x 16 fragments (tensor cores on CUDA; fp16 with f32 accumulation, int8 with i32), or the
//! fragment path's data flow with the fragment multiply done by plain multiply-adds (runs
//! anywhere, so the tests check that data flow on lavapipe, which has no `cmma`). The score tile
//! then sits in shared memory, where one thread per query inserts its 64 scores into that
//! query's sorted list of k (the same list code and order as the scan: higher score first, ties
//! to the lower slot). Scores never leave the chip, so no score buffer has to be bounded; the
//! cube's lists go to [`crate::topk::merge_topk`] like the scan's.
//!
//! Eligibility is the alive bitmap ANDed with the caller's filter inside the kernel; a row tile
//! whose 64 bits are all clear is skipped without loading anything.
//!
//! int8: on the FMA path the codes are multiplied as f32; a product of two codes is at most
//! 127^2 and a sum of up to [`I8_EXACT_DIM`] of them stays below 2^24, so the dot product is
//! exact (as the scan's i32 one is); the fragment paths multiply i8 codes into i32. Either way
//! the score `dot * row scale * query scale` is the scan's bits.
//!
//! Files: `kernel.rs` holds the kernel (the walk over row tiles, eligibility, the top-k insert,
//! the output); `fma.rs` the FMA product and its staging; `fragment.rs` the fragment products and
//! `operands.rs` their staged operands; `product.rs` the choice of product; `launch.rs` the host
//! side (which searches the path takes, the grid, the launch); `tests.rs` the unit tests.

mod fma;
mod fragment;
mod kernel;
mod launch;
mod operands;
mod product;
#[cfg(test)]
mod tests;

pub use kernel::gemm_topk;
pub(crate) use launch::launch_gemm;
pub use launch::{GemmShape, shared_bytes, supports};
pub use product::{TileProduct, fragment_config};

use fma::{QUERY_LANES, ROW_LANES, ROW_REGION};

/// Queries in a cube's tile.
pub const GEMM_QUERIES: usize = 64;
/// Rows in a tile.
pub const GEMM_ROWS: usize = 64;
/// Dimensions staged in shared memory per step (also the fragments' k).
const STEP: usize = 16;
/// Threads per cube: the FMA product's 16 x 16 grid, which the fragment products use as 8 warps.
pub const GEMM_THREADS: usize = QUERY_LANES * ROW_LANES;
/// f32 words of the shared tile region: the FMA product's staged operands, later the score tile
/// (row `r`, query `q` at `r * GEMM_QUERIES + q`).
const TILE_WORDS: usize = larger(ROW_REGION + STEP * GEMM_ROWS, GEMM_ROWS * GEMM_QUERIES);
/// The largest k of the GEMM path (its lists hold `GEMM_QUERIES * k` entries).
pub const GEMM_MAX_K: usize = 32;
/// Batches of at least this many queries take the GEMM path (see the crate README for why).
pub const GEMM_MIN_QUERIES: usize = 16;
/// Largest dimension for which the int8 GEMM's f32 dot product is exact (127^2 x 1040 < 2^24).
pub const I8_EXACT_DIM: usize = 1024;

const fn larger(a: usize, b: usize) -> usize {
    if a > b { a } else { b }
}
