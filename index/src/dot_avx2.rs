//! AVX2 + FMA + F16C dot products (x86_64): f32 and f16 eight or sixteen lanes at a time, int8 sixteen at a
//! time with integer multiply-adds (one query, or four sharing each widened load of the vector); each with a
//! scalar tail.

use super::{Kernels, dot_f16_ref, dot_f32_ref, dot_i8_ref, widen_f16_ref};
use std::arch::x86_64::*;

pub(super) fn kernels() -> Option<Kernels> {
    let ok = is_x86_feature_detected!("avx2")
        && is_x86_feature_detected!("fma")
        && is_x86_feature_detected!("f16c");
    ok.then_some(Kernels {
        f32: f32_dot,
        f32x4: f32x4_dot,
        f16: f16_dot,
        widen_f16,
        i8: i8_dot,
        i8x4: i8x4_dot,
        name: "avx2+fma+f16c",
    })
}

fn f32_dot(q: &[f32], x: &[f32]) -> f32 {
    // Safety: only reachable through `kernels()`, which checked the CPU features.
    unsafe { f32_dot_avx2(q, x) }
}

fn f32x4_dot(qs: [&[f32]; 4], x: &[f32]) -> [f32; 4] {
    // Safety: as above.
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

fn i8_dot(q: &[i16], x: &[i8]) -> i32 {
    // Safety: as above.
    unsafe { i8_dot_avx2(q, x) }
}

fn i8x4_dot(qs: [&[i16]; 4], x: &[i8]) -> [i32; 4] {
    // Safety: as above.
    unsafe { i8x4_dot_avx2(qs, x) }
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

#[target_feature(enable = "avx2,fma")]
fn f32_dot_avx2(q: &[f32], x: &[f32]) -> f32 {
    let n = q.len().min(x.len());
    let body = n - n % 16;
    let (mut a0, mut a1) = (_mm256_setzero_ps(), _mm256_setzero_ps());
    let mut i = 0;
    while i < body {
        // Safety: i + 16 <= n, both slices hold at least n values.
        unsafe {
            a0 = _mm256_fmadd_ps(
                _mm256_loadu_ps(q.as_ptr().add(i)),
                _mm256_loadu_ps(x.as_ptr().add(i)),
                a0,
            );
            a1 = _mm256_fmadd_ps(
                _mm256_loadu_ps(q.as_ptr().add(i + 8)),
                _mm256_loadu_ps(x.as_ptr().add(i + 8)),
                a1,
            );
        }
        i += 16;
    }
    hsum(_mm256_add_ps(a0, a1)) + dot_f32_ref(&q[body..n], &x[body..n])
}

/// Four queries against one vector: the vector is loaded once for all four. Each query keeps the two
/// accumulators and the tail of `f32_dot_avx2`, so every result equals that function's bit for bit.
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

/// Same accumulators and tail as `f32_dot_avx2`, with each half vector widened by F16C on the way.
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

/// Sixteen values at a time: the int8 bytes are widened to i16 and `madd` multiplies them with the i16 query and
/// adds neighbouring pairs into eight i32 lanes, so no value is converted to float inside the loop.
#[target_feature(enable = "avx2")]
fn i8_dot_avx2(q: &[i16], x: &[i8]) -> i32 {
    let n = q.len().min(x.len());
    let body = n - n % 32;
    let (mut a0, mut a1) = (_mm256_setzero_si256(), _mm256_setzero_si256());
    let mut i = 0;
    while i < body {
        // Safety: i + 32 <= n; each 16-byte load reads x[i..i + 16] or x[i + 16..i + 32], each 32-byte one
        // q[i..i + 16] or q[i + 16..i + 32].
        unsafe {
            let x0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(x.as_ptr().add(i) as *const __m128i));
            let x1 =
                _mm256_cvtepi8_epi16(_mm_loadu_si128(x.as_ptr().add(i + 16) as *const __m128i));
            let q0 = _mm256_loadu_si256(q.as_ptr().add(i) as *const __m256i);
            let q1 = _mm256_loadu_si256(q.as_ptr().add(i + 16) as *const __m256i);
            a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(x0, q0));
            a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(x1, q1));
        }
        i += 32;
    }
    hsum_i32(_mm256_add_epi32(a0, a1)) + dot_i8_ref(&q[body..n], &x[body..n])
}

#[target_feature(enable = "avx2")]
fn hsum_i32(acc: __m256i) -> i32 {
    let s = _mm_add_epi32(
        _mm256_castsi256_si128(acc),
        _mm256_extracti128_si256(acc, 1),
    );
    let s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0b01_00_11_10));
    let s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0b10_11_00_01));
    _mm_cvtsi128_si32(s)
}

/// Four queries against one int8 vector: each 32 bytes of the vector are loaded and widened to i16 once, then
/// multiplied with all four queries. Integer sums are exact, so every result equals `i8_dot_avx2` on its query.
#[target_feature(enable = "avx2")]
fn i8x4_dot_avx2(qs: [&[i16]; 4], x: &[i8]) -> [i32; 4] {
    let n = qs.iter().fold(x.len(), |m, q| m.min(q.len()));
    let body = n - n % 32;
    let mut acc = [[_mm256_setzero_si256(); 2]; 4];
    let mut i = 0;
    while i < body {
        // Safety: i + 32 <= n; each 16-byte load reads x[i..i + 16] or x[i + 16..i + 32], each 32-byte one
        // q[i..i + 16] or q[i + 16..i + 32] of a query holding at least n values.
        unsafe {
            let x0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(x.as_ptr().add(i) as *const __m128i));
            let x1 =
                _mm256_cvtepi8_epi16(_mm_loadu_si128(x.as_ptr().add(i + 16) as *const __m128i));
            for (a, q) in acc.iter_mut().zip(qs) {
                let q0 = _mm256_loadu_si256(q.as_ptr().add(i) as *const __m256i);
                let q1 = _mm256_loadu_si256(q.as_ptr().add(i + 16) as *const __m256i);
                a[0] = _mm256_add_epi32(a[0], _mm256_madd_epi16(x0, q0));
                a[1] = _mm256_add_epi32(a[1], _mm256_madd_epi16(x1, q1));
            }
        }
        i += 32;
    }
    let mut out = [0i32; 4];
    for ((o, a), q) in out.iter_mut().zip(acc).zip(qs) {
        *o = hsum_i32(_mm256_add_epi32(a[0], a[1])) + dot_i8_ref(&q[body..n], &x[body..n]);
    }
    out
}
