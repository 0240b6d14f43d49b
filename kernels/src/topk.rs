//! Exact top-k search over a device-resident database: a scan kernel per storage type (fp16,
//! int8) fused with a per-cube top-k kept in shared memory, and a merge kernel that reduces the
//! per-cube lists to the global top-k of each query. A cube scores a tile of up to
//! [`QUERY_TILE`] queries against each row it loads, so a batch reads the database from memory
//! once per tile instead of once per query (the row is re-read from cache for the tile's other
//! queries): a tiled matrix product on the GPU's vector units, fused with the top-k. A filter
//! bitmap (one bit per slot: alive and inside the caller's list/account filter) is read inside
//! the scan, so deleted or filtered slots cost one bit test and no vector load. Rows are stored
//! interleaved in groups of 32 ([`crate::layout`]) so that a warp's loads are contiguous. The
//! CPU references are [`scan_topk_f16_ref`] and [`scan_topk_i8_ref`].
//!
//! Order: a higher score wins; equal scores go to the lower slot. Both the kernels and the
//! references use this order, so top-k ids are deterministic and compared exactly.

use cubecl::prelude::*;
use cubecl::server::Handle;
use half::f16;

use crate::gemm::TileProduct;
use crate::layout::{ROW_GROUP, interleaved_len};
use crate::runtime::read_f32_u32;
use crate::{KernelError, Result};

/// Score of an empty list entry; no real dot product of finite vectors reaches it.
pub const EMPTY_SCORE: f32 = f32::MIN;
/// Slot of an empty list entry.
pub const EMPTY_SLOT: u32 = u32::MAX;
/// The largest k a search accepts (the shared-memory lists hold `threads * k` entries).
pub const MAX_K: usize = 256;
/// Shared-memory budget for one cube's lists, in bytes (fits every Vulkan and CUDA device).
const LIST_BYTES: usize = 16 * 1024;
/// Most cubes along x for the scan; more rows per thread beyond that.
const MAX_SCAN_CUBES: usize = 1024;
/// Pre-filled into the result slots: every merge thread overwrites its entries, so a slot still
/// holding this after read-back means the kernel never ran. CubeCL reports some failures (a
/// panic while expanding a kernel on the device thread) only in the log and leaves the output
/// buffers as they were: this turns that into an error instead of a silent empty result.
const NOT_WRITTEN: u32 = u32::MAX - 1;
/// Most queries per launch (the y dimension of the grid is the number of query tiles).
pub const MAX_QUERIES: usize = 65_535;
/// Queries a cube scores per row load when a batch has several.
pub const QUERY_TILE: usize = 4;

/// One match: the database slot and its similarity score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Slot index in the database.
    pub slot: u32,
    /// Dot product of the query and the stored vector (cosine for normalised vectors).
    pub score: f32,
}

/// True when (score, slot) ranks before (other_score, other_slot).
#[cube]
fn ranks_before(score: f32, slot: u32, other_score: f32, other_slot: u32) -> bool {
    let mut before = score > other_score;
    if score == other_score {
        before = slot < other_slot;
    }
    before
}

/// Inserts (score, slot) into the sorted list of thread `lane`, whose entry `i` lives at
/// `base + i * stride + lane`, if it ranks before the list's last entry.
#[cube]
#[allow(clippy::too_many_arguments)]
pub(crate) fn insert(
    scores: &mut SharedMemory<f32>,
    slots: &mut SharedMemory<u32>,
    base: usize,
    lane: usize,
    stride: usize,
    score: f32,
    slot: u32,
    #[comptime] k: usize,
) {
    let lane = base + lane;
    let last = (k - 1) * stride + lane;
    if ranks_before(score, slot, scores[last], slots[last]) {
        let mut position = (k - 1).runtime();
        let mut shifting = true;
        while shifting {
            if position == 0 {
                shifting = false;
            } else {
                let previous = (position - 1) * stride + lane;
                if ranks_before(score, slot, scores[previous], slots[previous]) {
                    scores[position * stride + lane] = scores[previous];
                    slots[position * stride + lane] = slots[previous];
                    position -= 1;
                } else {
                    shifting = false;
                }
            }
        }
        scores[position * stride + lane] = score;
        slots[position * stride + lane] = slot;
    }
}

/// Fills the list of thread `lane` in the block at `base` with empty entries.
#[cube]
pub(crate) fn clear_list(
    scores: &mut SharedMemory<f32>,
    slots: &mut SharedMemory<u32>,
    base: usize,
    lane: usize,
    #[comptime] threads: usize,
    #[comptime] k: usize,
) {
    for i in 0..k {
        scores[base + i * threads + lane] = -3.402_823_5e38f32;
        slots[base + i * threads + lane] = 4_294_967_295u32;
    }
}

/// Tree reduction of the `threads` per-thread lists of the block at `base` into its list 0, then
/// writes that list to `out_*[out_base..out_base + k]`.
#[cube]
#[allow(clippy::too_many_arguments)]
fn reduce_and_write(
    scores: &mut SharedMemory<f32>,
    slots: &mut SharedMemory<u32>,
    base: usize,
    out_scores: &mut Array<f32>,
    out_slots: &mut Array<u32>,
    out_base: usize,
    #[comptime] threads: usize,
    #[comptime] k: usize,
) {
    let lane = UNIT_POS as usize;
    sync_cube();
    let mut half = (threads / 2).runtime();
    while half > 0 {
        if lane < half {
            let mut taking = true;
            for i in 0..k {
                if taking {
                    let source = base + i * threads + lane + half;
                    let last = base + (k - 1) * threads + lane;
                    let score = scores[source];
                    let slot = slots[source];
                    if ranks_before(score, slot, scores[last], slots[last]) {
                        insert(scores, slots, base, lane, threads, score, slot, k);
                    } else {
                        taking = false;
                    }
                }
            }
        }
        sync_cube();
        half /= 2;
    }
    let mut i = lane;
    while i < k {
        out_scores[out_base + i] = scores[base + i * threads];
        out_slots[out_base + i] = slots[base + i * threads];
        i += threads;
    }
}

/// Index of vector 0 of `row` in the interleaved layout ([`crate::layout`]); vector `j` of the
/// row is at `row_base + j * ROW_GROUP`.
#[cube]
pub(crate) fn row_base(row: usize, #[comptime] dim_vectors: usize) -> usize {
    (row / ROW_GROUP) * dim_vectors * ROW_GROUP + row % ROW_GROUP
}

/// Word `word` of the eligible-slot bitmap: the alive bitmap ANDed with the caller's filter.
/// `filter_words` = 0 means no caller filter (`filter` is not read); otherwise words of `filter`
/// at or beyond `filter_words` count as zero.
#[cube]
pub(crate) fn eligible_word(
    alive: &Array<u32>,
    filter: &Array<u32>,
    filter_words: u32,
    word: usize,
) -> u32 {
    let mut bits = alive[word];
    if filter_words > 0 {
        if word < filter_words as usize {
            bits &= filter[word];
        } else {
            bits = 0u32;
        }
    }
    bits
}

/// True when slot `row` is alive and passes the caller's filter (see [`eligible_word`]).
#[cube]
fn passes(alive: &Array<u32>, filter: &Array<u32>, filter_words: u32, row: usize) -> bool {
    let word = eligible_word(alive, filter, filter_words, row / 32);
    ((word >> (row % 32) as u32) & 1u32) == 1u32
}

/// Scan of an fp16 database `[rows, dim]` (as `dim_vectors` vectors of N lanes per row, in the
/// interleaved layout of [`crate::layout`]) against f32 queries; grid (cubes, query tiles). Cube x keeps, for each of the `tile` queries of its
/// tile, the top-k of rows x*threads + t + j*stride.
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

/// Scan of an int8 database (codes `[rows, dim]` in the interleaved layout, one scale per row) against int8 queries (one
/// scale per query), tiled like [`scan_topk_f16`]. The dot product is exact in i32; score =
/// dot * row scale * query scale.
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

/// Second pass: reduces `candidates` (score, slot) pairs per query to the top-k; grid (1, queries).
#[cube(launch)]
pub fn merge_topk(
    in_scores: &Array<f32>,
    in_slots: &Array<u32>,
    out_scores: &mut Array<f32>,
    out_slots: &mut Array<u32>,
    candidates: u32,
    #[comptime] threads: usize,
    #[comptime] k: usize,
) {
    let lane = UNIT_POS as usize;
    let mut scores = SharedMemory::<f32>::new(threads * k);
    let mut slots = SharedMemory::<u32>::new(threads * k);
    clear_list(&mut scores, &mut slots, 0, lane, threads, k);
    let base = (CUBE_POS_Y as usize) * candidates as usize;
    let mut i = lane;
    while i < candidates as usize {
        let slot = in_slots[base + i];
        if slot != 4_294_967_295u32 {
            insert(
                &mut scores,
                &mut slots,
                0,
                lane,
                threads,
                in_scores[base + i],
                slot,
                k,
            );
        }
        i += threads;
    }
    reduce_and_write(
        &mut scores,
        &mut slots,
        0,
        out_scores,
        out_slots,
        (CUBE_POS_Y as usize) * k,
        threads,
        k,
    );
}

/// Launch shape of one search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanShape {
    /// Threads per cube (a power of two); each thread keeps its own list of k entries per query
    /// of the tile.
    pub threads: usize,
    /// Cubes along x in the scan.
    pub cubes: usize,
    /// Queries a cube scores per row load (1 for a single query or a large k).
    pub tile: usize,
}

/// A query tile is used only while it leaves at least this many threads per cube.
const MIN_TILED_THREADS: usize = 32;

impl ScanShape {
    /// The shape for `rows` database rows, top-`k` (1 <= k <= [`MAX_K`]) and `queries` queries:
    /// the largest tile up to [`QUERY_TILE`] whose lists leave [`MIN_TILED_THREADS`] threads in
    /// the shared-memory budget, else one query per cube.
    pub fn new(rows: usize, k: usize, queries: usize) -> Self {
        let k = k.max(1);
        let tile = (1..=QUERY_TILE.min(queries.max(1)))
            .rev()
            .find(|tile| LIST_BYTES / (8 * k * tile) >= MIN_TILED_THREADS)
            .unwrap_or(1);
        let fit = (LIST_BYTES / (8 * k * tile)).clamp(1, 256);
        let threads = 1usize << fit.ilog2();
        let cubes = rows.div_ceil(threads).clamp(1, MAX_SCAN_CUBES);
        ScanShape {
            threads,
            cubes,
            tile,
        }
    }
}

/// The stored form of a database on the device. Values and codes are in the interleaved layout
/// of [`crate::layout`], packed with the width [`vector_width`] gives for this client and dimension
/// (at least `interleaved_len(rows, dim)` elements).
pub enum DeviceRows<'a> {
    /// fp16 values of `[rows, dim]`.
    F16 {
        /// The values.
        values: &'a Handle,
    },
    /// int8 codes of `[rows, dim]` and one f32 scale per row (plain order).
    I8 {
        /// The codes.
        codes: &'a Handle,
        /// One scale per row.
        scales: &'a Handle,
    },
}

/// A bitmap of slots, one bit per slot (set = eligible), at least `rows.div_ceil(32)` words.
#[derive(Clone, Copy)]
pub enum FilterBits<'a> {
    /// On the host: uploaded by the search.
    Host(&'a [u32]),
    /// Already on the device (a matcher's bitmap of live slots, kept there between searches).
    Device {
        /// The words.
        handle: &'a Handle,
        /// How many words the handle holds.
        words: usize,
    },
}

impl FilterBits<'_> {
    fn words(&self) -> usize {
        match self {
            FilterBits::Host(words) => words.len(),
            FilterBits::Device { words, .. } => *words,
        }
    }
}

/// Which slots a search may return: the live ones, ANDed inside the kernels with the caller's
/// filter when there is one. Only the caller's filter is uploaded per search (when the alive
/// bitmap is already on the device).
#[derive(Clone, Copy)]
pub struct Eligible<'a> {
    /// Live slots (stored and not deleted).
    pub alive: FilterBits<'a>,
    /// The caller's filter, one bit per slot; words beyond its end count as zero. `None`: every
    /// live slot.
    pub filter: Option<&'a [u32]>,
}

/// The bitmaps as kernel arguments. Without a caller filter, `filter` is the alive handle again
/// and `filter_words` is 0, which tells the kernels not to read it.
pub(crate) struct Bitmaps {
    pub(crate) alive: Handle,
    pub(crate) alive_words: usize,
    pub(crate) filter: Handle,
    pub(crate) filter_words: usize,
}

/// The per-cube lists a scan or GEMM launch leaves for [`merge_topk`]: `per_query` (score, slot)
/// pairs per query, `[queries, per_query]`.
pub(crate) struct Candidates {
    pub(crate) scores: Handle,
    pub(crate) slots: Handle,
    pub(crate) per_query: usize,
}

/// Everything a search needs besides the database itself.
pub struct SearchRequest<'a> {
    /// Rows stored (slots 0..rows).
    pub rows: usize,
    /// Vector dimension.
    pub dim: usize,
    /// Queries, `[q, dim]` row-major, f32.
    pub queries: &'a [f32],
    /// How many hits per query.
    pub k: usize,
}

/// Which kernels a search runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchPath {
    /// `scan_topk_f16` / `scan_topk_i8`: each cube scores up to [`QUERY_TILE`] queries per row
    /// it loads. Any k up to [`MAX_K`]; the database is read once per tile of queries.
    Scan,
    /// `gemm_topk` ([`crate::gemm`]): tiles of 64 queries x 64 rows in shared memory, the score
    /// tile computed with the given product; the database is read once per 64 queries. For
    /// large batches and k up to [`crate::gemm::GEMM_MAX_K`].
    Gemm(TileProduct),
}

impl SearchPath {
    /// The path [`search_gpu`] takes: the GEMM from [`crate::gemm::GEMM_MIN_QUERIES`] queries on
    /// when the client and the request allow it ([`crate::gemm::supports`]), on tensor cores
    /// where the client has them ([`TileProduct::choose`]), else the scan.
    pub fn choose<R: Runtime>(
        client: &ComputeClient<R>,
        database: &DeviceRows<'_>,
        request: &SearchRequest<'_>,
    ) -> SearchPath {
        let queries = request.queries.len() / request.dim.max(1);
        let product = TileProduct::choose(client, matches!(database, DeviceRows::I8 { .. }));
        if queries >= crate::gemm::GEMM_MIN_QUERIES
            && crate::gemm::supports(client, database, request.dim, request.k, product)
        {
            SearchPath::Gemm(product)
        } else {
            SearchPath::Scan
        }
    }
}

/// Widest vector (lanes) the client loads efficiently for `elem_bytes` that divides `dim`.
pub fn vector_width<R: Runtime>(client: &ComputeClient<R>, elem_bytes: usize, dim: usize) -> usize {
    client
        .io_optimized_vector_sizes(elem_bytes)
        .filter(|width| *width > 0 && dim.is_multiple_of(*width))
        .max()
        .unwrap_or(1)
}

fn validate(request: &SearchRequest<'_>, eligible: &Eligible<'_>) -> Result<usize> {
    if request.dim == 0 {
        return Err(KernelError::BadInput("dimension is 0".to_string()));
    }
    if !request.queries.len().is_multiple_of(request.dim) {
        return Err(KernelError::BadInput(format!(
            "{} query values is not a multiple of dimension {}",
            request.queries.len(),
            request.dim
        )));
    }
    let queries = request.queries.len() / request.dim;
    if queries > MAX_QUERIES {
        return Err(KernelError::BadInput(format!(
            "{queries} queries in one batch; at most {MAX_QUERIES}"
        )));
    }
    if request.k > MAX_K {
        return Err(KernelError::BadInput(format!(
            "k = {} exceeds {MAX_K}",
            request.k
        )));
    }
    if eligible.alive.words() < request.rows.div_ceil(32) {
        return Err(KernelError::BadInput(format!(
            "alive bitmap has {} words, {} rows need {}",
            eligible.alive.words(),
            request.rows,
            request.rows.div_ceil(32)
        )));
    }
    if request.rows > u32::MAX as usize - 1 {
        return Err(KernelError::BadInput(format!(
            "{} rows exceed u32 slots",
            request.rows
        )));
    }
    Ok(queries)
}

/// Runs a search on the path [`SearchPath::choose`] picks; returns the top-k hits of every
/// query, best first. Queries with fewer than k eligible slots get fewer hits.
pub fn search_gpu<R: Runtime>(
    client: &ComputeClient<R>,
    database: DeviceRows<'_>,
    eligible: Eligible<'_>,
    request: &SearchRequest<'_>,
) -> Result<Vec<Vec<Hit>>> {
    let path = SearchPath::choose(client, &database, request);
    search_on_path(client, database, eligible, request, path)
}

/// [`search_gpu`] on a given path (`Gemm` fails with `BadInput` where
/// [`crate::gemm::supports`] says no).
pub fn search_on_path<R: Runtime>(
    client: &ComputeClient<R>,
    database: DeviceRows<'_>,
    eligible: Eligible<'_>,
    request: &SearchRequest<'_>,
    path: SearchPath,
) -> Result<Vec<Vec<Hit>>> {
    let queries = validate(request, &eligible)?;
    let nothing_eligible = eligible.filter.is_some_and(|words| words.is_empty());
    if queries == 0 || request.k == 0 || request.rows == 0 || nothing_eligible {
        return Ok(vec![Vec::new(); queries]);
    }
    let bitmaps = upload_bitmaps(client, eligible, request.rows.div_ceil(32));
    let candidates = match path {
        SearchPath::Scan => launch_scan(client, database, &bitmaps, request, queries)?,
        SearchPath::Gemm(product) => {
            if !crate::gemm::supports(client, &database, request.dim, request.k, product) {
                return Err(KernelError::BadInput(format!(
                    "the GEMM path ({product:?}) does not take k = {} at dimension {} on this \
                     device",
                    request.k, request.dim
                )));
            }
            crate::gemm::launch_gemm(client, database, &bitmaps, request, queries, product)?
        }
    };
    merge_and_read(client, candidates, queries, request.k)
}

/// The alive bitmap (uploaded when on the host) and the caller's filter (uploaded, at most
/// `words` words), as kernel arguments. `filter` must not be an empty slice.
fn upload_bitmaps<R: Runtime>(
    client: &ComputeClient<R>,
    eligible: Eligible<'_>,
    words: usize,
) -> Bitmaps {
    let alive = match eligible.alive {
        FilterBits::Host(bits) => client.create_from_slice(u32::as_bytes(&bits[..words])),
        FilterBits::Device { handle, .. } => handle.clone(),
    };
    match eligible.filter {
        Some(bits) => {
            let filter_words = bits.len().min(words);
            Bitmaps {
                filter: client.create_from_slice(u32::as_bytes(&bits[..filter_words])),
                alive,
                alive_words: words,
                filter_words,
            }
        }
        None => Bitmaps {
            filter: alive.clone(),
            alive,
            alive_words: words,
            filter_words: 0,
        },
    }
}

/// Launches `scan_topk_f16` or `scan_topk_i8`.
fn launch_scan<R: Runtime>(
    client: &ComputeClient<R>,
    database: DeviceRows<'_>,
    bitmaps: &Bitmaps,
    request: &SearchRequest<'_>,
    queries: usize,
) -> Result<Candidates> {
    let k = request.k;
    let shape = ScanShape::new(request.rows, k, queries);
    let per_query = shape.cubes * k;
    let dim = request.dim;
    let stored_len = interleaved_len(request.rows, dim);
    let scores = client.empty(queries * per_query * size_of::<f32>());
    let slots = client.empty(queries * per_query * size_of::<u32>());
    let grid = CubeCount::Static(shape.cubes as u32, queries.div_ceil(shape.tile) as u32, 1);
    let cube_dim = CubeDim::new_1d(shape.threads as u32);
    let rows = request.rows as u32;
    let filter_words = bitmaps.filter_words.max(1);
    // SAFETY (all `from_raw_parts` below): every handle holds at least the length given, counted
    // in scalar elements (CubeCL divides a vectorised array's length by its width).
    match database {
        DeviceRows::F16 { values } => {
            check_stored(values, stored_len * size_of::<f16>())?;
            let width = vector_width(client, size_of::<f16>(), dim);
            let query_handle = client.create_from_slice(f32::as_bytes(request.queries));
            scan_topk_f16::launch::<R>(
                client,
                grid,
                cube_dim,
                width,
                unsafe { ArrayArg::from_raw_parts(values.clone(), stored_len) },
                unsafe { ArrayArg::from_raw_parts(query_handle, queries * dim) },
                unsafe { ArrayArg::from_raw_parts(bitmaps.alive.clone(), bitmaps.alive_words) },
                unsafe { ArrayArg::from_raw_parts(bitmaps.filter.clone(), filter_words) },
                unsafe { ArrayArg::from_raw_parts(scores.clone(), queries * per_query) },
                unsafe { ArrayArg::from_raw_parts(slots.clone(), queries * per_query) },
                rows,
                queries as u32,
                bitmaps.filter_words as u32,
                dim / width,
                shape.threads,
                k,
                shape.tile,
            );
        }
        DeviceRows::I8 { codes, scales } => {
            check_stored(codes, stored_len)?;
            check_stored(scales, request.rows * size_of::<f32>())?;
            let width = vector_width(client, 1, dim);
            let (query_codes, query_scales) =
                crate::quantize::quantize_i8_ref(request.queries, dim);
            let code_handle = client.create_from_slice(i8_bytes(&query_codes));
            let scale_handle = client.create_from_slice(f32::as_bytes(&query_scales));
            scan_topk_i8::launch::<R>(
                client,
                grid,
                cube_dim,
                width,
                unsafe { ArrayArg::from_raw_parts(codes.clone(), stored_len) },
                unsafe { ArrayArg::from_raw_parts(scales.clone(), request.rows) },
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
                shape.threads,
                k,
                shape.tile,
            );
        }
    }
    Ok(Candidates {
        scores,
        slots,
        per_query,
    })
}

/// Reduces the candidates of every query to its top-k with [`merge_topk`] and reads them back.
fn merge_and_read<R: Runtime>(
    client: &ComputeClient<R>,
    candidates: Candidates,
    queries: usize,
    k: usize,
) -> Result<Vec<Vec<Hit>>> {
    let per_query = candidates.per_query;
    let final_scores = client.empty(queries * k * size_of::<f32>());
    let final_slots = client.create_from_slice(u32::as_bytes(&vec![NOT_WRITTEN; queries * k]));
    let merge_threads = ScanShape::new(per_query, k, 1).threads;
    // SAFETY: the candidate handles hold `queries * per_query` elements, the results `queries * k`.
    merge_topk::launch::<R>(
        client,
        CubeCount::Static(1, queries as u32, 1),
        CubeDim::new_1d(merge_threads as u32),
        unsafe { ArrayArg::from_raw_parts(candidates.scores, queries * per_query) },
        unsafe { ArrayArg::from_raw_parts(candidates.slots, queries * per_query) },
        unsafe { ArrayArg::from_raw_parts(final_scores.clone(), queries * k) },
        unsafe { ArrayArg::from_raw_parts(final_slots.clone(), queries * k) },
        per_query as u32,
        merge_threads,
        k,
    );
    let (scores, slots) = read_f32_u32(client, final_scores, final_slots, "merge_topk")?;
    if scores.len() < queries * k || slots.len() < queries * k {
        return Err(KernelError::Internal {
            kernel: "merge_topk",
            detail: "short read-back".to_string(),
        });
    }
    if slots[..queries * k].contains(&NOT_WRITTEN) {
        return Err(KernelError::Internal {
            kernel: "scan_topk/gemm_topk/merge_topk",
            detail: "results were not written: the launch failed (see the log)".to_string(),
        });
    }
    Ok((0..queries)
        .map(|q| {
            (q * k..(q + 1) * k)
                .filter(|&i| slots[i] != EMPTY_SLOT)
                .map(|i| Hit {
                    slot: slots[i],
                    score: scores[i],
                })
                .collect()
        })
        .collect())
}

/// Fails with `BadInput` when a database handle holds fewer than `bytes` bytes.
pub(crate) fn check_stored(handle: &Handle, bytes: usize) -> Result<()> {
    if (handle.size() as usize) < bytes {
        return Err(KernelError::BadInput(format!(
            "database buffer holds {} bytes, the interleaved layout needs {bytes}",
            handle.size()
        )));
    }
    Ok(())
}

/// The bytes of an i8 slice.
pub fn i8_bytes(values: &[i8]) -> &[u8] {
    // SAFETY: i8 and u8 have the same size and alignment, and every bit pattern is valid for both.
    unsafe { std::slice::from_raw_parts(values.as_ptr().cast::<u8>(), values.len()) }
}

/// True when bit `row` of `filter` is set.
pub fn bit_set(filter: &[u32], row: usize) -> bool {
    filter
        .get(row / 32)
        .is_some_and(|word| (word >> (row % 32)) & 1 == 1)
}

/// The top-k of `(slot, score)` pairs in the kernels' order.
fn top_k(mut hits: Vec<Hit>, k: usize) -> Vec<Hit> {
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.slot.cmp(&b.slot)));
    hits.truncate(k);
    hits
}

/// CPU reference of the fp16 scan + merge over row-major `[rows, dim]` values (plain order, not
/// interleaved). `width` is the kernel's vector width: lane `l` sums
/// products `j * width + l` in order, then the lanes are added in order, as the kernel does.
pub fn scan_topk_f16_ref(
    database: &[f16],
    filter: &[u32],
    request: &SearchRequest<'_>,
    width: usize,
) -> Vec<Vec<Hit>> {
    let dim = request.dim;
    request
        .queries
        .chunks_exact(dim)
        .map(|query| {
            let hits = (0..request.rows)
                .filter(|&row| bit_set(filter, row))
                .map(|row| {
                    let stored = &database[row * dim..(row + 1) * dim];
                    let mut lanes = vec![0.0f32; width];
                    for (i, (s, q)) in stored.iter().zip(query).enumerate() {
                        lanes[i % width] += s.to_f32() * q;
                    }
                    let score = lanes.iter().fold(0.0f32, |acc, v| acc + v);
                    Hit {
                        slot: row as u32,
                        score,
                    }
                })
                .collect();
            top_k(hits, request.k)
        })
        .collect()
}

/// CPU reference of the int8 scan + merge (queries quantised with `quantize_i8_ref`).
pub fn scan_topk_i8_ref(
    codes: &[i8],
    scales: &[f32],
    filter: &[u32],
    request: &SearchRequest<'_>,
) -> Vec<Vec<Hit>> {
    let dim = request.dim;
    let (query_codes, query_scales) = crate::quantize::quantize_i8_ref(request.queries, dim);
    query_codes
        .chunks_exact(dim)
        .zip(query_scales)
        .map(|(query, query_scale)| {
            let hits = (0..request.rows)
                .filter(|&row| bit_set(filter, row))
                .map(|row| {
                    let stored = &codes[row * dim..(row + 1) * dim];
                    let dot: i32 = stored
                        .iter()
                        .zip(query)
                        .map(|(s, q)| i32::from(*s) * i32::from(*q))
                        .sum();
                    Hit {
                        slot: row as u32,
                        score: dot as f32 * scales[row] * query_scale,
                    }
                })
                .collect();
            top_k(hits, request.k)
        })
        .collect()
}
