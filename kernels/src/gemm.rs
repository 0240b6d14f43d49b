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

use std::collections::BTreeSet;

use cubecl::ir::features::MmaConfig;
use cubecl::ir::{ElemType, FloatKind, IntKind};
use cubecl::prelude::*;
use cubecl::server::Handle;
use half::f16;

use crate::Result;
use crate::layout::{ROW_GROUP, interleaved_len};
use crate::quantize::quantize_i8_ref;
use crate::topk::{
    Bitmaps, Candidates, DeviceRows, SearchRequest, check_stored, clear_list, eligible_word,
    insert, row_base, vector_width,
};

/// Queries in a cube's tile.
pub const GEMM_QUERIES: usize = 64;
/// Rows in a tile.
pub const GEMM_ROWS: usize = 64;
/// Dimensions staged in shared memory per step (also the fragments' k).
const STEP: usize = 16;
/// Each thread computes a `MICRO x MICRO` block of the score tile (FMA product).
const MICRO: usize = 4;
/// Threads along the query axis of the tile (each covers `MICRO` queries, 16 apart).
const QUERY_LANES: usize = GEMM_QUERIES / MICRO;
/// Threads along the row axis of the tile (each covers `MICRO` rows, 16 apart).
const ROW_LANES: usize = GEMM_ROWS / MICRO;
/// Threads per cube.
pub const GEMM_THREADS: usize = QUERY_LANES * ROW_LANES;
/// Shared-memory row stride of the staged queries: one more than the tile's queries, so that
/// consecutive threads (consecutive dimensions of one query) store to different banks.
const PADDED: usize = GEMM_QUERIES + 1;
/// Where the staged rows start in the shared tile region (after `STEP x PADDED` query values).
const ROW_REGION: usize = STEP * PADDED;
/// f32 words of the shared tile region: the FMA product's staged operands, later the score tile
/// (row `r`, query `q` at `r * GEMM_QUERIES + q`).
const TILE_WORDS: usize = larger(ROW_REGION + STEP * GEMM_ROWS, GEMM_ROWS * GEMM_QUERIES);
/// The largest k of the GEMM path (its lists hold `GEMM_QUERIES * k` entries).
pub const GEMM_MAX_K: usize = 32;
/// Batches of at least this many queries take the GEMM path (see the crate README for why).
pub const GEMM_MIN_QUERIES: usize = 16;
/// Largest dimension for which the int8 GEMM's f32 dot product is exact (127^2 x 1040 < 2^24).
pub const I8_EXACT_DIM: usize = 1024;
/// Cubes the grid aims at (row cubes x query tiles): a wave or two on a large GPU.
const TARGET_CUBES: usize = 1024;
/// Side of a fragment (m = n = k).
const FRAGMENT: usize = 16;
/// Elements of one 16 x 16 accumulator block.
const FRAGMENT_ELEMS: usize = FRAGMENT * FRAGMENT;
/// Bytes from one staged query (or row) to the next in the fragment products' operands: 48, so
/// that the 16-byte rows of a fragment that a load reads eight at a time fall in distinct banks
/// (a 32-byte stride would put rows i and i + 4 in the same ones) and the row staging's scalar
/// stores conflict 4-way instead of 8-way. CUDA's `wmma` wants a multiple of 16 bytes.
const OPERAND_STRIDE_BYTES: usize = 48;
/// Threads of a warp: a fragment belongs to one.
const PLANE: usize = 32;
/// Row blocks (of 16) each warp owns, beside one query block: 8 warps cover the 4 x 4 blocks.
const WARP_ROW_BLOCKS: usize =
    (GEMM_QUERIES / FRAGMENT) * (GEMM_ROWS / FRAGMENT) * PLANE / GEMM_THREADS;
/// Elements of a block each lane computes in the emulated product.
const LANE_ELEMS: usize = FRAGMENT_ELEMS / PLANE;
/// Byte alignment of the shared arrays fragments are loaded from and stored to (CUDA's `wmma`
/// wants 32).
const FRAGMENT_ALIGN: usize = 128;

const fn larger(a: usize, b: usize) -> usize {
    if a > b { a } else { b }
}

/// How a cube computes its 64 x 64 score tile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TileProduct {
    /// f32 FMAs on the vector units, 4 x 4 scores per thread. Runs everywhere.
    Fma,
    /// CubeCL `cmma` 16 x 16 x 16 fragments (tensor cores on CUDA): fp16 operands with f32
    /// accumulation (each query as a high and a low fp16 part), int8 with i32 accumulation.
    /// Only where [`TileProduct::choose`] finds the fragment config.
    TensorCores,
    /// [`TileProduct::TensorCores`]' staging, warp ownership, accumulation order per element
    /// and store, with each fragment multiply done by plain loads and multiply-adds. Runs
    /// everywhere; the tests use it to check the fragment path's data flow without `cmma`.
    Emulated,
}

impl TileProduct {
    /// The product [`crate::topk::search_gpu`] uses on `client` for fp16 or (`int8`) int8
    /// storage: tensor cores when the client reports `cmma` for [`fragment_config`] and
    /// 32-thread planes, else FMAs.
    pub fn choose<R: Runtime>(client: &ComputeClient<R>, int8: bool) -> Self {
        let properties = client.properties();
        TileProduct::for_features(
            &properties.features.matmul.cmma,
            properties.hardware.plane_size_min,
            properties.hardware.plane_size_max,
            int8,
        )
    }

    /// [`TileProduct::choose`] on the reported `cmma` configs and plane sizes.
    pub fn for_features(
        cmma: &BTreeSet<MmaConfig>,
        plane_size_min: u32,
        plane_size_max: u32,
        int8: bool,
    ) -> Self {
        let warps_of_32 = plane_size_min == PLANE as u32 && plane_size_max == PLANE as u32;
        if warps_of_32 && cmma.contains(&fragment_config(int8)) {
            TileProduct::TensorCores
        } else {
            TileProduct::Fma
        }
    }
}

/// The `cmma` config the tensor-core product needs: 16 x 16 x 16, fp16 x fp16 -> f32, or (int8)
/// i8 x i8 -> i32.
pub fn fragment_config(int8: bool) -> MmaConfig {
    let (operand, accumulator) = if int8 {
        (ElemType::Int(IntKind::I8), ElemType::Int(IntKind::I32))
    } else {
        (
            ElemType::Float(FloatKind::F16),
            ElemType::Float(FloatKind::F32),
        )
    };
    MmaConfig {
        a_type: operand.into(),
        b_type: operand.into(),
        cd_type: accumulator.into(),
        m: FRAGMENT as u32,
        n: FRAGMENT as u32,
        k: FRAGMENT as u32,
    }
}

/// Parts each query is staged in for the fragment products: int8 codes are exact in i8, fp16
/// queries take a high and a low part. (`scaled` means int8 storage throughout this module.)
const fn query_parts(scaled: bool) -> usize {
    if scaled { 1 } else { 2 }
}

/// Elements from one staged query or row to the next in the fragment products' operands
/// ([`OPERAND_STRIDE_BYTES`] of i8 or fp16).
const fn operand_stride(scaled: bool) -> usize {
    if scaled {
        OPERAND_STRIDE_BYTES
    } else {
        OPERAND_STRIDE_BYTES / 2
    }
}

/// Elements of one staged operand part (64 queries or 64 rows).
const fn operand_len(scaled: bool) -> usize {
    GEMM_QUERIES * operand_stride(scaled)
}

/// Elements of the staged queries of the product (none for the FMA product).
const fn query_operand_len(product: TileProduct, scaled: bool) -> usize {
    match product {
        TileProduct::Fma => 0,
        TileProduct::TensorCores | TileProduct::Emulated => {
            query_parts(scaled) * operand_len(scaled)
        }
    }
}

/// Elements of the staged rows of the product (none for the FMA product).
const fn row_operand_len(product: TileProduct, scaled: bool) -> usize {
    match product {
        TileProduct::Fma => 0,
        TileProduct::TensorCores | TileProduct::Emulated => operand_len(scaled),
    }
}

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

/// Scores a tile of [`GEMM_QUERIES`] queries against every eligible row and keeps each query's
/// top-k; grid [`GemmShape`], [`GEMM_THREADS`] threads. `database` is `[rows, dim]` in the
/// interleaved layout as `dim_vectors` vectors of N lanes; `queries` is `[query_count, dim]` f32
/// (int8: the query codes). With `scaled`, score = dot * row scale * query scale. Cube (x, y)
/// writes its lists to `out_*[(query * CUBE_COUNT_X + x) * k ..]`. `product` says how the
/// 64 x 64 score tile is computed; everything else (eligibility, scaling, the lists, the output)
/// is the same code for every product. `C` is the fragment accumulator type (f32 for fp16, i32
/// for int8); the FMA product does not use it.
#[cube(launch)]
#[allow(clippy::too_many_arguments)]
pub fn gemm_topk<E: Numeric, C: Numeric, N: Size>(
    database: &Array<Vector<E, N>>,
    row_scales: &Array<f32>,
    queries: &Array<f32>,
    query_scales: &Array<f32>,
    alive: &Array<u32>,
    filter: &Array<u32>,
    out_scores: &mut Array<f32>,
    out_slots: &mut Array<u32>,
    rows: u32,
    query_count: u32,
    filter_words: u32,
    #[comptime] dim_vectors: usize,
    #[comptime] k: usize,
    #[comptime] scaled: bool,
    #[comptime] product: TileProduct,
) {
    let unit = UNIT_POS as usize;
    let mut tiles = SharedMemory::<f32>::new_aligned(TILE_WORDS, FRAGMENT_ALIGN);
    let mut list_scores = SharedMemory::<f32>::new(GEMM_QUERIES * k);
    let mut list_slots = SharedMemory::<u32>::new(GEMM_QUERIES * k);
    if unit < GEMM_QUERIES {
        clear_list(&mut list_scores, &mut list_slots, 0, unit, GEMM_QUERIES, k);
    }

    let first_query = (CUBE_POS_Y as usize) * GEMM_QUERIES;
    let mut tile = CUBE_POS_X as usize;
    while tile * GEMM_ROWS < rows as usize {
        let first_row = tile * GEMM_ROWS;
        // The tile's 64 eligibility bits; the same for every thread, so the branch is uniform.
        let low = eligible_word(alive, filter, filter_words, first_row / 32);
        let mut high = 0u32;
        if first_row + 32 < rows as usize {
            high = eligible_word(alive, filter, filter_words, first_row / 32 + 1);
        }
        if (low | high) != 0u32 {
            // The products leave the tile's dot products in `tiles` (row r, query q at
            // `r * GEMM_QUERIES + q`); the FMA product scales them in registers (int8), the
            // fragment products in `scale_scores`, in the same order.
            if comptime!(product == TileProduct::Fma) {
                fma_scores::<E, N>(
                    database,
                    row_scales,
                    queries,
                    query_scales,
                    &mut tiles,
                    first_query,
                    first_row,
                    rows,
                    query_count,
                    unit,
                    dim_vectors,
                    scaled,
                );
            } else {
                fragment_scores::<E, C, N>(
                    database,
                    queries,
                    &mut tiles,
                    first_query,
                    first_row,
                    rows,
                    query_count,
                    unit,
                    dim_vectors,
                    scaled,
                    product,
                );
            }
            sync_cube();
            if comptime!(scaled && product != TileProduct::Fma) {
                scale_scores(
                    row_scales,
                    query_scales,
                    &mut tiles,
                    first_query,
                    first_row,
                    rows,
                    query_count,
                    unit,
                );
                sync_cube();
            }
            if unit < GEMM_QUERIES && first_query + unit < query_count as usize {
                for r in 0..GEMM_ROWS {
                    let row = first_row + r;
                    let mut word = low;
                    if r >= 32 {
                        word = high;
                    }
                    if row < rows as usize && ((word >> (r % 32) as u32) & 1u32) == 1u32 {
                        let score = tiles[r * GEMM_QUERIES + unit];
                        insert(
                            &mut list_scores,
                            &mut list_slots,
                            0,
                            unit,
                            GEMM_QUERIES,
                            score,
                            row as u32,
                            k,
                        );
                    }
                }
            }
        }
        tile += CUBE_COUNT_X as usize;
    }

    let query = first_query + unit;
    if unit < GEMM_QUERIES && query < query_count as usize {
        let out_base = (query * (CUBE_COUNT_X as usize) + (CUBE_POS_X as usize)) * k;
        for i in 0..k {
            out_scores[out_base + i] = list_scores[i * GEMM_QUERIES + unit];
            out_slots[out_base + i] = list_slots[i * GEMM_QUERIES + unit];
        }
    }
}

/// The FMA product: per step of [`STEP`] dimensions the queries and rows are staged in `tiles`
/// as f32 and thread `t` accumulates queries `t / 16 + 16i` x rows `t % 16 + 16j` (i, j < 4) in
/// registers; at the end the 16 sums (with `scaled`, times the row's and the query's scale, as
/// [`scale_scores`] does) go to `tiles` (row r, query q at `r * GEMM_QUERIES + q`).
#[cube]
#[allow(clippy::too_many_arguments)]
fn fma_scores<E: Numeric, N: Size>(
    database: &Array<Vector<E, N>>,
    row_scales: &Array<f32>,
    queries: &Array<f32>,
    query_scales: &Array<f32>,
    tiles: &mut SharedMemory<f32>,
    first_query: usize,
    first_row: usize,
    rows: u32,
    query_count: u32,
    unit: usize,
    #[comptime] dim_vectors: usize,
    #[comptime] scaled: bool,
) {
    let query_lane = unit / ROW_LANES;
    let row_lane = unit % ROW_LANES;
    let lanes = N::value();
    let step_vectors = comptime!(STEP / lanes);
    let steps = comptime!(dim_vectors.div_ceil(step_vectors));
    let dim = comptime!(dim_vectors * lanes);
    let mut acc = Array::<f32>::new(MICRO * MICRO);
    #[unroll]
    for i in 0..MICRO * MICRO {
        acc[i] = 0.0f32;
    }
    for step in 0..steps {
        sync_cube();
        stage_queries(queries, tiles, first_query, query_count, step, unit, dim);
        stage_rows::<E, N>(database, tiles, first_row, rows, step, unit, dim_vectors);
        sync_cube();
        let mut row_values = Array::<f32>::new(MICRO);
        #[unroll]
        for e in 0..STEP {
            #[unroll]
            for j in 0..MICRO {
                row_values[j] = tiles[ROW_REGION + e * GEMM_ROWS + row_lane + j * ROW_LANES];
            }
            #[unroll]
            for i in 0..MICRO {
                let query_value = tiles[e * PADDED + query_lane + i * QUERY_LANES];
                #[unroll]
                for j in 0..MICRO {
                    acc[i * MICRO + j] += query_value * row_values[j];
                }
            }
        }
    }
    sync_cube();
    #[unroll]
    for i in 0..MICRO {
        #[unroll]
        for j in 0..MICRO {
            let q = query_lane + i * QUERY_LANES;
            let r = row_lane + j * ROW_LANES;
            let mut score = acc[i * MICRO + j];
            if scaled {
                let query = first_query + q;
                let row = first_row + r;
                if row < rows as usize && query < query_count as usize {
                    score = score * row_scales[row] * query_scales[query];
                }
            }
            tiles[r * GEMM_QUERIES + q] = score;
        }
    }
}

/// The fragment products ([`TileProduct::TensorCores`], [`TileProduct::Emulated`]): per step the
/// queries go to `query_operands` as E (`part * P + q * S + e`, S = [`operand_stride`], P = 64 S:
/// row-major A fragments, fp16 queries as a high and a low part) and the rows to `row_operands`
/// as stored (`r * S + e`: column-major B fragments). Warp `w` owns the 16 x 16 blocks of query block
/// `w / 2` and row blocks `2 (w % 2)` and `2 (w % 2) + 1`, accumulates them in C over the steps
/// (every part of a step before the next step), converts them to f32 and stores them in `tiles`
/// (row r, query q at `r * GEMM_QUERIES + q`: column-major, stride 64).
#[cube]
#[allow(clippy::too_many_arguments)]
fn fragment_scores<E: Numeric, C: Numeric, N: Size>(
    database: &Array<Vector<E, N>>,
    queries: &Array<f32>,
    tiles: &mut SharedMemory<f32>,
    first_query: usize,
    first_row: usize,
    rows: u32,
    query_count: u32,
    unit: usize,
    #[comptime] dim_vectors: usize,
    #[comptime] scaled: bool,
    #[comptime] product: TileProduct,
) {
    let lanes = N::value();
    let step_vectors = comptime!(STEP / lanes);
    let steps = comptime!(dim_vectors.div_ceil(step_vectors));
    let dim = comptime!(dim_vectors * lanes);
    let parts = comptime!(query_parts(scaled));
    let stride = comptime!(operand_stride(scaled));
    let part_len = comptime!(operand_len(scaled));
    // Elements of 16 staged queries or rows: one fragment's span.
    let span = comptime!(FRAGMENT * operand_stride(scaled));
    // Declared here, so that the FMA product's kernels have no such arrays.
    let mut query_operands = SharedMemory::<E>::new_aligned(
        comptime!(query_operand_len(product, scaled)),
        FRAGMENT_ALIGN,
    );
    let mut row_operands =
        SharedMemory::<E>::new_aligned(comptime!(row_operand_len(product, scaled)), FRAGMENT_ALIGN);
    let warp = unit / PLANE;
    let query_block = warp / 2;
    let row_block = (warp % 2) * WARP_ROW_BLOCKS;
    if comptime!(product == TileProduct::TensorCores) {
        let acc0 = cmma::Matrix::<C>::from_value(
            cmma::MatrixIdent::Accumulator,
            FRAGMENT,
            FRAGMENT,
            FRAGMENT,
            cmma::MatrixLayout::Undefined,
            C::from_int(0),
        );
        let acc1 = cmma::Matrix::<C>::from_value(
            cmma::MatrixIdent::Accumulator,
            FRAGMENT,
            FRAGMENT,
            FRAGMENT,
            cmma::MatrixLayout::Undefined,
            C::from_int(0),
        );
        for step in 0..steps {
            sync_cube();
            stage_fragment_queries::<E>(
                queries,
                &mut query_operands,
                first_query,
                query_count,
                step,
                unit,
                dim,
                scaled,
            );
            stage_fragment_rows::<E, N>(
                database,
                &mut row_operands,
                first_row,
                rows,
                step,
                unit,
                dim_vectors,
                scaled,
            );
            sync_cube();
            let b_start = row_block * span;
            let b0 = cmma::Matrix::<E>::from_slice(
                cmma::MatrixIdent::B,
                FRAGMENT,
                FRAGMENT,
                FRAGMENT,
                cmma::MatrixLayout::ColMajor,
                &row_operands.slice(b_start, b_start + span),
                stride as u32,
            );
            let b1 = cmma::Matrix::<E>::from_slice(
                cmma::MatrixIdent::B,
                FRAGMENT,
                FRAGMENT,
                FRAGMENT,
                cmma::MatrixLayout::ColMajor,
                &row_operands.slice(b_start + span, b_start + 2 * span),
                stride as u32,
            );
            #[unroll]
            for part in 0..parts {
                let a_start = part * part_len + query_block * span;
                let a = cmma::Matrix::<E>::from_slice(
                    cmma::MatrixIdent::A,
                    FRAGMENT,
                    FRAGMENT,
                    FRAGMENT,
                    cmma::MatrixLayout::RowMajor,
                    &query_operands.slice(a_start, a_start + span),
                    stride as u32,
                );
                cmma::execute::<E, E, C, C>(&a, &b0, &acc0, &acc0);
                cmma::execute::<E, E, C, C>(&a, &b1, &acc1, &acc1);
            }
        }
        let out0 = cmma::cast::<C, f32>(&acc0);
        let out1 = cmma::cast::<C, f32>(&acc1);
        let at = row_block * FRAGMENT * GEMM_QUERIES + query_block * FRAGMENT;
        let block = FRAGMENT * GEMM_QUERIES;
        cmma::store(
            &mut tiles.slice_mut(at, at + block),
            &out0,
            GEMM_QUERIES as u32,
            cmma::MatrixLayout::ColMajor,
        );
        cmma::store(
            &mut tiles.slice_mut(at + block, at + 2 * block),
            &out1,
            GEMM_QUERIES as u32,
            cmma::MatrixLayout::ColMajor,
        );
    } else {
        // The same staging and ownership; lane `l` of a warp computes elements `l + 32t`
        // (t < 8) of each of its warp's two blocks, element (m, n) = (query, row) of the block at
        // `16m + n`, with plain loads and multiply-adds in C.
        let lane = unit % PLANE;
        let mut acc = Array::<C>::new(WARP_ROW_BLOCKS * LANE_ELEMS);
        #[unroll]
        for i in 0..WARP_ROW_BLOCKS * LANE_ELEMS {
            acc[i] = C::from_int(0);
        }
        for step in 0..steps {
            sync_cube();
            stage_fragment_queries::<E>(
                queries,
                &mut query_operands,
                first_query,
                query_count,
                step,
                unit,
                dim,
                scaled,
            );
            stage_fragment_rows::<E, N>(
                database,
                &mut row_operands,
                first_row,
                rows,
                step,
                unit,
                dim_vectors,
                scaled,
            );
            sync_cube();
            #[unroll]
            for part in 0..parts {
                #[unroll]
                for j in 0..WARP_ROW_BLOCKS {
                    #[unroll]
                    for t in 0..LANE_ELEMS {
                        let element = lane + t * PLANE;
                        let q = query_block * FRAGMENT + element / FRAGMENT;
                        let r = (row_block + j) * FRAGMENT + element % FRAGMENT;
                        let mut sum = acc[j * LANE_ELEMS + t];
                        for e in 0..STEP {
                            sum += C::cast_from(query_operands[part * part_len + q * stride + e])
                                * C::cast_from(row_operands[r * stride + e]);
                        }
                        acc[j * LANE_ELEMS + t] = sum;
                    }
                }
            }
        }
        sync_cube();
        #[unroll]
        for j in 0..WARP_ROW_BLOCKS {
            #[unroll]
            for t in 0..LANE_ELEMS {
                let element = lane + t * PLANE;
                let q = query_block * FRAGMENT + element / FRAGMENT;
                let r = (row_block + j) * FRAGMENT + element % FRAGMENT;
                tiles[r * GEMM_QUERIES + q] = f32::cast_from(acc[j * LANE_ELEMS + t]);
            }
        }
    }
}

/// Multiplies the tile's dot products by their row's and query's scales (int8, fragment
/// products), in the scan's order: `(dot * row scale) * query scale`.
#[cube]
#[allow(clippy::too_many_arguments)]
fn scale_scores(
    row_scales: &Array<f32>,
    query_scales: &Array<f32>,
    tiles: &mut SharedMemory<f32>,
    first_query: usize,
    first_row: usize,
    rows: u32,
    query_count: u32,
    unit: usize,
) {
    #[unroll]
    for m in 0..GEMM_ROWS * GEMM_QUERIES / GEMM_THREADS {
        let index = unit + m * GEMM_THREADS;
        let row = first_row + index / GEMM_QUERIES;
        let query = first_query + index % GEMM_QUERIES;
        if row < rows as usize && query < query_count as usize {
            tiles[index] = tiles[index] * row_scales[row] * query_scales[query];
        }
    }
}

/// Stages dimensions `step * STEP ..` of the cube's queries as E for the fragment products:
/// value `e` of tile query `q` at `q * S + e`, S = [`operand_stride`] (zero past the batch or the
/// dimension). Unless `scaled` (int8 codes, exact in E), a second part at `64 S + q * S + e` holds what the
/// first one lost, `value - f32(E(value))`, rounded to E: the two parts carry about twice E's
/// precision (fp16: 22 bits, against 11 for the query rounded once).
#[cube]
#[allow(clippy::too_many_arguments)]
fn stage_fragment_queries<E: Numeric>(
    queries: &Array<f32>,
    query_operands: &mut SharedMemory<E>,
    first_query: usize,
    query_count: u32,
    step: usize,
    unit: usize,
    #[comptime] dim: usize,
    #[comptime] scaled: bool,
) {
    #[unroll]
    for m in 0..GEMM_QUERIES * STEP / GEMM_THREADS {
        let index = unit + m * GEMM_THREADS;
        let e = index % STEP;
        let q = index / STEP;
        let element = step * STEP + e;
        let query = first_query + q;
        let mut value = 0.0f32;
        if query < query_count as usize && element < dim {
            value = queries[query * dim + element];
        }
        let at = q * comptime!(operand_stride(scaled)) + e;
        let high = E::cast_from(value);
        query_operands[at] = high;
        if !scaled {
            query_operands[comptime!(operand_len(scaled)) + at] =
                E::cast_from(value - f32::cast_from(high));
        }
    }
}

/// Stages vectors `step * STEP / N ..` of the tile's rows as stored (E) for the fragment
/// products: value `e` of tile row `r` at `r * S + e`, S = [`operand_stride`] (zero past the
/// rows or the dimension).
/// Consecutive threads load consecutive rows of one vector, as in [`stage_rows`].
#[cube]
#[allow(clippy::too_many_arguments)]
fn stage_fragment_rows<E: Numeric, N: Size>(
    database: &Array<Vector<E, N>>,
    row_operands: &mut SharedMemory<E>,
    first_row: usize,
    rows: u32,
    step: usize,
    unit: usize,
    #[comptime] dim_vectors: usize,
    #[comptime] scaled: bool,
) {
    let lanes = N::value();
    let step_vectors = comptime!(STEP / lanes);
    let loads = comptime!(GEMM_ROWS * step_vectors);
    #[unroll]
    for m in 0..comptime!(loads.div_ceil(GEMM_THREADS)) {
        let index = unit + m * GEMM_THREADS;
        if index < loads {
            let r = index % GEMM_ROWS;
            let v = index / GEMM_ROWS;
            let vector = step * step_vectors + v;
            let row = first_row + r;
            let at = r * comptime!(operand_stride(scaled)) + v * lanes;
            if row < rows as usize && vector < dim_vectors {
                let values = database[row_base(row, dim_vectors) + vector * ROW_GROUP];
                #[unroll]
                for lane in 0..N::value() {
                    row_operands[at + lane] = values[lane];
                }
            } else {
                #[unroll]
                for lane in 0..N::value() {
                    row_operands[at + lane] = E::from_int(0);
                }
            }
        }
    }
}

/// Stages dimensions `step * STEP ..` of the cube's queries into the shared tile region: value
/// `e` of tile query `q` at `e * PADDED + q` (zero past the batch or the dimension).
#[cube]
#[allow(clippy::too_many_arguments)]
fn stage_queries(
    queries: &Array<f32>,
    tiles: &mut SharedMemory<f32>,
    first_query: usize,
    query_count: u32,
    step: usize,
    unit: usize,
    #[comptime] dim: usize,
) {
    #[unroll]
    for m in 0..GEMM_QUERIES * STEP / GEMM_THREADS {
        let index = unit + m * GEMM_THREADS;
        let e = index % STEP;
        let q = index / STEP;
        let element = step * STEP + e;
        let query = first_query + q;
        let mut value = 0.0f32;
        if query < query_count as usize && element < dim {
            value = queries[query * dim + element];
        }
        tiles[e * PADDED + q] = value;
    }
}

/// Stages vectors `step * STEP / N ..` of the tile's rows, widened to f32: value `e` of tile row
/// `r` at `ROW_REGION + e * GEMM_ROWS + r` (zero past the rows or the dimension). Consecutive
/// threads load consecutive rows of one vector: one contiguous run in the interleaved layout.
#[cube]
#[allow(clippy::too_many_arguments)]
fn stage_rows<E: Numeric, N: Size>(
    database: &Array<Vector<E, N>>,
    tiles: &mut SharedMemory<f32>,
    first_row: usize,
    rows: u32,
    step: usize,
    unit: usize,
    #[comptime] dim_vectors: usize,
) {
    let lanes = N::value();
    let step_vectors = comptime!(STEP / lanes);
    let loads = comptime!(GEMM_ROWS * step_vectors);
    #[unroll]
    for m in 0..comptime!(loads.div_ceil(GEMM_THREADS)) {
        let index = unit + m * GEMM_THREADS;
        if index < loads {
            let r = index % GEMM_ROWS;
            let v = index / GEMM_ROWS;
            let vector = step * step_vectors + v;
            let row = first_row + r;
            let at = ROW_REGION + v * lanes * GEMM_ROWS + r;
            if row < rows as usize && vector < dim_vectors {
                let values = Vector::<f32, N>::cast_from(
                    database[row_base(row, dim_vectors) + vector * ROW_GROUP],
                );
                #[unroll]
                for lane in 0..N::value() {
                    tiles[at + lane * GEMM_ROWS] = values[lane];
                }
            } else {
                #[unroll]
                for lane in 0..N::value() {
                    tiles[at + lane * GEMM_ROWS] = 0.0f32;
                }
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cuda_like(int8: bool) -> BTreeSet<MmaConfig> {
        [fragment_config(false), fragment_config(true)]
            .into_iter()
            .filter(|config| !int8 || config.a_type == fragment_config(true).a_type)
            .collect()
    }

    #[test]
    fn tensor_cores_need_the_fragment_config_and_32_thread_planes() {
        let both = cuda_like(false);
        assert_eq!(
            TileProduct::for_features(&both, 32, 32, false),
            TileProduct::TensorCores
        );
        assert_eq!(
            TileProduct::for_features(&both, 32, 32, true),
            TileProduct::TensorCores
        );
        // No cmma at all (lavapipe, a CPU runtime).
        let none = BTreeSet::new();
        assert_eq!(
            TileProduct::for_features(&none, 32, 32, false),
            TileProduct::Fma
        );
        assert_eq!(
            TileProduct::for_features(&none, 32, 32, true),
            TileProduct::Fma
        );
        // Only the int8 config: fp16 stays on the FMAs, int8 takes the fragments.
        let int8_only = cuda_like(true);
        assert_eq!(int8_only.len(), 1);
        assert_eq!(
            TileProduct::for_features(&int8_only, 32, 32, false),
            TileProduct::Fma
        );
        assert_eq!(
            TileProduct::for_features(&int8_only, 32, 32, true),
            TileProduct::TensorCores
        );
        // Planes of 64 (or a range): the warp ownership assumes 32 threads.
        assert_eq!(
            TileProduct::for_features(&both, 64, 64, false),
            TileProduct::Fma
        );
        assert_eq!(
            TileProduct::for_features(&both, 16, 32, false),
            TileProduct::Fma
        );
        // Another fragment shape of the right types does not count.
        let mut other = BTreeSet::new();
        other.insert(MmaConfig {
            k: 8,
            ..fragment_config(false)
        });
        assert_eq!(
            TileProduct::for_features(&other, 32, 32, false),
            TileProduct::Fma
        );
    }

    #[test]
    fn the_fragment_config_is_16_cubed_with_wide_accumulators() {
        let half = fragment_config(false);
        assert_eq!((half.m, half.n, half.k), (16, 16, 16));
        assert_eq!(half.a_type, ElemType::Float(FloatKind::F16).into());
        assert_eq!(half.cd_type, ElemType::Float(FloatKind::F32).into());
        let int8 = fragment_config(true);
        assert_eq!(int8.b_type, ElemType::Int(IntKind::I8).into());
        assert_eq!(int8.cd_type, ElemType::Int(IntKind::I32).into());
    }

    #[test]
    fn shared_memory_per_product() {
        // FMA: 16 KiB of tiles and 8 B per list entry; 32 KiB at k = 32 (lavapipe's limit).
        assert_eq!(shared_bytes(10, TileProduct::Fma, false), 16_384 + 5_120);
        assert_eq!(shared_bytes(GEMM_MAX_K, TileProduct::Fma, true), 32 * 1024);
        // fp16 fragments: two query parts and the rows, 64 x 24 values of 2 B each, on top.
        assert_eq!(
            shared_bytes(10, TileProduct::TensorCores, false),
            16_384 + 3 * 64 * 24 * 2 + 5_120
        );
        assert_eq!(
            shared_bytes(10, TileProduct::Emulated, false),
            shared_bytes(10, TileProduct::TensorCores, false)
        );
        // int8 fragments: one query part and the rows, 64 x 48 values of 1 B each.
        assert_eq!(
            shared_bytes(10, TileProduct::TensorCores, true),
            16_384 + 2 * 64 * 48 + 5_120
        );
        // Fragments at k = 32 exceed lavapipe's 32 KiB (not a GPU's 48 KiB or more).
        assert_eq!(
            shared_bytes(GEMM_MAX_K, TileProduct::Emulated, false),
            16_384 + 9_216 + 16_384
        );
        assert_eq!(
            shared_bytes(GEMM_MAX_K, TileProduct::TensorCores, true),
            16_384 + 6_144 + 16_384
        );
    }
}
