//! The host side of the GEMM path: whether it can run a search ([`supports`], [`shared_bytes`]),
//! the grid ([`GemmShape`]) and the launch of `gemm_topk` for fp16 or int8 storage.

use cubecl::prelude::*;
use cubecl::server::Handle;
use half::f16;

use super::operands::{query_operand_len, row_operand_len};
use super::{
    GEMM_MAX_K, GEMM_QUERIES, GEMM_ROWS, GEMM_THREADS, I8_EXACT_DIM, STEP, TILE_WORDS, TileProduct,
    gemm_topk,
};
use crate::Result;
use crate::layout::interleaved_len;
use crate::quantize::quantize_i8_ref;
use crate::topk::{Bitmaps, Candidates, DeviceRows, SearchRequest, check_stored, vector_width};

/// Cubes the grid aims at (row cubes x query tiles): a wave or two on a large GPU.
const TARGET_CUBES: usize = 1024;

/// Shared memory one cube uses for top-`k` with `product`, in bytes (the arrays' sizes; their
/// alignment may add a little).
pub fn shared_bytes(k: usize, product: TileProduct, int8: bool) -> usize {
    let elem_bytes = if int8 { 1 } else { size_of::<f16>() };
    let operands = query_operand_len(product, int8) + row_operand_len(product, int8);
    (TILE_WORDS + 2 * GEMM_QUERIES * k) * 4 + operands * elem_bytes
}

/// True when the GEMM path can run this search on `client` with `product`: k in
/// 1..=[`GEMM_MAX_K`], its shared memory and 256 threads fit the device, the vector width
/// divides a step, (int8) the dimension is at most [`I8_EXACT_DIM`], and for tensor cores the
/// client reports them ([`TileProduct::choose`]).
pub fn supports<R: Runtime>(
    client: &ComputeClient<R>,
    database: &DeviceRows<'_>,
    dim: usize,
    k: usize,
    product: TileProduct,
) -> bool {
    let hardware = &client.properties().hardware;
    let (elem_bytes, int8) = match database {
        DeviceRows::F16 { .. } => (size_of::<f16>(), false),
        DeviceRows::I8 { .. } => (1, true),
    };
    let width = vector_width(client, elem_bytes, dim);
    let available = match product {
        TileProduct::Fma | TileProduct::Emulated => true,
        TileProduct::TensorCores => TileProduct::choose(client, int8) == product,
    };
    (1..=GEMM_MAX_K).contains(&k)
        && (!int8 || dim <= I8_EXACT_DIM)
        && available
        && STEP.is_multiple_of(width)
        && shared_bytes(k, product, int8) <= hardware.max_shared_memory_size
        && GEMM_THREADS as u32 <= hardware.max_units_per_cube
}

/// Launch grid of one GEMM search: (row cubes, query tiles).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GemmShape {
    /// Cubes along x; each walks every `row_cubes`-th row tile.
    pub row_cubes: usize,
    /// Cubes along y: `ceil(queries / GEMM_QUERIES)`.
    pub query_tiles: usize,
}

impl GemmShape {
    /// The grid for `rows` rows and `queries` queries: enough row cubes that the grid holds about
    /// [`TARGET_CUBES`] cubes, never more than there are row tiles.
    pub fn new(rows: usize, queries: usize) -> Self {
        let query_tiles = queries.div_ceil(GEMM_QUERIES).max(1);
        let row_tiles = rows.div_ceil(GEMM_ROWS).max(1);
        let row_cubes = (TARGET_CUBES / query_tiles).clamp(1, row_tiles);
        GemmShape {
            row_cubes,
            query_tiles,
        }
    }
}

/// Launches `gemm_topk` for `request` with `product` (which [`supports`] accepts); the cubes'
/// lists are left for the merge.
pub(crate) fn launch_gemm<R: Runtime>(
    client: &ComputeClient<R>,
    database: DeviceRows<'_>,
    bitmaps: &Bitmaps,
    request: &SearchRequest<'_>,
    queries: usize,
    product: TileProduct,
) -> Result<Candidates> {
    let (k, dim) = (request.k, request.dim);
    let shape = GemmShape::new(request.rows, queries);
    let per_query = shape.row_cubes * k;
    let stored_len = interleaved_len(request.rows, dim);
    let launch = GemmLaunch {
        grid: CubeCount::Static(shape.row_cubes as u32, shape.query_tiles as u32, 1),
        scores: client.empty(queries * per_query * size_of::<f32>()),
        slots: client.empty(queries * per_query * size_of::<u32>()),
        candidates: queries * per_query,
        queries,
        rows: request.rows,
        dim,
        k,
        product,
    };
    match database {
        DeviceRows::F16 { values } => {
            check_stored(values, stored_len * size_of::<f16>())?;
            let width = vector_width(client, size_of::<f16>(), dim);
            let query_handle = client.create_from_slice(f32::as_bytes(request.queries));
            // Unscaled: the query buffer stands in for both scale arrays, which the kernel then
            // never reads.
            let operands = GemmOperands {
                stored: values.clone(),
                stored_len,
                width,
                row_scales: (query_handle.clone(), 1),
                queries: query_handle.clone(),
                query_scales: (query_handle, 1),
            };
            launch.run::<f16, f32, R>(client, operands, bitmaps, false);
        }
        DeviceRows::I8 {
            codes,
            scales: row_scales,
        } => {
            check_stored(codes, stored_len)?;
            check_stored(row_scales, request.rows * size_of::<f32>())?;
            let width = vector_width(client, 1, dim);
            let (query_codes, query_scales) = quantize_i8_ref(request.queries, dim);
            let widened: Vec<f32> = query_codes.iter().map(|&code| f32::from(code)).collect();
            let operands = GemmOperands {
                stored: codes.clone(),
                stored_len,
                width,
                row_scales: (row_scales.clone(), request.rows),
                queries: client.create_from_slice(f32::as_bytes(&widened)),
                query_scales: (
                    client.create_from_slice(f32::as_bytes(&query_scales)),
                    queries,
                ),
            };
            launch.run::<i8, i32, R>(client, operands, bitmaps, true);
        }
    }
    Ok(Candidates {
        scores: launch.scores,
        slots: launch.slots,
        per_query,
    })
}

/// The database-dependent buffers of one launch.
struct GemmOperands {
    /// fp16 values or int8 codes in the interleaved layout, `stored_len` scalars.
    stored: Handle,
    stored_len: usize,
    /// Vector width of `stored`.
    width: usize,
    /// One scale per row and its length (fp16: a stand-in of length 1, never read).
    row_scales: (Handle, usize),
    /// `[queries, dim]` f32 (int8: the codes, widened).
    queries: Handle,
    /// One scale per query and its length (fp16: a stand-in of length 1, never read).
    query_scales: (Handle, usize),
}

/// Everything of one launch that does not depend on the storage type.
struct GemmLaunch {
    grid: CubeCount,
    scores: Handle,
    slots: Handle,
    /// Length of `scores` and `slots`.
    candidates: usize,
    queries: usize,
    rows: usize,
    dim: usize,
    k: usize,
    product: TileProduct,
}

impl GemmLaunch {
    /// Launches `gemm_topk` with storage type E and fragment accumulator C.
    fn run<E: Numeric, C: Numeric, R: Runtime>(
        &self,
        client: &ComputeClient<R>,
        operands: GemmOperands,
        bitmaps: &Bitmaps,
        scaled: bool,
    ) {
        let filter_words = bitmaps.filter_words.max(1);
        let (row_scales, row_scale_len) = operands.row_scales;
        let (query_scales, query_scale_len) = operands.query_scales;
        // SAFETY (all `from_raw_parts` below): every handle holds at least the length given,
        // counted in scalar elements (CubeCL divides a vectorised array's length by its width).
        gemm_topk::launch::<E, C, R>(
            client,
            self.grid.clone(),
            CubeDim::new_1d(GEMM_THREADS as u32),
            operands.width,
            unsafe { ArrayArg::from_raw_parts(operands.stored, operands.stored_len) },
            unsafe { ArrayArg::from_raw_parts(row_scales, row_scale_len) },
            unsafe { ArrayArg::from_raw_parts(operands.queries, self.queries * self.dim) },
            unsafe { ArrayArg::from_raw_parts(query_scales, query_scale_len) },
            unsafe { ArrayArg::from_raw_parts(bitmaps.alive.clone(), bitmaps.alive_words) },
            unsafe { ArrayArg::from_raw_parts(bitmaps.filter.clone(), filter_words) },
            unsafe { ArrayArg::from_raw_parts(self.scores.clone(), self.candidates) },
            unsafe { ArrayArg::from_raw_parts(self.slots.clone(), self.candidates) },
            self.rows as u32,
            self.queries as u32,
            bitmaps.filter_words as u32,
            self.dim / operands.width,
            self.k,
            scaled,
            self.product,
        );
    }
}
