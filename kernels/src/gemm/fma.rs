//! The FMA product ([`super::TileProduct::Fma`]): the queries and rows staged as f32 in the shared
//! tile region, 4 x 4 scores per thread accumulated with FMAs in registers.

use cubecl::prelude::*;

use super::{GEMM_QUERIES, GEMM_ROWS, GEMM_THREADS, STEP};
use crate::layout::ROW_GROUP;
use crate::topk::row_base;

/// Each thread computes a `MICRO x MICRO` block of the score tile (FMA product).
const MICRO: usize = 4;
/// Threads along the query axis of the tile (each covers `MICRO` queries, 16 apart).
pub(super) const QUERY_LANES: usize = GEMM_QUERIES / MICRO;
/// Threads along the row axis of the tile (each covers `MICRO` rows, 16 apart).
pub(super) const ROW_LANES: usize = GEMM_ROWS / MICRO;
/// Shared-memory row stride of the staged queries: one more than the tile's queries, so that
/// consecutive threads (consecutive dimensions of one query) store to different banks.
const PADDED: usize = GEMM_QUERIES + 1;
/// Where the staged rows start in the shared tile region (after `STEP x PADDED` query values).
pub(super) const ROW_REGION: usize = STEP * PADDED;

/// The FMA product: per step of [`STEP`] dimensions the queries and rows are staged in `tiles`
/// as f32 and thread `t` accumulates queries `t / 16 + 16i` x rows `t % 16 + 16j` (i, j < 4) in
/// registers; at the end the 16 sums (with `scaled`, times the row's and the query's scale, as
/// [`scale_scores`](super::fragment::scale_scores()) does) go to `tiles` (row r, query q at
/// `r * GEMM_QUERIES + q`).
#[cube]
#[allow(clippy::too_many_arguments)]
pub(crate) fn fma_scores<E: Numeric, N: Size>(
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
