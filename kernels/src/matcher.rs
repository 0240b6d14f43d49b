//! `GpuMatcher`: the host API the index uses for GPU search. It owns a CubeCL client (CUDA when a
//! driver is present, else wgpu), a host copy of the stored vectors in their compressed form and
//! in the device's interleaved layout ([`crate::layout`]), an alive bitmap, and the device
//! buffers, which grow in whole chunks of [`CHUNK_ROWS`] rows.
//!
//! Upserts change the host copy and mark their page of [`PAGE_ROWS`] rows dirty; the next search
//! brings the device copy up to date: the first one uploads everything, later ones upload only
//! the runs of dirty pages and copy them into place on the device (after growing the device
//! buffers by a device-side copy when the capacity grew), or everything again when most pages
//! are dirty. The alive bitmap stays on the device between searches and is uploaded again
//! (alone) after an upsert or a removal; a search's filter is ANDed with it inside the kernels.

use cubecl::prelude::*;
use cubecl::server::Handle;
use half::f16;

use std::collections::BTreeSet;

use crate::copy::copy_into;
use crate::gemm::TileProduct;
use crate::layout::{read_row, write_row};
use crate::quantize::{quantize_i8_ref, to_f16_ref};
use crate::runtime::{GpuBackend, select_backend};
use crate::topk::{
    DeviceRows, Eligible, FilterBits, SearchPath, SearchRequest, i8_bytes, search_on_path,
    vector_width,
};
use crate::{KernelError, Result};

pub use crate::topk::Hit;

/// Device capacity grows by this many rows at a time.
pub const CHUNK_ROWS: usize = 64 * 1024;
/// Rows of one page, the unit in which changed rows are brought to the device (a whole number of
/// interleaved row groups; its bytes are whole 16-byte words for any dimension).
pub const PAGE_ROWS: usize = 1024;

/// How vectors are stored on the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// IEEE half precision, 2 bytes per value.
    F16,
    /// Symmetric int8 with one f32 scale per vector, 1 byte per value.
    I8,
}

/// Host copy of the stored vectors in device form.
enum HostRows {
    F16(Vec<f16>),
    I8 { codes: Vec<i8>, scales: Vec<f32> },
}

/// Device copy of the host rows, current when the matcher has no dirty pages.
enum DeviceCopy {
    F16(Handle),
    I8 { codes: Handle, scales: Handle },
}

struct MatcherOn<R: Runtime> {
    client: ComputeClient<R>,
    device: Option<DeviceCopy>,
    alive: Option<Handle>,
}

impl<R: Runtime> MatcherOn<R> {
    /// Brings the device copy up to date with `host` (rows of `dim` values), given the pages
    /// changed since the last call.
    fn sync(&mut self, host: &HostRows, dim: usize, dirty: &BTreeSet<usize>) -> Result<()> {
        let client = &self.client;
        let device = self.device.take();
        self.device = Some(match host {
            HostRows::F16(values) => {
                let old = match device {
                    Some(DeviceCopy::F16(handle)) => Some(handle),
                    _ => None,
                };
                let page_bytes = PAGE_ROWS * dim * size_of::<f16>();
                DeviceCopy::F16(refresh(
                    client,
                    old,
                    f16::as_bytes(values),
                    page_bytes,
                    dirty,
                )?)
            }
            HostRows::I8 { codes, scales } => {
                let (old_codes, old_scales) = match device {
                    Some(DeviceCopy::I8 { codes, scales }) => (Some(codes), Some(scales)),
                    _ => (None, None),
                };
                let code_bytes = PAGE_ROWS * dim;
                let scale_bytes = PAGE_ROWS * size_of::<f32>();
                DeviceCopy::I8 {
                    codes: refresh(client, old_codes, i8_bytes(codes), code_bytes, dirty)?,
                    scales: refresh(
                        client,
                        old_scales,
                        f32::as_bytes(scales),
                        scale_bytes,
                        dirty,
                    )?,
                }
            }
        });
        Ok(())
    }

    fn upload_alive(&mut self, alive: &[u32]) {
        self.alive = Some(self.client.create_from_slice(u32::as_bytes(alive)));
    }

    fn vector_width(&self, elem_bytes: usize, dim: usize) -> usize {
        vector_width(&self.client, elem_bytes, dim)
    }

    /// Searches the live slots, restricted to `filter` (ANDed with the alive bitmap inside the
    /// kernel) when there is one, on the path [`SearchPath::choose`] picks; a GEMM search uses
    /// `gemm_product` instead of the chosen product when given.
    fn search(
        &self,
        request: &SearchRequest<'_>,
        filter: Option<&[u32]>,
        alive_words: usize,
        gemm_product: Option<TileProduct>,
    ) -> Result<Vec<Vec<Hit>>> {
        let rows = match &self.device {
            Some(DeviceCopy::F16(values)) => DeviceRows::F16 { values },
            Some(DeviceCopy::I8 { codes, scales }) => DeviceRows::I8 { codes, scales },
            None => {
                return Err(KernelError::Internal {
                    kernel: "search",
                    detail: "database not uploaded".to_string(),
                });
            }
        };
        let Some(handle) = &self.alive else {
            return Err(KernelError::Internal {
                kernel: "search",
                detail: "alive bitmap not uploaded".to_string(),
            });
        };
        let eligible = Eligible {
            alive: FilterBits::Device {
                handle,
                words: alive_words,
            },
            filter,
        };
        let path = match (
            SearchPath::choose(&self.client, &rows, request),
            gemm_product,
        ) {
            (SearchPath::Gemm(_), Some(product)) => SearchPath::Gemm(product),
            (path, _) => path,
        };
        search_on_path(&self.client, rows, eligible, request, path)
    }
}

/// One device buffer brought up to date with its host bytes: a fresh upload when there is none or
/// when most pages (`page_bytes` each) are dirty; otherwise the old buffer, first copied on the
/// device into a larger one when the host grew, with each run of consecutive dirty pages uploaded
/// and copied into place.
fn refresh<R: Runtime>(
    client: &ComputeClient<R>,
    device: Option<Handle>,
    host: &[u8],
    page_bytes: usize,
    dirty: &BTreeSet<usize>,
) -> Result<Handle> {
    let pages = host.len().div_ceil(page_bytes);
    let old = match device {
        Some(old) if dirty.len() * 2 <= pages => old,
        _ => return Ok(client.create_from_slice(host)),
    };
    // Handles may be padded beyond the bytes asked for; a grown host is larger by whole chunks.
    let target = if old.size() as usize >= host.len() {
        old
    } else {
        let grown = client.empty(host.len());
        copy_into(client, &old, &grown, 0)?;
        grown
    };
    for (first, last) in runs(dirty) {
        let start = first * page_bytes;
        let end = ((last + 1) * page_bytes).min(host.len());
        if start < end {
            let staged = client.create_from_slice(&host[start..end]);
            copy_into(client, &staged, &target, start)?;
        }
    }
    Ok(target)
}

/// The runs of consecutive numbers in `set`, as (first, last) pairs in order.
fn runs(set: &BTreeSet<usize>) -> Vec<(usize, usize)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for &n in set {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == n => *last = n,
            _ => runs.push((n, n)),
        }
    }
    runs
}

enum Runtimes {
    Cuda(MatcherOn<cubecl::cuda::CudaRuntime>),
    Wgpu(MatcherOn<cubecl::wgpu::WgpuRuntime>),
}

/// Exact GPU matcher over slots `0..capacity` with deletes and per-search filters.
pub struct GpuMatcher {
    runtime: Runtimes,
    dim: usize,
    /// Vector width of the scan, which the interleaved host copy is packed with.
    width: usize,
    host: HostRows,
    alive: Vec<u32>,
    capacity: usize,
    /// Pages whose host rows changed since the device copy was last brought up to date.
    dirty: BTreeSet<usize>,
    alive_uploaded: bool,
    /// The GEMM path's tile product when set ([`GpuMatcher::force_gemm_product`]).
    gemm_product: Option<TileProduct>,
}

impl GpuMatcher {
    /// A matcher on the best runtime found (CUDA, then wgpu); `NoGpuRuntime` says why not.
    pub fn new(dim: usize, precision: Precision) -> Result<Self> {
        Self::with_backend(select_backend()?, dim, precision)
    }

    /// A matcher on a given backend.
    pub fn with_backend(backend: GpuBackend, dim: usize, precision: Precision) -> Result<Self> {
        if dim == 0 {
            return Err(KernelError::BadInput("dimension is 0".to_string()));
        }
        let runtime = match backend {
            GpuBackend::Cuda(client) => Runtimes::Cuda(MatcherOn {
                client,
                device: None,
                alive: None,
            }),
            GpuBackend::Wgpu(client) => Runtimes::Wgpu(MatcherOn {
                client,
                device: None,
                alive: None,
            }),
        };
        let elem_bytes = match precision {
            Precision::F16 => size_of::<f16>(),
            Precision::I8 => 1,
        };
        let width = match &runtime {
            Runtimes::Cuda(on) => on.vector_width(elem_bytes, dim),
            Runtimes::Wgpu(on) => on.vector_width(elem_bytes, dim),
        };
        let host = match precision {
            Precision::F16 => HostRows::F16(Vec::new()),
            Precision::I8 => HostRows::I8 {
                codes: Vec::new(),
                scales: Vec::new(),
            },
        };
        Ok(GpuMatcher {
            runtime,
            dim,
            width,
            host,
            alive: Vec::new(),
            capacity: 0,
            dirty: BTreeSet::new(),
            alive_uploaded: false,
            gemm_product: None,
        })
    }

    /// Makes GEMM searches (large batches) use `product` instead of the one
    /// [`TileProduct::choose`] picks (`None`: back to that). For measuring one product against
    /// another; a product the device cannot run makes those searches fail with `BadInput`.
    pub fn force_gemm_product(&mut self, product: Option<TileProduct>) {
        self.gemm_product = product;
    }

    /// The tile product a GEMM search on this matcher uses: the forced one, else the one
    /// [`TileProduct::choose`] picks for this runtime and precision.
    pub fn gemm_product(&self) -> TileProduct {
        let int8 = matches!(self.host, HostRows::I8 { .. });
        self.gemm_product.unwrap_or_else(|| match &self.runtime {
            Runtimes::Cuda(on) => TileProduct::choose(&on.client, int8),
            Runtimes::Wgpu(on) => TileProduct::choose(&on.client, int8),
        })
    }

    /// "cuda" or "wgpu".
    pub fn backend_name(&self) -> &'static str {
        match self.runtime {
            Runtimes::Cuda(_) => "cuda",
            Runtimes::Wgpu(_) => "wgpu",
        }
    }

    /// Slots the device buffers hold now (a multiple of [`CHUNK_ROWS`]).
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Stores `vector` (length `dim`, f32) at `slot`, growing capacity by whole chunks.
    pub fn upsert(&mut self, slot: u32, vector: &[f32]) -> Result<()> {
        if vector.len() != self.dim {
            return Err(KernelError::BadInput(format!(
                "vector has {} values, dimension is {}",
                vector.len(),
                self.dim
            )));
        }
        if slot == u32::MAX {
            return Err(KernelError::BadInput(
                "slot u32::MAX is reserved".to_string(),
            ));
        }
        let slot = slot as usize;
        if slot >= self.capacity {
            self.grow(slot + 1);
        }
        match &mut self.host {
            HostRows::F16(values) => write_row(values, slot, &to_f16_ref(vector), self.width),
            HostRows::I8 { codes, scales } => {
                let (row_codes, row_scales) = quantize_i8_ref(vector, self.dim);
                write_row(codes, slot, &row_codes, self.width);
                scales[slot] = row_scales[0];
            }
        }
        self.alive[slot / 32] |= 1 << (slot % 32);
        self.dirty.insert(slot / PAGE_ROWS);
        self.alive_uploaded = false;
        Ok(())
    }

    /// Stores `vectors` (`[m, dim]` row-major) at slots `first_slot..first_slot + m`.
    pub fn upsert_batch(&mut self, first_slot: u32, vectors: &[f32]) -> Result<()> {
        if !vectors.len().is_multiple_of(self.dim) {
            return Err(KernelError::BadInput(format!(
                "{} values is not a multiple of dimension {}",
                vectors.len(),
                self.dim
            )));
        }
        for (offset, vector) in vectors.chunks_exact(self.dim).enumerate() {
            let slot = u32::try_from(first_slot as usize + offset)
                .map_err(|_| KernelError::BadInput("slot beyond u32".to_string()))?;
            self.upsert(slot, vector)?;
        }
        Ok(())
    }

    /// The stored vector at `slot`, widened back to f32 (fp16 values, or int8 codes times their scale);
    /// `None` beyond the capacity.
    pub fn vector(&self, slot: u32) -> Option<Vec<f32>> {
        let slot = slot as usize;
        if slot >= self.capacity {
            return None;
        }
        Some(match &self.host {
            HostRows::F16(values) => read_row(values, slot, self.dim, self.width)
                .iter()
                .map(|v| v.to_f32())
                .collect(),
            HostRows::I8 { codes, scales } => read_row(codes, slot, self.dim, self.width)
                .iter()
                .map(|c| f32::from(*c) * scales[slot])
                .collect(),
        })
    }

    /// Marks `slot` deleted; it is never returned again until upserted. Unknown slots are a no-op.
    pub fn remove(&mut self, slot: u32) {
        let slot = slot as usize;
        if let Some(word) = self.alive.get_mut(slot / 32) {
            *word &= !(1 << (slot % 32));
            self.alive_uploaded = false;
        }
    }

    /// Top-k of each query (`[q, dim]` row-major) among alive slots whose bit is set in
    /// `filter_bits` (one bit per slot; `None` = no filter; missing words count as zero). The
    /// kernels AND the filter with the alive bitmap kept on the device, so a filtered search
    /// uploads only the filter and an unfiltered one no bitmap. The path (scan or GEMM) follows
    /// the batch size, the GEMM's tile product the device: [`SearchPath::choose`] (or
    /// [`GpuMatcher::force_gemm_product`]).
    pub fn search(
        &mut self,
        queries: &[f32],
        k: usize,
        filter_bits: Option<&[u32]>,
    ) -> Result<Vec<Vec<Hit>>> {
        if !queries.len().is_multiple_of(self.dim) {
            return Err(KernelError::BadInput(format!(
                "{} query values is not a multiple of dimension {}",
                queries.len(),
                self.dim
            )));
        }
        if self.capacity == 0 {
            return Ok(vec![Vec::new(); queries.len() / self.dim]);
        }
        if !self.dirty.is_empty() {
            match &mut self.runtime {
                Runtimes::Cuda(on) => on.sync(&self.host, self.dim, &self.dirty)?,
                Runtimes::Wgpu(on) => on.sync(&self.host, self.dim, &self.dirty)?,
            }
            self.dirty.clear();
        }
        if !self.alive_uploaded {
            match &mut self.runtime {
                Runtimes::Cuda(on) => on.upload_alive(&self.alive),
                Runtimes::Wgpu(on) => on.upload_alive(&self.alive),
            }
            self.alive_uploaded = true;
        }
        let request = SearchRequest {
            rows: self.capacity,
            dim: self.dim,
            queries,
            k,
        };
        let words = self.alive.len();
        match &self.runtime {
            Runtimes::Cuda(on) => on.search(&request, filter_bits, words, self.gemm_product),
            Runtimes::Wgpu(on) => on.search(&request, filter_bits, words, self.gemm_product),
        }
    }

    fn grow(&mut self, rows: usize) {
        let capacity = rows.div_ceil(CHUNK_ROWS) * CHUNK_ROWS;
        match &mut self.host {
            HostRows::F16(values) => values.resize(capacity * self.dim, f16::ZERO),
            HostRows::I8 { codes, scales } => {
                codes.resize(capacity * self.dim, 0);
                scales.resize(capacity, 0.0);
            }
        }
        self.alive.resize(capacity / 32, 0);
        self.dirty
            .extend(self.capacity / PAGE_ROWS..capacity / PAGE_ROWS);
        self.capacity = capacity;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dirty_pages_are_grouped_into_runs() {
        let set: BTreeSet<usize> = [0, 1, 2, 5, 7, 8].into_iter().collect();
        assert_eq!(runs(&set), vec![(0, 2), (5, 5), (7, 8)]);
        assert!(runs(&BTreeSet::new()).is_empty());
    }
}
