//! The host side of the scan: its launch shape ([`ScanShape`]: threads, cubes, query tile) and
//! the launch of `scan_topk_f16` or `scan_topk_i8`.

use cubecl::prelude::*;
use cubecl::server::Handle;
use half::f16;

use super::QUERY_TILE;
use super::filter::Bitmaps;
use super::merge::Candidates;
use super::scan::{scan_topk_f16, scan_topk_i8};
use super::search::{DeviceRows, SearchRequest, check_stored, i8_bytes, vector_width};
use crate::Result;
use crate::layout::interleaved_len;

/// Shared-memory budget for one cube's lists, in bytes (fits every Vulkan and CUDA device).
const LIST_BYTES: usize = 16 * 1024;
/// Most cubes along x for the scan; more rows per thread beyond that.
const MAX_SCAN_CUBES: usize = 1024;

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
    /// The shape for `rows` database rows, top-`k` (1 <= k <= [`MAX_K`](super::MAX_K)) and
    /// `queries` queries: the largest tile up to [`QUERY_TILE`] whose lists leave
    /// [`MIN_TILED_THREADS`] threads in the shared-memory budget, else one query per cube.
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

/// Launches `scan_topk_f16` or `scan_topk_i8`.
pub(super) fn launch_scan<R: Runtime>(
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
    let [alive, filter, out_scores, out_slots] =
        bitmap_and_list_args::<R>(bitmaps, &scores, &slots, queries * per_query);
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
                alive,
                filter,
                out_scores,
                out_slots,
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
                alive,
                filter,
                out_scores,
                out_slots,
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

/// The array arguments both scan kernels take after their operands, in order: the alive bitmap,
/// the caller's filter (at least one word; the kernels do not read it when `filter_words` is 0)
/// and the output lists of `candidates` scores and slots.
fn bitmap_and_list_args<R: Runtime>(
    bitmaps: &Bitmaps,
    scores: &Handle,
    slots: &Handle,
    candidates: usize,
) -> [ArrayArg<R>; 4] {
    let filter_words = bitmaps.filter_words.max(1);
    // SAFETY (all four): every handle holds at least the length given, counted in scalar
    // elements: the bitmaps their words (without a caller filter, `filter` is the alive handle,
    // which holds at least one word), the lists `candidates` each.
    unsafe {
        [
            ArrayArg::from_raw_parts(bitmaps.alive.clone(), bitmaps.alive_words),
            ArrayArg::from_raw_parts(bitmaps.filter.clone(), filter_words),
            ArrayArg::from_raw_parts(scores.clone(), candidates),
            ArrayArg::from_raw_parts(slots.clone(), candidates),
        ]
    }
}
