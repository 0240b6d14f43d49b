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
//!
//! Files: `list.rs` holds the per-thread sorted lists in shared memory that every kernel here
//! (and the GEMM path) keeps; `filter.rs` the eligibility bitmaps; `scan.rs` the scan kernels and
//! `scan_launch.rs` their launch shape and launch; `merge.rs` the merge kernel and the read-back;
//! `search.rs` the host API that picks a path and runs it; `reference.rs` the CPU references.

mod filter;
mod list;
mod merge;
mod reference;
mod scan;
mod scan_launch;
mod search;

pub(crate) use filter::{Bitmaps, eligible_word};
pub use filter::{Eligible, FilterBits, bit_set};
pub(crate) use list::{clear_list, insert};
pub(crate) use merge::Candidates;
pub use merge::merge_topk;
pub use reference::{scan_topk_f16_ref, scan_topk_i8_ref};
pub(crate) use scan::row_base;
pub use scan::{scan_topk_f16, scan_topk_i8};
pub use scan_launch::ScanShape;
pub(crate) use search::check_stored;
pub use search::{
    DeviceRows, SearchPath, SearchRequest, i8_bytes, search_gpu, search_on_path, vector_width,
};

/// Score of an empty list entry; no real dot product of finite vectors reaches it.
pub const EMPTY_SCORE: f32 = f32::MIN;
/// Slot of an empty list entry.
pub const EMPTY_SLOT: u32 = u32::MAX;
/// The largest k a search accepts (the shared-memory lists hold `threads * k` entries).
pub const MAX_K: usize = 256;
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
