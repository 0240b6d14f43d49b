//! `GpuIndex`: the index with its vectors in GPU memory, through `argus_kernels::GpuMatcher` (fp16, or int8 with
//! one scale per vector; an f32 configuration is kept as fp16 on the device). The host keeps what filters read:
//! ids, per-item metadata and list members, and turns each search's `Filter` into the one-bit-per-slot bitmap the
//! kernels AND with the device's alive bitmap before they load a row. Freed slots are reused by later inserts, so
//! deletes need no rebuild. Batches of 16 queries or more run on the matcher's GEMM path.
//!
//! One lock guards the matcher (a device runs one search at a time anyway). Concurrent searches are merged into one
//! launch above this type, by `SearchCombiner`.

use crate::topk::better;
use crate::{Filter, Hit, IndexConfig, IndexError, ItemId, ItemMeta, Result, Storage, unit_vector};
use argus_kernels::{GpuBackend, GpuMatcher, Precision};
use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, PoisonError};
use uuid::Uuid;

/// The largest k one GPU search returns (the scan keeps k entries per thread in shared memory).
pub const GPU_MAX_K: usize = argus_kernels::topk::MAX_K;

/// Most queries in one launch.
const MAX_QUERIES: usize = argus_kernels::topk::MAX_QUERIES;

struct State {
    dim: usize,
    matcher: GpuMatcher,
    slots: HashMap<ItemId, u32>,
    items: Vec<Option<(ItemId, ItemMeta)>>,
    free: Vec<u32>,
    members: HashMap<Uuid, HashSet<u32>>,
}

/// An exact index on a GPU. `Send + Sync`: share it in an `Arc`.
pub struct GpuIndex {
    config: IndexConfig,
    backend: &'static str,
    state: Mutex<State>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn device_error(error: argus_kernels::KernelError) -> IndexError {
    IndexError::Device(error.to_string())
}

impl GpuIndex {
    /// An empty index on `backend`.
    pub fn new(config: IndexConfig, backend: GpuBackend) -> Result<GpuIndex> {
        if config.dim == 0 || config.dim > crate::MAX_DIM {
            return Err(IndexError::BadConfig);
        }
        let precision = match config.storage {
            Storage::F32 | Storage::F16 => Precision::F16,
            Storage::I8 => Precision::I8,
        };
        let name = backend.name();
        let matcher =
            GpuMatcher::with_backend(backend, config.dim, precision).map_err(device_error)?;
        Ok(GpuIndex {
            config,
            backend: name,
            state: Mutex::new(State {
                dim: config.dim,
                matcher,
                slots: HashMap::new(),
                items: Vec::new(),
                free: Vec::new(),
                members: HashMap::new(),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> IndexConfig {
        self.config
    }

    /// "cuda" or "wgpu".
    pub fn backend_name(&self) -> &'static str {
        self.backend
    }

    /// Inserts or replaces an item. The vector is normalised to unit length.
    pub fn upsert(&self, id: ItemId, descriptor: &[f32], meta: ItemMeta) -> Result<()> {
        let v = unit_vector(self.config.dim, descriptor)?;
        lock(&self.state).store(id, &v, meta)
    }

    /// `upsert` for every item, under one lock. Stops at the first bad descriptor; the items before it stay in.
    pub fn upsert_many<I>(&self, items: I) -> Result<usize>
    where
        I: IntoIterator<Item = (ItemId, Vec<f32>, ItemMeta)>,
    {
        let mut state = lock(&self.state);
        let mut stored = 0;
        for (id, descriptor, meta) in items {
            let v = unit_vector(self.config.dim, &descriptor)?;
            state.store(id, &v, meta)?;
            stored += 1;
        }
        Ok(stored)
    }

    /// Removes an item; true when it was there. Searches that start after this returns never see it.
    pub fn remove(&self, id: ItemId) -> bool {
        let mut state = lock(&self.state);
        let Some(slot) = state.slots.remove(&id) else {
            return false;
        };
        state.matcher.remove(slot);
        if let Some((_, meta)) = state.items[slot as usize].take() {
            state.forget_lists(slot, &meta.lists);
        }
        state.free.push(slot);
        true
    }

    /// Replaces an item's list memberships without touching its vector.
    pub fn set_lists(&self, id: ItemId, lists: Vec<Uuid>) -> Result<()> {
        let mut state = lock(&self.state);
        let slot = *state.slots.get(&id).ok_or(IndexError::NotFound(id))?;
        let old = match &mut state.items[slot as usize] {
            Some((_, meta)) => std::mem::replace(&mut meta.lists, lists.clone()),
            None => return Err(IndexError::NotFound(id)),
        };
        state.forget_lists(slot, &old);
        for list in lists {
            state.members.entry(list).or_default().insert(slot);
        }
        Ok(())
    }

    /// The metadata and stored vector (widened back from fp16 or int8) of an item.
    pub fn get(&self, id: ItemId) -> Option<(ItemMeta, Vec<f32>)> {
        let state = lock(&self.state);
        let slot = *state.slots.get(&id)?;
        let (_, meta) = state.items[slot as usize].as_ref()?;
        Some((meta.clone(), state.matcher.vector(slot)?))
    }

    /// Live items.
    pub fn len(&self) -> usize {
        lock(&self.state).slots.len()
    }

    /// True when no live item is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes the device holds for vectors (its capacity, free slots included).
    pub fn memory_bytes(&self) -> usize {
        let capacity = lock(&self.state).matcher.capacity();
        let per_vector = match self.config.storage {
            Storage::I8 => Storage::I8.bytes_per_vector(self.config.dim),
            Storage::F32 | Storage::F16 => Storage::F16.bytes_per_vector(self.config.dim),
        };
        capacity * per_vector
    }

    /// The `k` most similar items passing the filter, best first (ties: smaller id first).
    pub fn search(&self, query: &[f32], k: usize, filter: &Filter) -> Result<Vec<Hit>> {
        check_k(k)?;
        let query = unit_vector(self.config.dim, query)?;
        let filter = (!is_empty_filter(filter)).then_some(filter);
        Ok(lock(&self.state).run(&query, k, filter)?.remove(0))
    }

    /// `search` for several queries in one launch.
    pub fn search_batch(
        &self,
        queries: &[Vec<f32>],
        k: usize,
        filter: &Filter,
    ) -> Result<Vec<Vec<Hit>>> {
        check_k(k)?;
        let mut flat = Vec::with_capacity(queries.len() * self.config.dim);
        for query in queries {
            flat.extend(unit_vector(self.config.dim, query)?);
        }
        if queries.is_empty() {
            return Ok(Vec::new());
        }
        let filter = (!is_empty_filter(filter)).then_some(filter);
        lock(&self.state).run(&flat, k, filter)
    }
}

fn check_k(k: usize) -> Result<()> {
    if k == 0 || k > GPU_MAX_K {
        return Err(IndexError::BadK { k, max: GPU_MAX_K });
    }
    Ok(())
}

fn is_empty_filter(filter: &Filter) -> bool {
    filter.account.is_none()
        && filter.lists.is_none()
        && filter.ids.is_none()
        && filter.predicate.is_none()
}

impl State {
    fn store(&mut self, id: ItemId, v: &[f32], meta: ItemMeta) -> Result<()> {
        let slot = match self.slots.get(&id) {
            Some(slot) => *slot,
            None => match self.free.pop() {
                Some(slot) => slot,
                None => u32::try_from(self.items.len())
                    .map_err(|_| IndexError::Device("more than 2^32 slots".to_string()))?,
            },
        };
        self.matcher.upsert(slot, v).map_err(device_error)?;
        let index = slot as usize;
        if index == self.items.len() {
            self.items.push(None);
        }
        if let Some((_, old)) = self.items[index].take() {
            self.forget_lists(slot, &old.lists);
        }
        for list in &meta.lists {
            self.members.entry(*list).or_default().insert(slot);
        }
        self.items[index] = Some((id, meta));
        self.slots.insert(id, slot);
        Ok(())
    }

    fn forget_lists(&mut self, slot: u32, lists: &[Uuid]) {
        for list in lists {
            if let Some(members) = self.members.get_mut(list) {
                members.remove(&slot);
                if members.is_empty() {
                    self.members.remove(list);
                }
            }
        }
    }

    /// The bitmap of slots that pass the filter. Walks only the given ids or list members when there are any.
    fn filter_bits(&self, filter: &Filter) -> Vec<u32> {
        let mut bits = vec![0u32; self.items.len().div_ceil(32)];
        let mut mark = |slot: u32| {
            if let Some((id, meta)) = &self.items[slot as usize]
                && filter.accepts(id, meta)
            {
                bits[slot as usize / 32] |= 1 << (slot % 32);
            }
        };
        if let Some(ids) = &filter.ids {
            ids.iter()
                .filter_map(|id| self.slots.get(id))
                .for_each(|s| mark(*s));
        } else if let Some(lists) = &filter.lists {
            let slots: HashSet<u32> = lists
                .iter()
                .filter_map(|list| self.members.get(list))
                .flatten()
                .copied()
                .collect();
            slots.into_iter().for_each(&mut mark);
        } else {
            (0..self.items.len() as u32).for_each(mark);
        }
        bits
    }

    /// Top-k of each query (`[q, dim]`, unit length) in launches of at most `MAX_QUERIES`, as ids.
    fn run(&mut self, queries: &[f32], k: usize, filter: Option<&Filter>) -> Result<Vec<Vec<Hit>>> {
        let bits = filter.map(|f| self.filter_bits(f));
        let mut results = Vec::with_capacity(queries.len() / self.dim);
        for chunk in queries.chunks(MAX_QUERIES * self.dim) {
            let found = self
                .matcher
                .search(chunk, k, bits.as_deref())
                .map_err(device_error)?;
            results.extend(found.into_iter().map(|hits| self.to_hits(hits)));
        }
        Ok(results)
    }

    fn to_hits(&self, found: Vec<argus_kernels::Hit>) -> Vec<Hit> {
        let mut hits: Vec<Hit> = found
            .into_iter()
            .filter_map(|hit| {
                let (id, _) = self.items.get(hit.slot as usize)?.as_ref()?;
                Some(Hit {
                    id: *id,
                    similarity: hit.score,
                })
            })
            .collect();
        hits.sort_by(better);
        hits
    }
}
