//! A segment: a fixed-capacity block of slots holding vectors in one storage type, with their ids, metadata and
//! tombstones. Segments are the unit of locking and of parallel scanning.
//!
//! int8 storage keeps a per-vector scale s = max|vᵢ| / 127 and qᵢ = round(vᵢ / s). Each component is off by at most
//! s / 2, so a dot product with a unit query is off by at most (s / 2)·Σ|queryᵢ| ≤ (s / 2)·√d; for unit 128-d
//! descriptors (max|vᵢ| ≈ 0.3) that bound is ≈ 0.013 and the typical error is below 0.002. The query side is
//! rounded to i16 (see `Query`), which adds at most 1/32 767 of the largest query component per value.
//!
//! Slots are scored a block of `BLOCK_ROWS` at a time (`block_scores`), and vectors are stored that way, in blocks of
//! `BLOCK_ROWS` vectors: f32 and f16 dimension-major (`dot::dot_f32_block_ref`, `dot::dot_f16_block_ref`), int8
//! pair-interleaved (`dot::dot_i8_block_ref`, each vector padded to an even width with a zero), so that one kernel
//! call scores a whole block for every query.

use crate::dot::{BLOCK_ROWS, Kernels};
use crate::query::Query;
use crate::{ItemId, ItemMeta};
use uuid::Uuid;

/// Working memory of `block_scores`, kept for a whole scan.
pub(crate) struct BlockScratch {
    /// The int8 kernel's integer dot products, a row per query.
    pub dots: Vec<[i32; BLOCK_ROWS]>,
}

/// A batch's queries as the kernels read them, prepared once per scan: the f32 values and the int8 kernels' i16
/// copies.
pub(crate) struct ScanQueries<'a> {
    queries: &'a [Query],
    values: Vec<&'a [f32]>,
    quantised: Vec<&'a [i16]>,
}

impl<'a> ScanQueries<'a> {
    pub(crate) fn new(queries: &'a [Query]) -> ScanQueries<'a> {
        ScanQueries {
            queries,
            values: queries.iter().map(|q| &q.values[..]).collect(),
            quantised: queries.iter().map(|q| &q.quantised[..]).collect(),
        }
    }
}

/// Slots per segment.
pub(crate) const SEGMENT_SLOTS: usize = 8192;

/// How vectors are kept in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    /// 4 bytes per value, exact.
    F32,
    /// 2 bytes per value (IEEE half), relative error ≤ 2⁻¹¹ per value.
    F16,
    /// 1 byte per value plus a 4-byte scale per vector (see the module documentation for the error).
    I8,
}

impl Storage {
    /// Bytes one vector of `dim` values takes.
    pub fn bytes_per_vector(self, dim: usize) -> usize {
        match self {
            Storage::F32 => 4 * dim,
            Storage::F16 => 2 * dim,
            Storage::I8 => dim + 4,
        }
    }
}

enum Vectors {
    /// Whole blocks of `BLOCK_ROWS` vectors (the slots past the last one zero).
    F32(Vec<f32>),
    /// Whole blocks of `BLOCK_ROWS` vectors in IEEE half bits, laid out as `F32`.
    F16(Vec<u16>),
    /// Whole blocks of `BLOCK_ROWS` vectors and their scales, one per slot (the slots past the last one zero).
    I8 { blocks: Vec<i8>, scales: Vec<f32> },
}

/// Where value `d` of the vector in `slot` lies in f32 or f16 blocks of vectors `dim` values long.
fn column_at(dim: usize, slot: usize, d: usize) -> usize {
    let (block, row) = (slot / BLOCK_ROWS, slot % BLOCK_ROWS);
    block * BLOCK_ROWS * dim + d * BLOCK_ROWS + row
}

/// Where value `d` of the vector in `slot` lies in int8 blocks of vectors `width` values wide.
fn i8_at(width: usize, slot: usize, d: usize) -> usize {
    let (block, row) = (slot / BLOCK_ROWS, slot % BLOCK_ROWS);
    block * BLOCK_ROWS * width + (d / 2) * 2 * BLOCK_ROWS + row * 2 + d % 2
}

pub(crate) struct Segment {
    dim: usize,
    /// `dim` rounded up to even: the width of an int8 vector in its block.
    width: usize,
    vectors: Vectors,
    pub(crate) ids: Vec<ItemId>,
    pub(crate) meta: Vec<ItemMeta>,
    pub(crate) alive: Vec<bool>,
    /// Whose items the slots hold (dead ones included).
    accounts: Accounts,
}

/// Whose items a segment holds, so that a scan settles its account condition once for the whole segment.
#[derive(Clone, Copy, PartialEq)]
enum Accounts {
    None,
    One(Uuid),
    Several,
}

impl Segment {
    pub(crate) fn new(dim: usize, storage: Storage) -> Segment {
        let vectors = match storage {
            Storage::F32 => Vectors::F32(Vec::new()),
            Storage::F16 => Vectors::F16(Vec::new()),
            Storage::I8 => Vectors::I8 {
                blocks: Vec::new(),
                scales: Vec::new(),
            },
        };
        Segment {
            dim,
            width: dim + dim % 2,
            vectors,
            ids: Vec::new(),
            meta: Vec::new(),
            alive: Vec::new(),
            accounts: Accounts::None,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    pub(crate) fn is_full(&self) -> bool {
        self.len() >= SEGMENT_SLOTS
    }

    /// Appends a (normalised) vector; returns its slot.
    pub(crate) fn push(&mut self, id: ItemId, v: &[f32], meta: ItemMeta) -> usize {
        let slot = self.len();
        match &mut self.vectors {
            Vectors::F32(data) => {
                if slot.is_multiple_of(BLOCK_ROWS) {
                    data.resize(data.len() + BLOCK_ROWS * self.dim, 0.0);
                }
                store_f32(self.dim, data, slot, v);
            }
            Vectors::F16(data) => {
                if slot.is_multiple_of(BLOCK_ROWS) {
                    data.resize(data.len() + BLOCK_ROWS * self.dim, 0);
                }
                store_f16(self.dim, data, slot, v);
            }
            Vectors::I8 { blocks, scales } => {
                if slot.is_multiple_of(BLOCK_ROWS) {
                    blocks.resize(blocks.len() + BLOCK_ROWS * self.width, 0);
                    scales.resize(scales.len() + BLOCK_ROWS, 0.0);
                }
                store_i8(self.width, blocks, scales, slot, v);
            }
        }
        self.note_account(meta.account);
        self.ids.push(id);
        self.meta.push(meta);
        self.alive.push(true);
        slot
    }

    fn note_account(&mut self, account: Uuid) {
        self.accounts = match self.accounts {
            Accounts::None => Accounts::One(account),
            Accounts::One(only) if only == account => Accounts::One(only),
            _ => Accounts::Several,
        };
    }

    /// A bit for each live slot of block `block` (bit r: slot `block · BLOCK_ROWS + r`).
    pub(crate) fn alive_mask(&self, block: usize) -> u32 {
        let start = block * BLOCK_ROWS;
        let end = self.len().min(start + BLOCK_ROWS);
        self.alive
            .get(start..end)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .fold(0, |mask, (r, &alive)| mask | u32::from(alive) << r)
    }

    /// The one account every slot's item belongs to; `None` when the segment is empty or holds several accounts'.
    pub(crate) fn only_account(&self) -> Option<Uuid> {
        match self.accounts {
            Accounts::One(account) => Some(account),
            Accounts::None | Accounts::Several => None,
        }
    }

    /// Replaces the vector and metadata of a slot.
    pub(crate) fn set(&mut self, slot: usize, v: &[f32], meta: ItemMeta) {
        match &mut self.vectors {
            Vectors::F32(data) => store_f32(self.dim, data, slot, v),
            Vectors::F16(data) => store_f16(self.dim, data, slot, v),
            Vectors::I8 { blocks, scales } => store_i8(self.width, blocks, scales, slot, v),
        }
        self.note_account(meta.account);
        self.meta[slot] = meta;
        self.alive[slot] = true;
    }

    /// Similarities of every query with the vectors of block `block`, one kernel call for the whole block: slot
    /// `block · BLOCK_ROWS + r` into `out[query][r]` (the rows of slots past the last hold what the kernel makes of
    /// the zero padding). A slot's similarity does not depend on the other queries or slots.
    pub(crate) fn block_scores(
        &self,
        kernels: &Kernels,
        queries: &ScanQueries,
        block: usize,
        scratch: &mut BlockScratch,
        out: &mut [[f32; BLOCK_ROWS]],
    ) {
        match &self.vectors {
            Vectors::F32(data) => {
                let size = BLOCK_ROWS * self.dim;
                let block = &data[block * size..(block + 1) * size];
                (kernels.f32_block)(&queries.values, block, out);
            }
            Vectors::I8 { blocks, scales } => {
                let size = BLOCK_ROWS * self.width;
                let dots = &mut scratch.dots;
                dots.resize(queries.queries.len(), [0; BLOCK_ROWS]);
                (kernels.i8_block)(
                    &queries.quantised,
                    &blocks[block * size..(block + 1) * size],
                    dots,
                );
                // Every row of the block, picked or not: sixteen lanes cost less than picking.
                let scales = &scales[block * BLOCK_ROWS..(block + 1) * BLOCK_ROWS];
                for ((o, dot), q) in out.iter_mut().zip(dots.iter()).zip(queries.queries) {
                    for ((o, &dot), &scale) in o.iter_mut().zip(dot).zip(scales) {
                        *o = dot as f32 * q.unscale * scale;
                    }
                }
            }
            Vectors::F16(data) => {
                let size = BLOCK_ROWS * self.dim;
                let block = &data[block * size..(block + 1) * size];
                (kernels.f16_block)(&queries.values, block, out);
            }
        }
    }

    /// The stored vector of a slot, decoded to f32.
    pub(crate) fn vector(&self, slot: usize) -> Vec<f32> {
        match &self.vectors {
            Vectors::F32(data) => (0..self.dim)
                .map(|d| data[column_at(self.dim, slot, d)])
                .collect(),
            Vectors::F16(data) => (0..self.dim)
                .map(|d| half::f16::from_bits(data[column_at(self.dim, slot, d)]).to_f32())
                .collect(),
            Vectors::I8 { blocks, scales } => (0..self.dim)
                .map(|d| f32::from(blocks[i8_at(self.width, slot, d)]) * scales[slot])
                .collect(),
        }
    }
}

/// Writes `v` into `slot` of the f32 blocks.
fn store_f32(dim: usize, data: &mut [f32], slot: usize, v: &[f32]) {
    for (d, &x) in v.iter().enumerate() {
        data[column_at(dim, slot, d)] = x;
    }
}

/// Writes `v`, rounded to half precision, into `slot` of the f16 blocks.
fn store_f16(dim: usize, data: &mut [u16], slot: usize, v: &[f32]) {
    for (d, &x) in v.iter().enumerate() {
        data[column_at(dim, slot, d)] = half::f16::from_f32(x).to_bits();
    }
}

/// Quantises `v` into `slot` of the int8 blocks and sets its scale.
fn store_i8(width: usize, blocks: &mut [i8], scales: &mut [f32], slot: usize, v: &[f32]) {
    let scale = quantise_scale(v);
    for (d, &x) in v.iter().enumerate() {
        blocks[i8_at(width, slot, d)] = (x / scale).round() as i8;
    }
    scales[slot] = scale;
}

fn quantise_scale(v: &[f32]) -> f32 {
    let max = v.iter().fold(0f32, |m, x| m.max(x.abs()));
    if max > 0.0 { max / 127.0 } else { 1.0 }
}
