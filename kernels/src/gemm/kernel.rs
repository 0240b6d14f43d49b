//! The `gemm_topk` kernel: the cube's walk over the row tiles, the eligibility skip, the call to
//! the tile product, the top-k insert of each query's 64 scores and the write of the cube's lists.

use cubecl::prelude::*;

use super::fma::fma_scores;
use super::fragment::{FRAGMENT_ALIGN, fragment_scores, scale_scores};
use super::{GEMM_QUERIES, GEMM_ROWS, TILE_WORDS, TileProduct};
use crate::topk::{clear_list, eligible_word, insert};

/// Scores a tile of [`GEMM_QUERIES`] queries against every eligible row and keeps each query's
/// top-k; grid [`GemmShape`](super::GemmShape), [`GEMM_THREADS`](super::GEMM_THREADS) threads.
/// `database` is `[rows, dim]` in the interleaved layout as `dim_vectors` vectors of N lanes;
/// `queries` is `[query_count, dim]` f32 (int8: the query codes). With `scaled`, score = dot *
/// row scale * query scale. Cube (x, y) writes its lists to
/// `out_*[(query * CUBE_COUNT_X + x) * k ..]`. `product` says how the 64 x 64 score tile is
/// computed; everything else (eligibility, scaling, the lists, the output) is the same code for
/// every product. `C` is the fragment accumulator type (f32 for fp16, i32
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
