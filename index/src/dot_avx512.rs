//! AVX-512 dot products (x86_64, AVX-512F + BW): f32 and f16 thirty-two lanes at a time in two accumulators, int8
//! sixty-four at a time with integer multiply-adds; each with a scalar tail.
//! The f16 kernel widens with `vcvtph2ps` and otherwise does exactly what the f32 one does, so the two agree bit
//! for bit on widened data, as the batch search relies on.

use super::{Kernels, dot_f16_ref, dot_f32_ref, dot_i8_ref, widen_f16_ref};
use std::arch::x86_64::*;

pub(super) fn kernels() -> Option<Kernels> {
    let ok = is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512bw");
    ok.then_some(Kernels {
        f32: f32_dot,
        f32x4: f32x4_dot,
        f16: f16_dot,
        widen_f16,
        i8: i8_dot,
        name: "avx512f+bw",
    })
}

fn f32_dot(q: &[f32], x: &[f32]) -> f32 {
    // Safety: only reachable through `kernels()`, which checked the CPU features.
    unsafe { f32_dot_avx512(q, x) }
}

fn f32x4_dot(qs: [&[f32]; 4], x: &[f32]) -> [f32; 4] {
    // Safety: as above.
    unsafe { f32x4_dot_avx512(qs, x) }
}

fn widen_f16(x: &[u16], out: &mut [f32]) {
    // Safety: as above.
    unsafe { widen_f16_avx512(x, out) }
}

fn f16_dot(q: &[f32], x: &[u16]) -> f32 {
    // Safety: as above.
    unsafe { f16_dot_avx512(q, x) }
}

fn i8_dot(q: &[i16], x: &[i8]) -> i32 {
    // Safety: as above.
    unsafe { i8_dot_avx512(q, x) }
}

#[target_feature(enable = "avx512f")]
fn f32_dot_avx512(q: &[f32], x: &[f32]) -> f32 {
    let n = q.len().min(x.len());
    let body = n - n % 32;
    let (mut a0, mut a1) = (_mm512_setzero_ps(), _mm512_setzero_ps());
    let mut i = 0;
    while i < body {
        // Safety: i + 32 <= n, both slices hold at least n values.
        unsafe {
            a0 = _mm512_fmadd_ps(
                _mm512_loadu_ps(q.as_ptr().add(i)),
                _mm512_loadu_ps(x.as_ptr().add(i)),
                a0,
            );
            a1 = _mm512_fmadd_ps(
                _mm512_loadu_ps(q.as_ptr().add(i + 16)),
                _mm512_loadu_ps(x.as_ptr().add(i + 16)),
                a1,
            );
        }
        i += 32;
    }
    _mm512_reduce_add_ps(_mm512_add_ps(a0, a1)) + dot_f32_ref(&q[body..n], &x[body..n])
}

/// Four queries against one vector: the vector is loaded once for all four. Each query keeps the two
/// accumulators and the tail of `f32_dot_avx512`, so every result equals that function's bit for bit.
#[target_feature(enable = "avx512f")]
fn f32x4_dot_avx512(qs: [&[f32]; 4], x: &[f32]) -> [f32; 4] {
    let n = qs.iter().fold(x.len(), |m, q| m.min(q.len()));
    let body = n - n % 32;
    let mut acc = [[_mm512_setzero_ps(); 2]; 4];
    let mut i = 0;
    while i < body {
        // Safety: i + 32 <= n, every slice holds at least n values.
        unsafe {
            let x0 = _mm512_loadu_ps(x.as_ptr().add(i));
            let x1 = _mm512_loadu_ps(x.as_ptr().add(i + 16));
            for (a, q) in acc.iter_mut().zip(qs) {
                a[0] = _mm512_fmadd_ps(_mm512_loadu_ps(q.as_ptr().add(i)), x0, a[0]);
                a[1] = _mm512_fmadd_ps(_mm512_loadu_ps(q.as_ptr().add(i + 16)), x1, a[1]);
            }
        }
        i += 32;
    }
    let mut out = [0f32; 4];
    for ((o, a), q) in out.iter_mut().zip(acc).zip(qs) {
        *o =
            _mm512_reduce_add_ps(_mm512_add_ps(a[0], a[1])) + dot_f32_ref(&q[body..n], &x[body..n]);
    }
    out
}

/// Same accumulators and tail as `f32_dot_avx512`, with each half vector widened on the way.
#[target_feature(enable = "avx512f")]
fn f16_dot_avx512(q: &[f32], x: &[u16]) -> f32 {
    let n = q.len().min(x.len());
    let body = n - n % 32;
    let (mut a0, mut a1) = (_mm512_setzero_ps(), _mm512_setzero_ps());
    let mut i = 0;
    while i < body {
        // Safety: i + 32 <= n; the 32-byte loads read x[i..i + 16] and x[i + 16..i + 32].
        unsafe {
            let h0 = _mm256_loadu_si256(x.as_ptr().add(i) as *const __m256i);
            let h1 = _mm256_loadu_si256(x.as_ptr().add(i + 16) as *const __m256i);
            a0 = _mm512_fmadd_ps(_mm512_loadu_ps(q.as_ptr().add(i)), _mm512_cvtph_ps(h0), a0);
            a1 = _mm512_fmadd_ps(
                _mm512_loadu_ps(q.as_ptr().add(i + 16)),
                _mm512_cvtph_ps(h1),
                a1,
            );
        }
        i += 32;
    }
    _mm512_reduce_add_ps(_mm512_add_ps(a0, a1)) + dot_f16_ref(&q[body..n], &x[body..n])
}

#[target_feature(enable = "avx512f")]
fn widen_f16_avx512(x: &[u16], out: &mut [f32]) {
    let n = x.len().min(out.len());
    let body = n - n % 16;
    let mut i = 0;
    while i < body {
        // Safety: i + 16 <= n; reads x[i..i + 16], writes out[i..i + 16].
        unsafe {
            let h = _mm256_loadu_si256(x.as_ptr().add(i) as *const __m256i);
            _mm512_storeu_ps(out.as_mut_ptr().add(i), _mm512_cvtph_ps(h));
        }
        i += 16;
    }
    widen_f16_ref(&x[body..n], &mut out[body..n]);
}

/// Thirty-two values at a time: the int8 bytes are widened to i16 and `madd` multiplies them with the i16 query
/// and adds neighbouring pairs into sixteen i32 lanes.
#[target_feature(enable = "avx512f,avx512bw")]
fn i8_dot_avx512(q: &[i16], x: &[i8]) -> i32 {
    let n = q.len().min(x.len());
    let body = n - n % 64;
    let (mut a0, mut a1) = (_mm512_setzero_si512(), _mm512_setzero_si512());
    let mut i = 0;
    while i < body {
        // Safety: i + 64 <= n; each 32-byte load reads x[i..i + 32] or x[i + 32..i + 64], each 64-byte one
        // q[i..i + 32] or q[i + 32..i + 64].
        unsafe {
            let x0 = _mm512_cvtepi8_epi16(_mm256_loadu_si256(x.as_ptr().add(i) as *const __m256i));
            let x1 =
                _mm512_cvtepi8_epi16(_mm256_loadu_si256(x.as_ptr().add(i + 32) as *const __m256i));
            let q0 = _mm512_loadu_si512(q.as_ptr().add(i) as *const __m512i);
            let q1 = _mm512_loadu_si512(q.as_ptr().add(i + 32) as *const __m512i);
            a0 = _mm512_add_epi32(a0, _mm512_madd_epi16(x0, q0));
            a1 = _mm512_add_epi32(a1, _mm512_madd_epi16(x1, q1));
        }
        i += 64;
    }
    _mm512_reduce_add_epi32(_mm512_add_epi32(a0, a1)) + dot_i8_ref(&q[body..n], &x[body..n])
}
