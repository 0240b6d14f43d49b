//! The fragment products' operands in shared memory: their layout and sizes, and the staging of
//! the queries (as one or two parts of the storage type) and of the rows (as stored).

use cubecl::prelude::*;

use super::{GEMM_QUERIES, GEMM_ROWS, GEMM_THREADS, STEP, TileProduct};
use crate::layout::ROW_GROUP;
use crate::topk::row_base;

/// Bytes from one staged query (or row) to the next in the fragment products' operands: 48, so
/// that the 16-byte rows of a fragment that a load reads eight at a time fall in distinct banks
/// (a 32-byte stride would put rows i and i + 4 in the same ones) and the row staging's scalar
/// stores conflict 4-way instead of 8-way. CUDA's `wmma` wants a multiple of 16 bytes.
const OPERAND_STRIDE_BYTES: usize = 48;

/// Parts each query is staged in for the fragment products: int8 codes are exact in i8, fp16
/// queries take a high and a low part. (`scaled` means int8 storage throughout this module.)
pub(super) const fn query_parts(scaled: bool) -> usize {
    if scaled { 1 } else { 2 }
}

/// Elements from one staged query or row to the next in the fragment products' operands
/// ([`OPERAND_STRIDE_BYTES`] of i8 or fp16).
pub(super) const fn operand_stride(scaled: bool) -> usize {
    if scaled {
        OPERAND_STRIDE_BYTES
    } else {
        OPERAND_STRIDE_BYTES / 2
    }
}

/// Elements of one staged operand part (64 queries or 64 rows).
pub(super) const fn operand_len(scaled: bool) -> usize {
    GEMM_QUERIES * operand_stride(scaled)
}

/// Elements of the staged queries of the product (none for the FMA product).
pub(super) const fn query_operand_len(product: TileProduct, scaled: bool) -> usize {
    match product {
        TileProduct::Fma => 0,
        TileProduct::TensorCores | TileProduct::Emulated => {
            query_parts(scaled) * operand_len(scaled)
        }
    }
}

/// Elements of the staged rows of the product (none for the FMA product).
pub(super) const fn row_operand_len(product: TileProduct, scaled: bool) -> usize {
    match product {
        TileProduct::Fma => 0,
        TileProduct::TensorCores | TileProduct::Emulated => operand_len(scaled),
    }
}

/// Stages dimensions `step * STEP ..` of the cube's queries as E for the fragment products:
/// value `e` of tile query `q` at `q * S + e`, S = [`operand_stride`] (zero past the batch or the
/// dimension). Unless `scaled` (int8 codes, exact in E), a second part at `64 S + q * S + e`
/// holds what the first one lost, `value - f32(E(value))`, rounded to E: the two parts carry
/// about twice E's precision (fp16: 22 bits, against 11 for the query rounded once).
#[cube]
#[allow(clippy::too_many_arguments)]
pub(crate) fn stage_fragment_queries<E: Numeric>(
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
/// Consecutive threads load consecutive rows of one vector, as in the FMA product's
/// `stage_rows`.
#[cube]
#[allow(clippy::too_many_arguments)]
pub(crate) fn stage_fragment_rows<E: Numeric, N: Size>(
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
