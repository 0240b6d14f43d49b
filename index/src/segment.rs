//! A segment: a fixed-capacity block of slots holding vectors in one storage type, with their ids, metadata and
//! tombstones. Segments are the unit of locking and of parallel scanning.
//!
//! int8 storage keeps a per-vector scale s = max|vᵢ| / 127 and qᵢ = round(vᵢ / s). Each component is off by at most
//! s / 2, so a dot product with a unit query is off by at most (s / 2)·Σ|queryᵢ| ≤ (s / 2)·√d; for unit 128-d
//! descriptors (max|vᵢ| ≈ 0.3) that bound is ≈ 0.013 and the typical error is below 0.002. The query side is
//! rounded to i16 (see `Query`), which adds at most 1/32 767 of the largest query component per value.

use crate::dot::Kernels;
use crate::query::Query;
use crate::{ItemId, ItemMeta};

/// A batch's queries in fours, as the four-query kernels read them (the f32 values and the int8 kernels' i16
/// copies); the last four is padded by repeating the last query (one four-query pass costs less than two or three
/// single ones, and its extra results are dropped).
pub(crate) struct QueryFours<'a> {
    values: Vec<[&'a [f32]; 4]>,
    quantised: Vec<[&'a [i16]; 4]>,
}

impl<'a> QueryFours<'a> {
    pub(crate) fn new(queries: &'a [Query]) -> QueryFours<'a> {
        let pick = |four: &'a [Query], i: usize| &four[i.min(four.len() - 1)];
        let values = queries
            .chunks(4)
            .map(|four| [0, 1, 2, 3].map(|i| &pick(four, i).values[..]))
            .collect();
        let quantised = queries
            .chunks(4)
            .map(|four| [0, 1, 2, 3].map(|i| &pick(four, i).quantised[..]))
            .collect();
        QueryFours { values, quantised }
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
    F32(Vec<f32>),
    F16(Vec<u16>),
    I8 { values: Vec<i8>, scales: Vec<f32> },
}

pub(crate) struct Segment {
    dim: usize,
    vectors: Vectors,
    pub(crate) ids: Vec<ItemId>,
    pub(crate) meta: Vec<ItemMeta>,
    pub(crate) alive: Vec<bool>,
}

impl Segment {
    pub(crate) fn new(dim: usize, storage: Storage) -> Segment {
        let vectors = match storage {
            Storage::F32 => Vectors::F32(Vec::new()),
            Storage::F16 => Vectors::F16(Vec::new()),
            Storage::I8 => Vectors::I8 {
                values: Vec::new(),
                scales: Vec::new(),
            },
        };
        Segment {
            dim,
            vectors,
            ids: Vec::new(),
            meta: Vec::new(),
            alive: Vec::new(),
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
        match &mut self.vectors {
            Vectors::F32(data) => data.extend_from_slice(v),
            Vectors::F16(data) => data.extend(v.iter().map(|&x| half::f16::from_f32(x).to_bits())),
            Vectors::I8 { values, scales } => {
                let scale = quantise_scale(v);
                values.extend(v.iter().map(|&x| (x / scale).round() as i8));
                scales.push(scale);
            }
        }
        self.ids.push(id);
        self.meta.push(meta);
        self.alive.push(true);
        self.len() - 1
    }

    /// Replaces the vector and metadata of a slot.
    pub(crate) fn set(&mut self, slot: usize, v: &[f32], meta: ItemMeta) {
        let range = slot * self.dim..(slot + 1) * self.dim;
        match &mut self.vectors {
            Vectors::F32(data) => data[range].copy_from_slice(v),
            Vectors::F16(data) => {
                for (d, &x) in data[range].iter_mut().zip(v) {
                    *d = half::f16::from_f32(x).to_bits();
                }
            }
            Vectors::I8 { values, scales } => {
                let scale = quantise_scale(v);
                for (d, &x) in values[range].iter_mut().zip(v) {
                    *d = (x / scale).round() as i8;
                }
                scales[slot] = scale;
            }
        }
        self.meta[slot] = meta;
        self.alive[slot] = true;
    }

    /// Similarity of the query with a slot's vector.
    #[inline]
    pub(crate) fn score(&self, kernels: &Kernels, query: &Query, slot: usize) -> f32 {
        let range = slot * self.dim..(slot + 1) * self.dim;
        match &self.vectors {
            Vectors::F32(data) => (kernels.f32)(&query.values, &data[range]),
            Vectors::F16(data) => (kernels.f16)(&query.values, &data[range]),
            Vectors::I8 { values, scales } => {
                (kernels.i8)(&query.quantised, &values[range]) as f32 * query.unscale * scales[slot]
            }
        }
    }

    /// Similarities of every query with a slot's vector, one per query into `out`, equal to `score` bit for bit.
    /// The vector is read once for all queries: f16 is widened once into `scratch` (`dim` long), and queries go
    /// four at a time through one kernel call (`fours`, prepared once per scan; int8 through its integer kernel).
    pub(crate) fn score_many(
        &self,
        kernels: &Kernels,
        queries: &[Query],
        fours: &QueryFours,
        slot: usize,
        scratch: &mut [f32],
        out: &mut [f32],
    ) {
        let range = slot * self.dim..(slot + 1) * self.dim;
        let x: &[f32] = match &self.vectors {
            Vectors::F32(data) => &data[range],
            Vectors::F16(data) => {
                (kernels.widen_f16)(&data[range], scratch);
                scratch
            }
            Vectors::I8 { values, scales } => {
                let (x, scale) = (&values[range], scales[slot]);
                let groups = fours.quantised.iter().zip(queries.chunks(4));
                for ((four, group), o) in groups.zip(out.chunks_mut(4)) {
                    let dots = (kernels.i8x4)(*four, x);
                    for ((o, dot), q) in o.iter_mut().zip(dots).zip(group) {
                        *o = dot as f32 * q.unscale * scale;
                    }
                }
                return;
            }
        };
        for (four, o) in fours.values.iter().zip(out.chunks_mut(4)) {
            let scores = (kernels.f32x4)(*four, x);
            o.copy_from_slice(&scores[..o.len()]);
        }
    }

    /// The stored vector of a slot, decoded to f32.
    pub(crate) fn vector(&self, slot: usize) -> Vec<f32> {
        let range = slot * self.dim..(slot + 1) * self.dim;
        match &self.vectors {
            Vectors::F32(data) => data[range].to_vec(),
            Vectors::F16(data) => data[range]
                .iter()
                .map(|&b| half::f16::from_bits(b).to_f32())
                .collect(),
            Vectors::I8 { values, scales } => values[range]
                .iter()
                .map(|&q| f32::from(q) * scales[slot])
                .collect(),
        }
    }
}

fn quantise_scale(v: &[f32]) -> f32 {
    let max = v.iter().fold(0f32, |m, x| m.max(x.abs()));
    if max > 0.0 { max / 127.0 } else { 1.0 }
}
