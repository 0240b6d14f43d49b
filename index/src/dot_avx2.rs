//! AVX2 + FMA + F16C dot products (x86_64): f32 and f16 eight or sixteen lanes at a time, each with a scalar
//! tail; int8 blocks a pair of dimensions of all sixteen vectors at a time, with integer multiply-adds.

use super::{
    BLOCK_ROWS, Kernels, block_fits, dot_f16_ref, dot_f32_ref, f32_block_fits, widen_f16_ref,
};
use std::arch::x86_64::*;

pub(super) fn kernels() -> Option<Kernels> {
    let ok = is_x86_feature_detected!("avx2")
        && is_x86_feature_detected!("fma")
        && is_x86_feature_detected!("f16c");
    ok.then_some(Kernels {
        f32x4: f32x4_dot,
        f16: f16_dot,
        widen_f16,
        i8_block,
        f32_block,
        name: "avx2+fma+f16c",
    })
}

fn f32x4_dot(qs: [&[f32]; 4], x: &[f32]) -> [f32; 4] {
    // Safety: only reachable through `kernels()`, which checked the CPU features.
    unsafe { f32x4_dot_avx2(qs, x) }
}

fn widen_f16(x: &[u16], out: &mut [f32]) {
    // Safety: as above.
    unsafe { widen_f16_avx2(x, out) }
}

fn f16_dot(q: &[f32], x: &[u16]) -> f32 {
    // Safety: as above.
    unsafe { f16_dot_avx2(q, x) }
}

fn f32_block(qs: &[&[f32]], block: &[f32], out: &mut [[f32; BLOCK_ROWS]]) {
    // Safety: as above.
    unsafe { f32_block_avx2(qs, block, out) }
}

fn i8_block(qs: &[&[i16]], block: &[i8], out: &mut [[i32; BLOCK_ROWS]]) {
    // Safety: as above.
    unsafe { i8_block_avx2(qs, block, out) }
}

#[target_feature(enable = "avx2,fma")]
fn hsum(v: __m256) -> f32 {
    let hi = _mm256_extractf128_ps(v, 1);
    let lo = _mm256_castps256_ps128(v);
    let s = _mm_add_ps(hi, lo);
    let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    let s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    _mm_cvtss_f32(s)
}

/// Four queries against one vector: the vector is loaded once for all four. Each query has two accumulators and a
/// scalar tail of its own, so its result does not depend on the other three.
#[target_feature(enable = "avx2,fma")]
fn f32x4_dot_avx2(qs: [&[f32]; 4], x: &[f32]) -> [f32; 4] {
    let n = qs.iter().fold(x.len(), |m, q| m.min(q.len()));
    let body = n - n % 16;
    let mut acc = [[_mm256_setzero_ps(); 2]; 4];
    let mut i = 0;
    while i < body {
        // Safety: i + 16 <= n, every slice holds at least n values.
        unsafe {
            let x0 = _mm256_loadu_ps(x.as_ptr().add(i));
            let x1 = _mm256_loadu_ps(x.as_ptr().add(i + 8));
            for (a, q) in acc.iter_mut().zip(qs) {
                a[0] = _mm256_fmadd_ps(_mm256_loadu_ps(q.as_ptr().add(i)), x0, a[0]);
                a[1] = _mm256_fmadd_ps(_mm256_loadu_ps(q.as_ptr().add(i + 8)), x1, a[1]);
            }
        }
        i += 16;
    }
    let mut out = [0f32; 4];
    for ((o, a), q) in out.iter_mut().zip(acc).zip(qs) {
        *o = hsum(_mm256_add_ps(a[0], a[1])) + dot_f32_ref(&q[body..n], &x[body..n]);
    }
    out
}

/// The accumulators and tail of one query of `f32x4_dot_avx2`, with each half vector widened by F16C on the way.
#[target_feature(enable = "avx2,fma,f16c")]
fn f16_dot_avx2(q: &[f32], x: &[u16]) -> f32 {
    let n = q.len().min(x.len());
    let body = n - n % 16;
    let (mut a0, mut a1) = (_mm256_setzero_ps(), _mm256_setzero_ps());
    let mut i = 0;
    while i < body {
        // Safety: i + 16 <= n; the 16-byte loads read x[i..i + 8] and x[i + 8..i + 16].
        unsafe {
            let h0 = _mm_loadu_si128(x.as_ptr().add(i) as *const __m128i);
            let h1 = _mm_loadu_si128(x.as_ptr().add(i + 8) as *const __m128i);
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q.as_ptr().add(i)), _mm256_cvtph_ps(h0), a0);
            a1 = _mm256_fmadd_ps(
                _mm256_loadu_ps(q.as_ptr().add(i + 8)),
                _mm256_cvtph_ps(h1),
                a1,
            );
        }
        i += 16;
    }
    hsum(_mm256_add_ps(a0, a1)) + dot_f16_ref(&q[body..n], &x[body..n])
}

#[target_feature(enable = "avx2,f16c")]
fn widen_f16_avx2(x: &[u16], out: &mut [f32]) {
    let n = x.len().min(out.len());
    let body = n - n % 8;
    let mut i = 0;
    while i < body {
        // Safety: i + 8 <= n; reads x[i..i + 8], writes out[i..i + 8].
        unsafe {
            let h = _mm_loadu_si128(x.as_ptr().add(i) as *const __m128i);
            _mm256_storeu_ps(out.as_mut_ptr().add(i), _mm256_cvtph_ps(h));
        }
        i += 8;
    }
    widen_f16_ref(&x[body..n], &mut out[body..n]);
}

/// The int8 block kernel: queries four at a time, so that each widened pair of the block is loaded once for four.
#[target_feature(enable = "avx2")]
fn i8_block_avx2(qs: &[&[i16]], block: &[i8], out: &mut [[i32; BLOCK_ROWS]]) {
    for (four, rows) in qs.chunks(4).zip(out.chunks_mut(4)) {
        match four.len() {
            4 => i8_block_n::<4>(four, block, rows),
            3 => i8_block_n::<3>(four, block, rows),
            2 => i8_block_n::<2>(four, block, rows),
            _ => i8_block_n::<1>(four, block, rows),
        }
    }
}

/// `N` queries against a block, eight vectors to a register: per pair of dimensions, the two 16-byte halves
/// holding it for vectors 0..8 and 8..16 are widened to i16, and `madd` multiplies them by the query's two values
/// (broadcast) and adds each vector's two products into its i32 lane. Exact, so equal to `dot_i8_block_ref`.
#[target_feature(enable = "avx2")]
fn i8_block_n<const N: usize>(qs: &[&[i16]], block: &[i8], out: &mut [[i32; BLOCK_ROWS]]) {
    if qs.len() != N || out.len() != N || !qs.iter().all(|q| block_fits(q, block)) {
        return super::dot_i8_block_ref(qs, block, out);
    }
    let mut acc = [[_mm256_setzero_si256(); 2]; N];
    for p in 0..block.len() / (2 * BLOCK_ROWS) {
        // Safety: `block_fits` holds: the block has 32 bytes at 32p, and each query two values at 2p.
        unsafe {
            let at = block.as_ptr().add(32 * p);
            let low = _mm256_cvtepi8_epi16(_mm_loadu_si128(at as *const __m128i));
            let high = _mm256_cvtepi8_epi16(_mm_loadu_si128(at.add(16) as *const __m128i));
            for (a, q) in acc.iter_mut().zip(qs) {
                let pair =
                    _mm256_set1_epi32((q.as_ptr().add(2 * p) as *const i32).read_unaligned());
                a[0] = _mm256_add_epi32(a[0], _mm256_madd_epi16(low, pair));
                a[1] = _mm256_add_epi32(a[1], _mm256_madd_epi16(high, pair));
            }
        }
    }
    for (o, a) in out.iter_mut().zip(acc) {
        // Safety: a row of results is sixteen i32: two 32-byte stores.
        unsafe {
            _mm256_storeu_si256(o.as_mut_ptr() as *mut __m256i, a[0]);
            _mm256_storeu_si256(o.as_mut_ptr().add(8) as *mut __m256i, a[1]);
        }
    }
}

/// The f32 block kernel: queries four at a time, so that each dimension of the block is loaded once for four.
#[target_feature(enable = "avx2,fma")]
fn f32_block_avx2(qs: &[&[f32]], block: &[f32], out: &mut [[f32; BLOCK_ROWS]]) {
    for (four, rows) in qs.chunks(4).zip(out.chunks_mut(4)) {
        match four.len() {
            4 => f32_block_n::<4>(four, block, rows),
            3 => f32_block_n::<3>(four, block, rows),
            2 => f32_block_n::<2>(four, block, rows),
            _ => f32_block_n::<1>(four, block, rows),
        }
    }
}

/// `N` queries against an f32 block, eight vectors to a register: per dimension, the query's value (broadcast)
/// times the vectors' values, added with one fused multiply-add per lane, as `dot_f32_block_ref` does.
#[target_feature(enable = "avx2,fma")]
fn f32_block_n<const N: usize>(qs: &[&[f32]], block: &[f32], out: &mut [[f32; BLOCK_ROWS]]) {
    if qs.len() != N || out.len() != N || !qs.iter().all(|q| f32_block_fits(q, block)) {
        return super::dot_f32_block_ref(qs, block, out);
    }
    let mut acc = [[_mm256_setzero_ps(); 2]; N];
    for d in 0..block.len() / BLOCK_ROWS {
        // Safety: `f32_block_fits` holds: the block has sixteen values at 16d, and each query a value at d.
        unsafe {
            let at = block.as_ptr().add(BLOCK_ROWS * d);
            let (low, high) = (_mm256_loadu_ps(at), _mm256_loadu_ps(at.add(8)));
            for (a, q) in acc.iter_mut().zip(qs) {
                let value = _mm256_set1_ps(*q.get_unchecked(d));
                a[0] = _mm256_fmadd_ps(value, low, a[0]);
                a[1] = _mm256_fmadd_ps(value, high, a[1]);
            }
        }
    }
    for (o, a) in out.iter_mut().zip(acc) {
        // Safety: a row of results is sixteen f32: two 32-byte stores.
        unsafe {
            _mm256_storeu_ps(o.as_mut_ptr(), a[0]);
            _mm256_storeu_ps(o.as_mut_ptr().add(8), a[1]);
        }
    }
}
