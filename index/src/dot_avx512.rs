//! AVX-512 dot products (x86_64, AVX-512F + BW): f32 and f16 thirty-two lanes at a time in two accumulators, with
//! a scalar tail; int8 blocks a pair of dimensions of all sixteen vectors at a time, with integer multiply-adds
//! (fused multiply-add-accumulate `vpdpwssd` where the CPU has AVX-512 VNNI).
//! The f16 kernel widens with `vcvtph2ps` and otherwise does exactly what the f32 one does, so the two agree bit
//! for bit on widened data, as the batch search relies on.

use super::{
    BLOCK_ROWS, Kernels, block_fits, dot_f16_ref, dot_f32_ref, f32_block_fits, widen_f16_ref,
};
use std::arch::x86_64::*;

/// The AVX-512 sets this CPU runs, fastest first: with VNNI for int8, then without.
pub(super) fn kernels() -> Vec<Kernels> {
    let ok = is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512bw");
    if !ok {
        return Vec::new();
    }
    let plain = Kernels {
        f32x4: f32x4_dot,
        f16: f16_dot,
        widen_f16,
        i8_block,
        f32_block,
        name: "avx512f+bw",
    };
    let mut sets = Vec::new();
    if is_x86_feature_detected!("avx512vnni") {
        sets.push(Kernels {
            i8_block: i8_block_vnni,
            name: "avx512f+bw+vnni",
            ..plain
        });
    }
    sets.push(plain);
    sets
}

fn f32x4_dot(qs: [&[f32]; 4], x: &[f32]) -> [f32; 4] {
    // Safety: only reachable through `kernels()`, which checked the CPU features.
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

fn f32_block(qs: &[&[f32]], block: &[f32], out: &mut [[f32; BLOCK_ROWS]]) {
    // SAFETY: as above.
    unsafe { f32_block_avx512(qs, block, out) }
}

fn i8_block(qs: &[&[i16]], block: &[i8], out: &mut [[i32; BLOCK_ROWS]]) {
    // SAFETY: as above.
    unsafe { i8_block_avx512(qs, block, out) }
}

fn i8_block_vnni(qs: &[&[i16]], block: &[i8], out: &mut [[i32; BLOCK_ROWS]]) {
    // SAFETY: only reachable through the VNNI set of `kernels()`, which checked AVX-512 F, BW and VNNI.
    unsafe { i8_block_avx512_vnni(qs, block, out) }
}

/// Four queries against one vector: the vector is loaded once for all four. Each query has two accumulators and a
/// scalar tail of its own, so its result does not depend on the other three.
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

/// The accumulators and tail of one query of `f32x4_dot_avx512`, with each half vector widened on the way.
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

/// The int8 block kernel: queries four at a time (one accumulator of sixteen vectors each), so that each widened
/// pair of the block is loaded once for four queries.
#[target_feature(enable = "avx512f,avx512bw")]
fn i8_block_avx512(qs: &[&[i16]], block: &[i8], out: &mut [[i32; BLOCK_ROWS]]) {
    for (four, rows) in qs.chunks(4).zip(out.chunks_mut(4)) {
        match four.len() {
            4 => i8_block_n::<4>(four, block, rows),
            3 => i8_block_n::<3>(four, block, rows),
            2 => i8_block_n::<2>(four, block, rows),
            _ => i8_block_n::<1>(four, block, rows),
        }
    }
}

/// `N` queries against a block: per pair of dimensions, the 32 bytes holding it for all sixteen vectors are widened
/// to i16, and `madd` multiplies them by the query's two values (broadcast) and adds each vector's two products into
/// its i32 lane. Integer sums are exact, so the results equal `dot_i8_block_ref`.
#[target_feature(enable = "avx512f,avx512bw")]
fn i8_block_n<const N: usize>(qs: &[&[i16]], block: &[i8], out: &mut [[i32; BLOCK_ROWS]]) {
    if qs.len() != N || out.len() != N || !qs.iter().all(|q| block_fits(q, block)) {
        return super::dot_i8_block_ref(qs, block, out);
    }
    let mut acc = [_mm512_setzero_si512(); N];
    for p in 0..block.len() / (2 * BLOCK_ROWS) {
        // SAFETY: `block_fits` holds: the block has 32 bytes at 32p, and each query two values at 2p.
        unsafe {
            let x = _mm512_cvtepi8_epi16(_mm256_loadu_si256(
                block.as_ptr().add(32 * p) as *const __m256i
            ));
            for (a, q) in acc.iter_mut().zip(qs) {
                let pair =
                    _mm512_set1_epi32((q.as_ptr().add(2 * p) as *const i32).read_unaligned());
                *a = _mm512_add_epi32(*a, _mm512_madd_epi16(x, pair));
            }
        }
    }
    for (o, a) in out.iter_mut().zip(acc) {
        // SAFETY: a row of results is sixteen i32, one 64-byte store.
        unsafe { _mm512_storeu_si512(o.as_mut_ptr() as *mut __m512i, a) };
    }
}

/// `i8_block_avx512` with `vpdpwssd`.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
fn i8_block_avx512_vnni(qs: &[&[i16]], block: &[i8], out: &mut [[i32; BLOCK_ROWS]]) {
    for (four, rows) in qs.chunks(4).zip(out.chunks_mut(4)) {
        match four.len() {
            4 => i8_block_vnni_n::<4>(four, block, rows),
            3 => i8_block_vnni_n::<3>(four, block, rows),
            2 => i8_block_vnni_n::<2>(four, block, rows),
            _ => i8_block_vnni_n::<1>(four, block, rows),
        }
    }
}

/// `i8_block_n` with `vpdpwssd`, which multiplies, adds each vector's two products and accumulates in one
/// instruction.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
fn i8_block_vnni_n<const N: usize>(qs: &[&[i16]], block: &[i8], out: &mut [[i32; BLOCK_ROWS]]) {
    if qs.len() != N || out.len() != N || !qs.iter().all(|q| block_fits(q, block)) {
        return super::dot_i8_block_ref(qs, block, out);
    }
    let mut acc = [_mm512_setzero_si512(); N];
    for p in 0..block.len() / (2 * BLOCK_ROWS) {
        // SAFETY: as in `i8_block_n`.
        unsafe {
            let x = _mm512_cvtepi8_epi16(_mm256_loadu_si256(
                block.as_ptr().add(32 * p) as *const __m256i
            ));
            for (a, q) in acc.iter_mut().zip(qs) {
                let pair =
                    _mm512_set1_epi32((q.as_ptr().add(2 * p) as *const i32).read_unaligned());
                *a = _mm512_dpwssd_epi32(*a, x, pair);
            }
        }
    }
    for (o, a) in out.iter_mut().zip(acc) {
        // SAFETY: as in `i8_block_n`.
        unsafe { _mm512_storeu_si512(o.as_mut_ptr() as *mut __m512i, a) };
    }
}

/// The f32 block kernel: queries four at a time, so that each dimension of the block is loaded once for four.
#[target_feature(enable = "avx512f")]
fn f32_block_avx512(qs: &[&[f32]], block: &[f32], out: &mut [[f32; BLOCK_ROWS]]) {
    for (four, rows) in qs.chunks(4).zip(out.chunks_mut(4)) {
        match four.len() {
            4 => f32_block_n::<4>(four, block, rows),
            3 => f32_block_n::<3>(four, block, rows),
            2 => f32_block_n::<2>(four, block, rows),
            _ => f32_block_n::<1>(four, block, rows),
        }
    }
}

/// `N` queries against an f32 block: per dimension, the sixteen vectors' values in one register, multiplied by the
/// query's value (broadcast) and added with one fused multiply-add per lane, as `dot_f32_block_ref` does.
#[target_feature(enable = "avx512f")]
fn f32_block_n<const N: usize>(qs: &[&[f32]], block: &[f32], out: &mut [[f32; BLOCK_ROWS]]) {
    if qs.len() != N || out.len() != N || !qs.iter().all(|q| f32_block_fits(q, block)) {
        return super::dot_f32_block_ref(qs, block, out);
    }
    let mut acc = [_mm512_setzero_ps(); N];
    for d in 0..block.len() / BLOCK_ROWS {
        // SAFETY: `f32_block_fits` holds: the block has sixteen values at 16d, and each query a value at d.
        unsafe {
            let x = _mm512_loadu_ps(block.as_ptr().add(BLOCK_ROWS * d));
            for (a, q) in acc.iter_mut().zip(qs) {
                *a = _mm512_fmadd_ps(_mm512_set1_ps(*q.get_unchecked(d)), x, *a);
            }
        }
    }
    for (o, a) in out.iter_mut().zip(acc) {
        // SAFETY: a row of results is sixteen f32, one 64-byte store.
        unsafe { _mm512_storeu_ps(o.as_mut_ptr(), a) };
    }
}
