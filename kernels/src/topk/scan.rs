//! The scan kernels, `scan_topk_f16` and `scan_topk_i8`: each cube walks its rows, tests each
//! row's eligibility bit, scores the row against the queries of its tile and keeps a top-k list
//! per thread and query; at the end it reduces those lists and writes one per query.

use cubecl::prelude::*;
use half::f16;

use super::filter::passes;
use super::list::{clear_list, insert, reduce_and_write};
use crate::layout::ROW_GROUP;

/// Index of vector 0 of `row` in the interleaved layout ([`crate::layout`]); vector `j` of the
/// row is at `row_base + j * ROW_GROUP`.
#[cube]
pub(crate) fn row_base(row: usize, #[comptime] dim_vectors: usize) -> usize {
    (row / ROW_GROUP) * dim_vectors * ROW_GROUP + row % ROW_GROUP
}

/// Scan of an fp16 database `[rows, dim]` (as `dim_vectors` vectors of N lanes per row, in the
/// interleaved layout of [`crate::layout`]) against f32 queries; grid (cubes, query tiles). Cube
/// x keeps, for each of the `tile` queries of its tile, the top-k of rows
/// x*threads + t + j*stride.
#[cube(launch)]
#[allow(clippy::too_many_arguments)]
pub fn scan_topk_f16<N: Size>(
    database: &Array<Vector<f16, N>>,
    queries: &Array<Vector<f32, N>>,
    alive: &Array<u32>,
    filter: &Array<u32>,
    out_scores: &mut Array<f32>,
    out_slots: &mut Array<u32>,
    rows: u32,
    query_count: u32,
    filter_words: u32,
    #[comptime] dim_vectors: usize,
    #[comptime] threads: usize,
    #[comptime] k: usize,
    #[comptime] tile: usize,
) {
    let lane = UNIT_POS as usize;
    let block = threads * k;
    let mut scores = SharedMemory::<f32>::new(tile * threads * k);
    let mut slots = SharedMemory::<u32>::new(tile * threads * k);
    for t in 0..tile {
        clear_list(&mut scores, &mut slots, t * block, lane, threads, k);
    }

    let first_query = (CUBE_POS_Y as usize) * tile;
    let stride = (CUBE_COUNT_X as usize) * threads;
    let mut row = (CUBE_POS_X as usize) * threads + lane;
    while row < rows as usize {
        if passes(alive, filter, filter_words, row) {
            let base = row_base(row, dim_vectors);
            for t in 0..tile {
                let query = first_query + t;
                if query < query_count as usize {
                    let query_base = query * dim_vectors;
                    let mut acc = Vector::<f32, N>::new(0.0f32);
                    for j in 0..dim_vectors {
                        acc += Vector::<f32, N>::cast_from(database[base + j * ROW_GROUP])
                            * queries[query_base + j];
                    }
                    let mut score = 0.0f32;
                    #[unroll]
                    for lane_index in 0..N::value() {
                        score += acc[lane_index];
                    }
                    insert(
                        &mut scores,
                        &mut slots,
                        t * block,
                        lane,
                        threads,
                        score,
                        row as u32,
                        k,
                    );
                }
            }
        }
        row += stride;
    }
    write_tile(
        &mut scores,
        &mut slots,
        out_scores,
        out_slots,
        first_query,
        query_count,
        threads,
        k,
        tile,
    );
}

/// Reduces and writes the list block of every query of the cube's tile (the condition is the
/// same for every thread of the cube, so each `sync_cube` inside is reached by all of them).
#[cube]
#[allow(clippy::too_many_arguments)]
fn write_tile(
    scores: &mut SharedMemory<f32>,
    slots: &mut SharedMemory<u32>,
    out_scores: &mut Array<f32>,
    out_slots: &mut Array<u32>,
    first_query: usize,
    query_count: u32,
    #[comptime] threads: usize,
    #[comptime] k: usize,
    #[comptime] tile: usize,
) {
    for t in 0..tile {
        let query = first_query + t;
        if query < query_count as usize {
            let out_base = (query * (CUBE_COUNT_X as usize) + (CUBE_POS_X as usize)) * k;
            reduce_and_write(
                scores,
                slots,
                t * threads * k,
                out_scores,
                out_slots,
                out_base,
                threads,
                k,
            );
        }
    }
}

/// Scan of an int8 database (codes `[rows, dim]` in the interleaved layout, one scale per row)
/// against int8 queries (one scale per query), tiled like [`scan_topk_f16`]. The dot product is
/// exact in i32; score = dot * row scale * query scale.
#[cube(launch)]
#[allow(clippy::too_many_arguments)]
pub fn scan_topk_i8<N: Size>(
    database: &Array<Vector<i8, N>>,
    row_scales: &Array<f32>,
    queries: &Array<Vector<i8, N>>,
    query_scales: &Array<f32>,
    alive: &Array<u32>,
    filter: &Array<u32>,
    out_scores: &mut Array<f32>,
    out_slots: &mut Array<u32>,
    rows: u32,
    query_count: u32,
    filter_words: u32,
    #[comptime] dim_vectors: usize,
    #[comptime] threads: usize,
    #[comptime] k: usize,
    #[comptime] tile: usize,
) {
    let lane = UNIT_POS as usize;
    let block = threads * k;
    let mut scores = SharedMemory::<f32>::new(tile * threads * k);
    let mut slots = SharedMemory::<u32>::new(tile * threads * k);
    for t in 0..tile {
        clear_list(&mut scores, &mut slots, t * block, lane, threads, k);
    }

    let first_query = (CUBE_POS_Y as usize) * tile;
    let stride = (CUBE_COUNT_X as usize) * threads;
    let mut row = (CUBE_POS_X as usize) * threads + lane;
    while row < rows as usize {
        if passes(alive, filter, filter_words, row) {
            let base = row_base(row, dim_vectors);
            let row_scale = row_scales[row];
            for t in 0..tile {
                let query = first_query + t;
                if query < query_count as usize {
                    let query_base = query * dim_vectors;
                    let mut acc = Vector::<i32, N>::new(0i32);
                    for j in 0..dim_vectors {
                        acc += Vector::<i32, N>::cast_from(database[base + j * ROW_GROUP])
                            * Vector::<i32, N>::cast_from(queries[query_base + j]);
                    }
                    let mut dot = 0i32;
                    #[unroll]
                    for lane_index in 0..N::value() {
                        dot += acc[lane_index];
                    }
                    let score = f32::cast_from(dot) * row_scale * query_scales[query];
                    insert(
                        &mut scores,
                        &mut slots,
                        t * block,
                        lane,
                        threads,
                        score,
                        row as u32,
                        k,
                    );
                }
            }
        }
        row += stride;
    }
    write_tile(
        &mut scores,
        &mut slots,
        out_scores,
        out_slots,
        first_query,
        query_count,
        threads,
        k,
        tile,
    );
}
