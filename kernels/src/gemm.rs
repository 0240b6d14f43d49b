//! Large-batch search: `gemm_topk`, a tiled matrix product of the queries and the stored rows
//! fused with a per-query top-k. A cube owns a tile of [`GEMM_QUERIES`] queries and walks the
//! database in tiles of [`GEMM_ROWS`] rows; for each row tile it stages [`STEP`] dimensions of
//! its queries and rows at a time in shared memory (widened to f32), and each of its
//! [`GEMM_THREADS`] threads accumulates a 4 x 4 block of the 64 x 64 score tile from there, so
//! every value loaded from memory is used 64 times. The score tile then goes back to shared
//! memory, where one thread per query inserts its 64 scores into that query's sorted list of k
//! (the same list code and order as the scan: higher score first, ties to the lower slot).
//! Scores never leave the chip, so no score buffer has to be bounded; the cube's lists go to
//! [`crate::topk::merge_topk`] like the scan's.
//!
//! Eligibility is the alive bitmap ANDed with the caller's filter inside the kernel; a row tile
//! whose 64 bits are all clear is skipped without loading anything. Tensor cores are not used:
//! the products run on the vector units in f32 (portable: the same source runs on lavapipe).
//!
//! int8: the codes are multiplied as f32; a product of two codes is at most 127^2 and a sum of
//! up to [`I8_EXACT_DIM`] of them stays below 2^24, so the dot product is exact (as the scan's
//! i32 one is) and the score `dot * row scale * query scale` is the same bits.

use cubecl::prelude::*;
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
/// Dimensions staged in shared memory per step.
const STEP: usize = 16;
/// Each thread computes a `MICRO x MICRO` block of the score tile.
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
/// f32 words of the shared tile region: the staged operands, later the score tile (row `r`,
/// query `q` at `r * GEMM_QUERIES + q`). With k = [`GEMM_MAX_K`] a cube uses 32 KiB in all.
const TILE_WORDS: usize = larger(ROW_REGION + STEP * GEMM_ROWS, GEMM_ROWS * GEMM_QUERIES);
/// The largest k of the GEMM path (its lists hold `GEMM_QUERIES * k` entries).
pub const GEMM_MAX_K: usize = 32;
/// Batches of at least this many queries take the GEMM path (see the crate README for why).
pub const GEMM_MIN_QUERIES: usize = 16;
/// Largest dimension for which the int8 GEMM's f32 dot product is exact (127^2 x 1040 < 2^24).
pub const I8_EXACT_DIM: usize = 1024;
/// Cubes the grid aims at (row cubes x query tiles): a wave or two on a large GPU.
const TARGET_CUBES: usize = 1024;

const fn larger(a: usize, b: usize) -> usize {
    if a > b { a } else { b }
}

/// Shared memory one cube uses for top-`k`, in bytes.
pub fn shared_bytes(k: usize) -> usize {
    (TILE_WORDS + 2 * GEMM_QUERIES * k) * 4
}

/// True when the GEMM path can run this search on `client`: k in 1..=[`GEMM_MAX_K`], its shared
/// memory and 256 threads fit the device, the vector width divides a step, and (int8) the
/// dimension is at most [`I8_EXACT_DIM`].
pub fn supports<R: Runtime>(
    client: &ComputeClient<R>,
    database: &DeviceRows<'_>,
    dim: usize,
    k: usize,
) -> bool {
    let hardware = &client.properties().hardware;
    let (elem_bytes, exact) = match database {
        DeviceRows::F16 { .. } => (size_of::<f16>(), true),
        DeviceRows::I8 { .. } => (1, dim <= I8_EXACT_DIM),
    };
    let width = vector_width(client, elem_bytes, dim);
    (1..=GEMM_MAX_K).contains(&k)
        && exact
        && STEP.is_multiple_of(width)
        && shared_bytes(k) <= hardware.max_shared_memory_size
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
/// writes its lists to `out_*[(query * CUBE_COUNT_X + x) * k ..]`.
#[cube(launch)]
#[allow(clippy::too_many_arguments)]
pub fn gemm_topk<E: Numeric, N: Size>(
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
) {
    let unit = UNIT_POS as usize;
    let query_lane = unit / ROW_LANES;
    let row_lane = unit % ROW_LANES;
    let lanes = N::value();
    let step_vectors = comptime!(STEP / lanes);
    let steps = comptime!(dim_vectors.div_ceil(step_vectors));
    let dim = comptime!(dim_vectors * lanes);
    let mut tiles = SharedMemory::<f32>::new(TILE_WORDS);
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
            let mut acc = Array::<f32>::new(MICRO * MICRO);
            #[unroll]
            for i in 0..MICRO * MICRO {
                acc[i] = 0.0f32;
            }
            for step in 0..steps {
                sync_cube();
                stage_queries(
                    queries,
                    &mut tiles,
                    first_query,
                    query_count,
                    step,
                    unit,
                    dim,
                );
                stage_rows::<E, N>(
                    database,
                    &mut tiles,
                    first_row,
                    rows,
                    step,
                    unit,
                    dim_vectors,
                );
                sync_cube();
                let mut row_values = Array::<f32>::new(MICRO);
                #[unroll]
                for e in 0..STEP {
                    #[unroll]
                    for j in 0..MICRO {
                        row_values[j] =
                            tiles[ROW_REGION + e * GEMM_ROWS + row_lane + j * ROW_LANES];
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
                let q = query_lane + i * QUERY_LANES;
                #[unroll]
                for j in 0..MICRO {
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
            sync_cube();
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

/// Launches `gemm_topk` for `request` (which [`supports`] accepts); the cubes' lists are left for
/// the merge.
pub(crate) fn launch_gemm<R: Runtime>(
    client: &ComputeClient<R>,
    database: DeviceRows<'_>,
    bitmaps: &Bitmaps,
    request: &SearchRequest<'_>,
    queries: usize,
) -> Result<Candidates> {
    let (k, dim) = (request.k, request.dim);
    let shape = GemmShape::new(request.rows, queries);
    let per_query = shape.row_cubes * k;
    let scores = client.empty(queries * per_query * size_of::<f32>());
    let slots = client.empty(queries * per_query * size_of::<u32>());
    let grid = CubeCount::Static(shape.row_cubes as u32, shape.query_tiles as u32, 1);
    let cube_dim = CubeDim::new_1d(GEMM_THREADS as u32);
    let stored_len = interleaved_len(request.rows, dim);
    let rows = request.rows as u32;
    let filter_words = bitmaps.filter_words.max(1);
    // SAFETY (all `from_raw_parts` below): every handle holds at least the length given, counted
    // in scalar elements (CubeCL divides a vectorised array's length by its width). Unscaled
    // (fp16) launches pass the query buffer as the scales, which the kernel then never reads.
    match database {
        DeviceRows::F16 { values } => {
            check_stored(values, stored_len * size_of::<f16>())?;
            let width = vector_width(client, size_of::<f16>(), dim);
            let query_handle = client.create_from_slice(f32::as_bytes(request.queries));
            gemm_topk::launch::<f16, R>(
                client,
                grid,
                cube_dim,
                width,
                unsafe { ArrayArg::from_raw_parts(values.clone(), stored_len) },
                unsafe { ArrayArg::from_raw_parts(query_handle.clone(), 1) },
                unsafe { ArrayArg::from_raw_parts(query_handle.clone(), queries * dim) },
                unsafe { ArrayArg::from_raw_parts(query_handle, 1) },
                unsafe { ArrayArg::from_raw_parts(bitmaps.alive.clone(), bitmaps.alive_words) },
                unsafe { ArrayArg::from_raw_parts(bitmaps.filter.clone(), filter_words) },
                unsafe { ArrayArg::from_raw_parts(scores.clone(), queries * per_query) },
                unsafe { ArrayArg::from_raw_parts(slots.clone(), queries * per_query) },
                rows,
                queries as u32,
                bitmaps.filter_words as u32,
                dim / width,
                k,
                false,
            );
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
            let code_handle = client.create_from_slice(f32::as_bytes(&widened));
            let scale_handle = client.create_from_slice(f32::as_bytes(&query_scales));
            gemm_topk::launch::<i8, R>(
                client,
                grid,
                cube_dim,
                width,
                unsafe { ArrayArg::from_raw_parts(codes.clone(), stored_len) },
                unsafe { ArrayArg::from_raw_parts(row_scales.clone(), request.rows) },
                unsafe { ArrayArg::from_raw_parts(code_handle, queries * dim) },
                unsafe { ArrayArg::from_raw_parts(scale_handle, queries) },
                unsafe { ArrayArg::from_raw_parts(bitmaps.alive.clone(), bitmaps.alive_words) },
                unsafe { ArrayArg::from_raw_parts(bitmaps.filter.clone(), filter_words) },
                unsafe { ArrayArg::from_raw_parts(scores.clone(), queries * per_query) },
                unsafe { ArrayArg::from_raw_parts(slots.clone(), queries * per_query) },
                rows,
                queries as u32,
                bitmaps.filter_words as u32,
                dim / width,
                k,
                true,
            );
        }
    }
    Ok(Candidates {
        scores,
        slots,
        per_query,
    })
}
