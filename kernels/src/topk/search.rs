//! The host API of a search: the stored database ([`DeviceRows`]), the request, the choice of
//! path ([`SearchPath`]), the checks on the input, and [`search_gpu`] / [`search_on_path`], which
//! run the scan or the GEMM path and the merge.

use cubecl::prelude::*;
use cubecl::server::Handle;

use super::filter::{Eligible, upload_bitmaps};
use super::merge::merge_and_read;
use super::scan_launch::launch_scan;
use super::{Hit, MAX_K, MAX_QUERIES};
use crate::gemm::TileProduct;
use crate::{KernelError, Result};

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
    /// `scan_topk_f16` / `scan_topk_i8`: each cube scores up to
    /// [`QUERY_TILE`](super::QUERY_TILE) queries per row it loads. Any k up to [`MAX_K`]; the
    /// database is read once per tile of queries.
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
