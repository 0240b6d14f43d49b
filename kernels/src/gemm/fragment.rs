//! The fragment products ([`TileProduct::TensorCores`], [`TileProduct::Emulated`]): warp
//! ownership of the 16 x 16 blocks, the `cmma` calls or their emulation, the store into the score
//! tile, and the int8 scaling of that tile.

use cubecl::prelude::*;

use super::operands::{
    operand_len, operand_stride, query_operand_len, query_parts, row_operand_len,
    stage_fragment_queries, stage_fragment_rows,
};
use super::{GEMM_QUERIES, GEMM_ROWS, GEMM_THREADS, STEP, TileProduct};

/// Side of a fragment (m = n = k).
pub(super) const FRAGMENT: usize = 16;
/// Elements of one 16 x 16 accumulator block.
const FRAGMENT_ELEMS: usize = FRAGMENT * FRAGMENT;
/// Threads of a warp: a fragment belongs to one.
pub(super) const PLANE: usize = 32;
/// Row blocks (of 16) each warp owns, beside one query block: 8 warps cover the 4 x 4 blocks.
const WARP_ROW_BLOCKS: usize =
    (GEMM_QUERIES / FRAGMENT) * (GEMM_ROWS / FRAGMENT) * PLANE / GEMM_THREADS;
/// Elements of a block each lane computes in the emulated product.
const LANE_ELEMS: usize = FRAGMENT_ELEMS / PLANE;
/// Byte alignment of the shared arrays fragments are loaded from and stored to (CUDA's `wmma`
/// wants 32).
pub(super) const FRAGMENT_ALIGN: usize = 128;

/// The fragment products ([`TileProduct::TensorCores`], [`TileProduct::Emulated`]): per step the
/// queries go to `query_operands` as E (`part * P + q * S + e`, S = [`operand_stride`], P = 64 S:
/// row-major A fragments, fp16 queries as a high and a low part) and the rows to `row_operands`
/// as stored (`r * S + e`: column-major B fragments). Warp `w` owns the 16 x 16 blocks of query
/// block `w / 2` and row blocks `2 (w % 2)` and `2 (w % 2) + 1`, accumulates them in C over the
/// steps (every part of a step before the next step), converts them to f32 and stores them in
/// `tiles` (row r, query q at `r * GEMM_QUERIES + q`: column-major, stride 64).
#[cube]
#[allow(clippy::too_many_arguments)]
pub(crate) fn fragment_scores<E: Numeric, C: Numeric, N: Size>(
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
pub(crate) fn scale_scores(
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
