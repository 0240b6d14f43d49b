//! AVX-512 dot products (x86_64, AVX-512F + BW): f32 and f16 thirty-two lanes at a time in two accumulators, int8
//! sixty-four at a time with integer multiply-adds (one query, or four sharing each widened load of the vector;
//! fused multiply-add-accumulate `vpdpwssd` where the CPU has AVX-512 VNNI); each with a scalar tail.
//! The f16 kernel widens with `vcvtph2ps` and otherwise does exactly what the f32 one does, so the two agree bit
//! for bit on widened data, as the batch search relies on.

use super::{Kernels, dot_f16_ref, dot_f32_ref, dot_i8_ref, widen_f16_ref};
use std::arch::x86_64::*;

/// The AVX-512 sets this CPU runs, fastest first: with VNNI for int8, then without.
pub(super) fn kernels() -> Vec<Kernels> {
    let ok = is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512bw");
    if !ok {
        return Vec::new();
    }
    let plain = Kernels {
        f32: f32_dot,
        f32x4: f32x4_dot,
        f16: f16_dot,
        widen_f16,
        i8: i8_dot,
        i8x4: i8x4_dot,
        name: "avx512f+bw",
    };
    let mut sets = Vec::new();
    if is_x86_feature_detected!("avx512vnni") {
        sets.push(Kernels {
            i8: i8_dot_vnni,
            i8x4: i8x4_dot_vnni,
            name: "avx512f+bw+vnni",
            ..plain
        });
    }
    sets.push(plain);
    sets
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

fn i8x4_dot(qs: [&[i16]; 4], x: &[i8]) -> [i32; 4] {
    // SAFETY: as above.
    unsafe { i8x4_dot_avx512(qs, x) }
}

fn i8_dot_vnni(q: &[i16], x: &[i8]) -> i32 {
    // SAFETY: only reachable through the VNNI set of `kernels()`, which checked AVX-512 F, BW and VNNI.
    unsafe { i8_dot_avx512_vnni(q, x) }
}

fn i8x4_dot_vnni(qs: [&[i16]; 4], x: &[i8]) -> [i32; 4] {
    // SAFETY: as above.
    unsafe { i8x4_dot_avx512_vnni(qs, x) }
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

/// Four queries against one int8 vector: each 64 bytes of the vector are loaded and widened to i16 once, then
/// multiplied with all four queries. Integer sums are exact, so every result equals `i8_dot_avx512` on its query.
#[target_feature(enable = "avx512f,avx512bw")]
fn i8x4_dot_avx512(qs: [&[i16]; 4], x: &[i8]) -> [i32; 4] {
    let n = qs.iter().fold(x.len(), |m, q| m.min(q.len()));
    let body = n - n % 64;
    let mut acc = [[_mm512_setzero_si512(); 2]; 4];
    let mut i = 0;
    while i < body {
        // SAFETY: i + 64 <= n; each 32-byte load reads x[i..i + 32] or x[i + 32..i + 64], each 64-byte one
        // q[i..i + 32] or q[i + 32..i + 64] of a query holding at least n values.
        unsafe {
            let x0 = _mm512_cvtepi8_epi16(_mm256_loadu_si256(x.as_ptr().add(i) as *const __m256i));
            let x1 =
                _mm512_cvtepi8_epi16(_mm256_loadu_si256(x.as_ptr().add(i + 32) as *const __m256i));
            for (a, q) in acc.iter_mut().zip(qs) {
                let q0 = _mm512_loadu_si512(q.as_ptr().add(i) as *const __m512i);
                let q1 = _mm512_loadu_si512(q.as_ptr().add(i + 32) as *const __m512i);
                a[0] = _mm512_add_epi32(a[0], _mm512_madd_epi16(x0, q0));
                a[1] = _mm512_add_epi32(a[1], _mm512_madd_epi16(x1, q1));
            }
        }
        i += 64;
    }
    let sums = reduce_four(acc.map(|a| _mm512_add_epi32(a[0], a[1])));
    let mut out = [0i32; 4];
    for ((o, sum), q) in out.iter_mut().zip(sums).zip(qs) {
        *o = sum + dot_i8_ref(&q[body..n], &x[body..n]);
    }
    out
}

/// `i8_dot_avx512` with `vpdpwssd`, which multiplies, adds neighbouring pairs and accumulates in one instruction.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
fn i8_dot_avx512_vnni(q: &[i16], x: &[i8]) -> i32 {
    let n = q.len().min(x.len());
    let body = n - n % 64;
    let (mut a0, mut a1) = (_mm512_setzero_si512(), _mm512_setzero_si512());
    let mut i = 0;
    while i < body {
        // SAFETY: as in `i8_dot_avx512`.
        unsafe {
            let x0 = _mm512_cvtepi8_epi16(_mm256_loadu_si256(x.as_ptr().add(i) as *const __m256i));
            let x1 =
                _mm512_cvtepi8_epi16(_mm256_loadu_si256(x.as_ptr().add(i + 32) as *const __m256i));
            let q0 = _mm512_loadu_si512(q.as_ptr().add(i) as *const __m512i);
            let q1 = _mm512_loadu_si512(q.as_ptr().add(i + 32) as *const __m512i);
            a0 = _mm512_dpwssd_epi32(a0, x0, q0);
            a1 = _mm512_dpwssd_epi32(a1, x1, q1);
        }
        i += 64;
    }
    _mm512_reduce_add_epi32(_mm512_add_epi32(a0, a1)) + dot_i8_ref(&q[body..n], &x[body..n])
}

/// `i8x4_dot_avx512` with `vpdpwssd`.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
fn i8x4_dot_avx512_vnni(qs: [&[i16]; 4], x: &[i8]) -> [i32; 4] {
    let n = qs.iter().fold(x.len(), |m, q| m.min(q.len()));
    let body = n - n % 64;
    let mut acc = [[_mm512_setzero_si512(); 2]; 4];
    let mut i = 0;
    while i < body {
        // SAFETY: as in `i8x4_dot_avx512`.
        unsafe {
            let x0 = _mm512_cvtepi8_epi16(_mm256_loadu_si256(x.as_ptr().add(i) as *const __m256i));
            let x1 =
                _mm512_cvtepi8_epi16(_mm256_loadu_si256(x.as_ptr().add(i + 32) as *const __m256i));
            for (a, q) in acc.iter_mut().zip(qs) {
                let q0 = _mm512_loadu_si512(q.as_ptr().add(i) as *const __m512i);
                let q1 = _mm512_loadu_si512(q.as_ptr().add(i + 32) as *const __m512i);
                a[0] = _mm512_dpwssd_epi32(a[0], x0, q0);
                a[1] = _mm512_dpwssd_epi32(a[1], x1, q1);
            }
        }
        i += 64;
    }
    let sums = reduce_four(acc.map(|a| _mm512_add_epi32(a[0], a[1])));
    let mut out = [0i32; 4];
    for ((o, sum), q) in out.iter_mut().zip(sums).zip(qs) {
        *o = sum + dot_i8_ref(&q[body..n], &x[body..n]);
    }
    out
}

/// The lane sums of four vectors, `[Σv0, Σv1, Σv2, Σv3]`, in one shared reduction: halve each to 256 bits, then
/// three horizontal adds leave, in each 128-bit half, the four partial sums, and the two halves are added.
#[target_feature(enable = "avx512f")]
fn reduce_four(v: [__m512i; 4]) -> [i32; 4] {
    let [a, b, c, d] =
        v.map(|v| _mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1)));
    let abcd = _mm256_hadd_epi32(_mm256_hadd_epi32(a, b), _mm256_hadd_epi32(c, d));
    let s = _mm_add_epi32(
        _mm256_castsi256_si128(abcd),
        _mm256_extracti128_si256(abcd, 1),
    );
    [
        _mm_extract_epi32(s, 0),
        _mm_extract_epi32(s, 1),
        _mm_extract_epi32(s, 2),
        _mm_extract_epi32(s, 3),
    ]
}
