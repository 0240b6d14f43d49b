//! `Index`: the one type callers hold, on the CPU (`FlatIndex`) or on a GPU (`GpuIndex`), with the same methods;
//! each call is forwarded by a `match`. `Index::open` chooses the backend at run time and says why.

use crate::{Filter, FlatIndex, GpuIndex, Hit, IndexConfig, IndexError, ItemId, ItemMeta, Result};
use argus_kernels::{GpuPreference, open_backend};
use uuid::Uuid;

/// Where the caller wants the index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexBackend {
    /// A CUDA GPU, else a hardware Vulkan/Metal GPU, else the CPU.
    Auto,
    /// The CPU.
    Cpu,
    /// A CUDA GPU or nothing.
    Cuda,
    /// wgpu's default adapter (a software one included) or nothing.
    Wgpu,
}

/// An exact index on the CPU or a GPU.
pub enum Index {
    /// SIMD scans in host memory.
    Cpu(Box<FlatIndex>),
    /// Scans in GPU memory.
    Gpu(Box<GpuIndex>),
}

impl Index {
    /// An empty index where `backend` allows, and the reason for the choice (for logs and health checks).
    /// `Auto` falls back to the CPU; `Cuda` and `Wgpu` fail with `Device` when their runtime cannot open.
    pub fn open(config: IndexConfig, backend: IndexBackend) -> Result<(Index, String)> {
        let preference = match backend {
            IndexBackend::Cpu => {
                let index = FlatIndex::new(config)?;
                let reason = format!("cpu requested ({})", index.simd());
                return Ok((Index::Cpu(Box::new(index)), reason));
            }
            IndexBackend::Auto => GpuPreference::Auto,
            IndexBackend::Cuda => GpuPreference::Cuda,
            IndexBackend::Wgpu => GpuPreference::Wgpu,
        };
        match open_backend(preference) {
            Ok(gpu) => {
                let reason = format!("{} runtime opened", gpu.name());
                Ok((Index::Gpu(Box::new(GpuIndex::new(config, gpu)?)), reason))
            }
            Err(error) if backend == IndexBackend::Auto => {
                let index = FlatIndex::new(config)?;
                let reason = format!("no GPU ({error}); cpu ({})", index.simd());
                Ok((Index::Cpu(Box::new(index)), reason))
            }
            Err(error) => Err(IndexError::Device(error.to_string())),
        }
    }

    /// "cpu", "cuda" or "wgpu".
    pub fn backend_name(&self) -> &'static str {
        match self {
            Index::Cpu(_) => "cpu",
            Index::Gpu(gpu) => gpu.backend_name(),
        }
    }

    /// The CPU dot-product kernels in use, or "none" on a GPU.
    pub fn simd(&self) -> &'static str {
        match self {
            Index::Cpu(cpu) => cpu.simd(),
            Index::Gpu(_) => "none",
        }
    }

    /// The configuration.
    pub fn config(&self) -> IndexConfig {
        match self {
            Index::Cpu(cpu) => cpu.config(),
            Index::Gpu(gpu) => gpu.config(),
        }
    }

    /// The largest k a search takes.
    pub fn max_k(&self) -> usize {
        match self {
            Index::Cpu(_) => crate::MAX_K,
            Index::Gpu(_) => crate::GPU_MAX_K,
        }
    }

    /// Inserts or replaces an item. The vector is normalised to unit length.
    pub fn upsert(&self, id: ItemId, descriptor: &[f32], meta: ItemMeta) -> Result<()> {
        match self {
            Index::Cpu(cpu) => cpu.upsert(id, descriptor, meta),
            Index::Gpu(gpu) => gpu.upsert(id, descriptor, meta),
        }
    }

    /// Bulk load; stops at the first bad descriptor (the items before it stay in). Returns how many were stored.
    pub fn upsert_many<I>(&self, items: I) -> Result<usize>
    where
        I: IntoIterator<Item = (ItemId, Vec<f32>, ItemMeta)>,
    {
        match self {
            Index::Cpu(cpu) => cpu.upsert_many(items),
            Index::Gpu(gpu) => gpu.upsert_many(items),
        }
    }

    /// Removes an item; true when it was there. Searches that start after this returns never see it.
    pub fn remove(&self, id: ItemId) -> bool {
        match self {
            Index::Cpu(cpu) => cpu.remove(id),
            Index::Gpu(gpu) => gpu.remove(id),
        }
    }

    /// Replaces an item's list memberships without touching its vector.
    pub fn set_lists(&self, id: ItemId, lists: Vec<Uuid>) -> Result<()> {
        match self {
            Index::Cpu(cpu) => cpu.set_lists(id, lists),
            Index::Gpu(gpu) => gpu.set_lists(id, lists),
        }
    }

    /// The metadata and stored (decoded) vector of an item.
    pub fn get(&self, id: ItemId) -> Option<(ItemMeta, Vec<f32>)> {
        match self {
            Index::Cpu(cpu) => cpu.get(id),
            Index::Gpu(gpu) => gpu.get(id),
        }
    }

    /// Live items.
    pub fn len(&self) -> usize {
        match self {
            Index::Cpu(cpu) => cpu.len(),
            Index::Gpu(gpu) => gpu.len(),
        }
    }

    /// True when no live item is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes held by vectors.
    pub fn memory_bytes(&self) -> usize {
        match self {
            Index::Cpu(cpu) => cpu.memory_bytes(),
            Index::Gpu(gpu) => gpu.memory_bytes(),
        }
    }

    /// Reclaims deleted slots (the GPU index reuses them as it goes, so there it does nothing).
    pub fn compact(&self) {
        match self {
            Index::Cpu(cpu) => cpu.compact(),
            Index::Gpu(_) => {}
        }
    }

    /// The `k` most similar items passing the filter, best first (ties: smaller id first).
    pub fn search(&self, query: &[f32], k: usize, filter: &Filter) -> Result<Vec<Hit>> {
        match self {
            Index::Cpu(cpu) => cpu.search(query, k, filter),
            Index::Gpu(gpu) => gpu.search(query, k, filter),
        }
    }

    /// `search` for several queries at once.
    pub fn search_batch(
        &self,
        queries: &[Vec<f32>],
        k: usize,
        filter: &Filter,
    ) -> Result<Vec<Vec<Hit>>> {
        match self {
            Index::Cpu(cpu) => cpu.search_batch(queries, k, filter),
            Index::Gpu(gpu) => gpu.search_batch(queries, k, filter),
        }
    }
}
