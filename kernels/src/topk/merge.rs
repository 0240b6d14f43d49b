//! The second pass: `merge_topk` reduces the per-cube lists a scan or GEMM launch leaves
//! ([`Candidates`]) to each query's top-k, and [`merge_and_read`] runs it and reads the hits back.

use cubecl::prelude::*;
use cubecl::server::Handle;

use super::list::{clear_list, insert, reduce_and_write};
use super::scan_launch::ScanShape;
use super::{EMPTY_SLOT, Hit};
use crate::runtime::read_f32_u32;
use crate::{KernelError, Result};

/// Pre-filled into the result slots: every merge thread overwrites its entries, so a slot still
/// holding this after read-back means the kernel never ran. CubeCL reports some failures (a
/// panic while expanding a kernel on the device thread) only in the log and leaves the output
/// buffers as they were: this turns that into an error instead of a silent empty result.
const NOT_WRITTEN: u32 = u32::MAX - 1;

/// The per-cube lists a scan or GEMM launch leaves for [`merge_topk`]: `per_query` (score, slot)
/// pairs per query, `[queries, per_query]`.
pub(crate) struct Candidates {
    pub(crate) scores: Handle,
    pub(crate) slots: Handle,
    pub(crate) per_query: usize,
}

/// Second pass: reduces `candidates` (score, slot) pairs per query to the top-k; grid (1, queries).
#[cube(launch)]
pub fn merge_topk(
    in_scores: &Array<f32>,
    in_slots: &Array<u32>,
    out_scores: &mut Array<f32>,
    out_slots: &mut Array<u32>,
    candidates: u32,
    #[comptime] threads: usize,
    #[comptime] k: usize,
) {
    let lane = UNIT_POS as usize;
    let mut scores = SharedMemory::<f32>::new(threads * k);
    let mut slots = SharedMemory::<u32>::new(threads * k);
    clear_list(&mut scores, &mut slots, 0, lane, threads, k);
    let base = (CUBE_POS_Y as usize) * candidates as usize;
    let mut i = lane;
    while i < candidates as usize {
        let slot = in_slots[base + i];
        if slot != 4_294_967_295u32 {
            insert(
                &mut scores,
                &mut slots,
                0,
                lane,
                threads,
                in_scores[base + i],
                slot,
                k,
            );
        }
        i += threads;
    }
    reduce_and_write(
        &mut scores,
        &mut slots,
        0,
        out_scores,
        out_slots,
        (CUBE_POS_Y as usize) * k,
        threads,
        k,
    );
}

/// Reduces the candidates of every query to its top-k with [`merge_topk`] and reads them back.
pub(super) fn merge_and_read<R: Runtime>(
    client: &ComputeClient<R>,
    candidates: Candidates,
    queries: usize,
    k: usize,
) -> Result<Vec<Vec<Hit>>> {
    let per_query = candidates.per_query;
    let final_scores = client.empty(queries * k * size_of::<f32>());
    let final_slots = client.create_from_slice(u32::as_bytes(&vec![NOT_WRITTEN; queries * k]));
    let merge_threads = ScanShape::new(per_query, k, 1).threads;
    // SAFETY: the candidate handles hold `queries * per_query` elements, the results `queries * k`.
    merge_topk::launch::<R>(
        client,
        CubeCount::Static(1, queries as u32, 1),
        CubeDim::new_1d(merge_threads as u32),
        unsafe { ArrayArg::from_raw_parts(candidates.scores, queries * per_query) },
        unsafe { ArrayArg::from_raw_parts(candidates.slots, queries * per_query) },
        unsafe { ArrayArg::from_raw_parts(final_scores.clone(), queries * k) },
        unsafe { ArrayArg::from_raw_parts(final_slots.clone(), queries * k) },
        per_query as u32,
        merge_threads,
        k,
    );
    let (scores, slots) = read_f32_u32(client, final_scores, final_slots, "merge_topk")?;
    if scores.len() < queries * k || slots.len() < queries * k {
        return Err(KernelError::Internal {
            kernel: "merge_topk",
            detail: "short read-back".to_string(),
        });
    }
    if slots[..queries * k].contains(&NOT_WRITTEN) {
        return Err(KernelError::Internal {
            kernel: "scan_topk/gemm_topk/merge_topk",
            detail: "results were not written: the launch failed (see the log)".to_string(),
        });
    }
    Ok((0..queries)
        .map(|q| {
            (q * k..(q + 1) * k)
                .filter(|&i| slots[i] != EMPTY_SLOT)
                .map(|i| Hit {
                    slot: slots[i],
                    score: scores[i],
                })
                .collect()
        })
        .collect())
}
