//! A bounded top-k collector: highest similarity first, ties broken by the smaller id, so results are deterministic.

use crate::dot::BLOCK_ROWS;
use crate::{Hit, ItemId};
use std::cmp::Ordering;

/// Keeps the best `k` hits seen so far, sorted best first.
pub(crate) struct TopK {
    k: usize,
    hits: Vec<Hit>,
    /// `floor()`, kept up to date on every insert: most candidates are turned away by this one comparison.
    floor: f32,
}

pub(crate) fn better(a: &Hit, b: &Hit) -> Ordering {
    b.similarity.total_cmp(&a.similarity).then(a.id.cmp(&b.id))
}

impl TopK {
    pub(crate) fn new(k: usize) -> TopK {
        TopK {
            k,
            hits: Vec::with_capacity(k + 1),
            floor: f32::NEG_INFINITY,
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, id: ItemId, similarity: f32) {
        if similarity < self.floor {
            return;
        }
        self.insert(id, similarity);
    }

    /// A bit for each of `scores` that `push` would not turn away at once (bit r for `scores[r]`).
    #[inline]
    pub(crate) fn not_below_floor(&self, scores: &[f32; BLOCK_ROWS]) -> u32 {
        scores.iter().enumerate().fold(0, |bits, (r, &score)| {
            bits | u32::from(score.partial_cmp(&self.floor) != Some(Ordering::Less)) << r
        })
    }

    fn insert(&mut self, id: ItemId, similarity: f32) {
        let hit = Hit { id, similarity };
        let at = self
            .hits
            .partition_point(|h| better(h, &hit) == Ordering::Less);
        if at < self.k {
            self.hits.insert(at, hit);
            self.hits.truncate(self.k);
            if self.hits.len() == self.k {
                self.floor = self.hits[self.k - 1].similarity;
            }
        }
    }

    pub(crate) fn merge(&mut self, other: TopK) {
        for h in other.hits {
            self.push(h.id, h.similarity);
        }
    }

    pub(crate) fn into_hits(self) -> Vec<Hit> {
        self.hits
    }
}
