//! The per-thread top-k lists in shared memory, sorted in the search order (higher score first,
//! ties to the lower slot): the order itself, insertion, clearing, and the tree reduction of a
//! cube's lists into one that the cube writes out.

use cubecl::prelude::*;

/// True when (score, slot) ranks before (other_score, other_slot).
#[cube]
fn ranks_before(score: f32, slot: u32, other_score: f32, other_slot: u32) -> bool {
    let mut before = score > other_score;
    if score == other_score {
        before = slot < other_slot;
    }
    before
}

/// Inserts (score, slot) into the sorted list of thread `lane`, whose entry `i` lives at
/// `base + i * stride + lane`, if it ranks before the list's last entry.
#[cube]
#[allow(clippy::too_many_arguments)]
pub(crate) fn insert(
    scores: &mut SharedMemory<f32>,
    slots: &mut SharedMemory<u32>,
    base: usize,
    lane: usize,
    stride: usize,
    score: f32,
    slot: u32,
    #[comptime] k: usize,
) {
    let lane = base + lane;
    let last = (k - 1) * stride + lane;
    if ranks_before(score, slot, scores[last], slots[last]) {
        let mut position = (k - 1).runtime();
        let mut shifting = true;
        while shifting {
            if position == 0 {
                shifting = false;
            } else {
                let previous = (position - 1) * stride + lane;
                if ranks_before(score, slot, scores[previous], slots[previous]) {
                    scores[position * stride + lane] = scores[previous];
                    slots[position * stride + lane] = slots[previous];
                    position -= 1;
                } else {
                    shifting = false;
                }
            }
        }
        scores[position * stride + lane] = score;
        slots[position * stride + lane] = slot;
    }
}

/// Fills the list of thread `lane` in the block at `base` with empty entries.
#[cube]
pub(crate) fn clear_list(
    scores: &mut SharedMemory<f32>,
    slots: &mut SharedMemory<u32>,
    base: usize,
    lane: usize,
    #[comptime] threads: usize,
    #[comptime] k: usize,
) {
    for i in 0..k {
        scores[base + i * threads + lane] = -3.402_823_5e38f32;
        slots[base + i * threads + lane] = 4_294_967_295u32;
    }
}

/// Tree reduction of the `threads` per-thread lists of the block at `base` into its list 0, then
/// writes that list to `out_*[out_base..out_base + k]`.
#[cube]
#[allow(clippy::too_many_arguments)]
pub(crate) fn reduce_and_write(
    scores: &mut SharedMemory<f32>,
    slots: &mut SharedMemory<u32>,
    base: usize,
    out_scores: &mut Array<f32>,
    out_slots: &mut Array<u32>,
    out_base: usize,
    #[comptime] threads: usize,
    #[comptime] k: usize,
) {
    let lane = UNIT_POS as usize;
    sync_cube();
    let mut half = (threads / 2).runtime();
    while half > 0 {
        if lane < half {
            let mut taking = true;
            for i in 0..k {
                if taking {
                    let source = base + i * threads + lane + half;
                    let last = base + (k - 1) * threads + lane;
                    let score = scores[source];
                    let slot = slots[source];
                    if ranks_before(score, slot, scores[last], slots[last]) {
                        insert(scores, slots, base, lane, threads, score, slot, k);
                    } else {
                        taking = false;
                    }
                }
            }
        }
        sync_cube();
        half /= 2;
    }
    let mut i = lane;
    while i < k {
        out_scores[out_base + i] = scores[base + i * threads];
        out_slots[out_base + i] = slots[base + i * threads];
        i += threads;
    }
}
