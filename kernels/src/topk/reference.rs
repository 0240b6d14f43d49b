//! The CPU references of a search (scan + merge) for fp16 and int8 storage, in the kernels' order
//! and, for fp16, their summation order.

use half::f16;

use super::filter::bit_set;
use super::{Hit, SearchRequest};

/// The top-k of `(slot, score)` pairs in the kernels' order.
fn top_k(mut hits: Vec<Hit>, k: usize) -> Vec<Hit> {
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.slot.cmp(&b.slot)));
    hits.truncate(k);
    hits
}

/// CPU reference of the fp16 scan + merge over row-major `[rows, dim]` values (plain order, not
/// interleaved). `width` is the kernel's vector width: lane `l` sums
/// products `j * width + l` in order, then the lanes are added in order, as the kernel does.
pub fn scan_topk_f16_ref(
    database: &[f16],
    filter: &[u32],
    request: &SearchRequest<'_>,
    width: usize,
) -> Vec<Vec<Hit>> {
    let dim = request.dim;
    request
        .queries
        .chunks_exact(dim)
        .map(|query| {
            let hits = (0..request.rows)
                .filter(|&row| bit_set(filter, row))
                .map(|row| {
                    let stored = &database[row * dim..(row + 1) * dim];
                    let mut lanes = vec![0.0f32; width];
                    for (i, (s, q)) in stored.iter().zip(query).enumerate() {
                        lanes[i % width] += s.to_f32() * q;
                    }
                    let score = lanes.iter().fold(0.0f32, |acc, v| acc + v);
                    Hit {
                        slot: row as u32,
                        score,
                    }
                })
                .collect();
            top_k(hits, request.k)
        })
        .collect()
}

/// CPU reference of the int8 scan + merge (queries quantised with `quantize_i8_ref`).
pub fn scan_topk_i8_ref(
    codes: &[i8],
    scales: &[f32],
    filter: &[u32],
    request: &SearchRequest<'_>,
) -> Vec<Vec<Hit>> {
    let dim = request.dim;
    let (query_codes, query_scales) = crate::quantize::quantize_i8_ref(request.queries, dim);
    query_codes
        .chunks_exact(dim)
        .zip(query_scales)
        .map(|(query, query_scale)| {
            let hits = (0..request.rows)
                .filter(|&row| bit_set(filter, row))
                .map(|row| {
                    let stored = &codes[row * dim..(row + 1) * dim];
                    let dot: i32 = stored
                        .iter()
                        .zip(query)
                        .map(|(s, q)| i32::from(*s) * i32::from(*q))
                        .sum();
                    Hit {
                        slot: row as u32,
                        score: dot as f32 * scales[row] * query_scale,
                    }
                })
                .collect();
            top_k(hits, request.k)
        })
        .collect()
}
