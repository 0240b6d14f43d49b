//! Descriptors → matches: an exact in-memory index over L2-normalised descriptors of one fixed dimension, with
//! fp32, fp16 or int8 storage, deletes and upserts visible to the next search, and filters (account, lists, ids,
//! a predicate on per-item metadata) evaluated inside the scan. Knows nothing of HTTP, storage or pixels.
#![warn(missing_docs)]

mod backend;
mod combine;
mod dot;
mod flat;
mod gpu;
mod query;
mod segment;
mod topk;

pub use backend::{Index, IndexBackend};
pub use combine::{CombinerStats, SearchCombiner};
pub use flat::FlatIndex;
pub use gpu::{GPU_MAX_K, GpuIndex};
pub use segment::Storage;

use std::collections::HashSet;
use std::sync::Arc;
use uuid::Uuid;

/// The id of an indexed item (a face, an attribute, an event).
pub type ItemId = Uuid;

/// How an index is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexConfig {
    /// Length of every descriptor.
    pub dim: usize,
    /// How vectors are kept in memory.
    pub storage: Storage,
}

/// Small per-item fields that filters can read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ItemMeta {
    /// Owning account.
    pub account: Uuid,
    /// Lists the item belongs to.
    pub lists: Vec<Uuid>,
    /// The client's own id of the item, if any.
    pub external_id: Option<String>,
    /// Creation time, Unix milliseconds.
    pub created_at: i64,
}

/// A predicate on item metadata.
pub type Predicate = Arc<dyn Fn(&ItemMeta) -> bool + Send + Sync>;

/// Which items a search may return; every given condition must hold.
#[derive(Clone, Default)]
pub struct Filter {
    /// Only items of this account.
    pub account: Option<Uuid>,
    /// Only items in at least one of these lists.
    pub lists: Option<Vec<Uuid>>,
    /// Only these items.
    pub ids: Option<HashSet<ItemId>>,
    /// Only items for which this returns true.
    pub predicate: Option<Predicate>,
}

impl Filter {
    pub(crate) fn accepts(&self, id: &ItemId, meta: &ItemMeta) -> bool {
        self.accepts_lists(meta)
            && self.account.is_none_or(|a| a == meta.account)
            && self.accepts_ids_and_predicate(id, meta)
    }

    /// The list condition alone.
    pub(crate) fn accepts_lists(&self, meta: &ItemMeta) -> bool {
        self.lists
            .as_ref()
            .is_none_or(|lists| meta.lists.iter().any(|l| lists.contains(l)))
    }

    /// `accepts` without the list and account conditions, for callers that know them already.
    pub(crate) fn accepts_ids_and_predicate(&self, id: &ItemId, meta: &ItemMeta) -> bool {
        self.ids.as_ref().is_none_or(|ids| ids.contains(id))
            && self.predicate.as_ref().is_none_or(|p| p(meta))
    }
}

/// One match.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit {
    /// The item.
    pub id: ItemId,
    /// Cosine similarity to the query.
    pub similarity: f32,
}

/// Errors of the index: the caller's input, except `Device`.
#[derive(Clone, Debug, thiserror::Error, PartialEq)]
pub enum IndexError {
    /// A descriptor or query has the wrong length.
    #[error("descriptor has {got} values, the index holds {expected}")]
    WrongDimension {
        /// The index's dimension.
        expected: usize,
        /// What was given.
        got: usize,
    },
    /// A descriptor or query has NaN or infinite values, or is all zeros.
    #[error("descriptor has non-finite values or zero length")]
    NotFinite,
    /// k is 0 or larger than `MAX_K`.
    #[error("k = {k} is outside 1..={max}")]
    BadK {
        /// What was asked.
        k: usize,
        /// The largest allowed.
        max: usize,
    },
    /// The item is not in the index.
    #[error("item {0} is not in the index")]
    NotFound(ItemId),
    /// The configuration is unusable.
    #[error("dimension must be in 1..={MAX_DIM}")]
    BadConfig,
    /// The GPU failed (a launch, a transfer, out of memory); not the caller's fault.
    #[error("GPU matcher: {0}")]
    Device(String),
}

/// Result alias of the index.
pub type Result<T> = std::result::Result<T, IndexError>;

/// The longest descriptor an index accepts (keeps int8 dot products within i32).
pub const MAX_DIM: usize = 65_536;

/// The most results one search may ask for.
pub const MAX_K: usize = 10_000;

/// Checks length and finiteness and returns the unit-length vector.
pub(crate) fn unit_vector(dim: usize, v: &[f32]) -> Result<Vec<f32>> {
    if v.len() != dim {
        return Err(IndexError::WrongDimension {
            expected: dim,
            got: v.len(),
        });
    }
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if !norm.is_finite() || norm == 0.0 || v.iter().any(|x| !x.is_finite()) {
        return Err(IndexError::NotFinite);
    }
    Ok(v.iter().map(|x| x / norm).collect())
}
