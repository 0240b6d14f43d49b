//! AVX-512 block kernels (x86_64, AVX-512F + BW): f32 and f16 blocks a dimension of all sixteen vectors at a time
//! (f16 widened by `vcvtph2ps` on the way), with fused multiply-adds; int8 blocks a pair of dimensions of all sixteen
//! vectors at a time, with integer multiply-adds (fused multiply-add-accumulate `vpdpwssd` where the CPU has AVX-512
//! VNNI).

use super::{BLOCK_ROWS, Kernels, Reference, block_fits, columns_fit};
use std::arch::x86_64::*;

/// The AVX-512 sets this CPU runs, fastest first: with VNNI for int8, then without.
pub(super) fn kernels() -> Vec<Kernels> {
    let ok = is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512bw");
    if !ok {
        return Vec::new();
    }
    let plain = Kernels {
        i8_block,
        f32_block,
        f16_block,
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

fn f32_block(qs: &[&[f32]], block: &[f32], out: &mut [[f32; BLOCK_ROWS]]) {
    // SAFETY: only reachable through `kernels()`, which checked the CPU features.
    unsafe { f32_block_avx512(qs, block, out) }
}

fn f16_block(qs: &[&[f32]], block: &[u16], out: &mut [[f32; BLOCK_ROWS]]) {
    // SAFETY: as above.
    unsafe { f16_block_avx512(qs, block, out) }
}

fn i8_block(qs: &[&[i16]], block: &[i8], out: &mut [[i32; BLOCK_ROWS]]) {
    // SAFETY: as above.
    unsafe { i8_block_avx512(qs, block, out) }
}

fn i8_block_vnni(qs: &[&[i16]], block: &[i8], out: &mut [[i32; BLOCK_ROWS]]) {
    // SAFETY: only reachable through the VNNI set of `kernels()`, which checked AVX-512 F, BW and VNNI.
    unsafe { i8_block_avx512_vnni(qs, block, out) }
}

/// The int8 block kernel: queries eight at a time (one accumulator of sixteen vectors each, eight of the 32
/// registers), so that each widened pair of the block is loaded once for eight queries.
#[target_feature(enable = "avx512f,avx512bw")]
fn i8_block_avx512(qs: &[&[i16]], block: &[i8], out: &mut [[i32; BLOCK_ROWS]]) {
    for (eight, rows) in qs.chunks(8).zip(out.chunks_mut(8)) {
        match eight.len() {
            8 => i8_block_n::<8>(eight, block, rows),
            7 => i8_block_n::<7>(eight, block, rows),
            6 => i8_block_n::<6>(eight, block, rows),
            5 => i8_block_n::<5>(eight, block, rows),
            4 => i8_block_n::<4>(eight, block, rows),
            3 => i8_block_n::<3>(eight, block, rows),
            2 => i8_block_n::<2>(eight, block, rows),
            _ => i8_block_n::<1>(eight, block, rows),
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
    for (eight, rows) in qs.chunks(8).zip(out.chunks_mut(8)) {
        match eight.len() {
            8 => i8_block_vnni_n::<8>(eight, block, rows),
            7 => i8_block_vnni_n::<7>(eight, block, rows),
            6 => i8_block_vnni_n::<6>(eight, block, rows),
            5 => i8_block_vnni_n::<5>(eight, block, rows),
            4 => i8_block_vnni_n::<4>(eight, block, rows),
            3 => i8_block_vnni_n::<3>(eight, block, rows),
            2 => i8_block_vnni_n::<2>(eight, block, rows),
            _ => i8_block_vnni_n::<1>(eight, block, rows),
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

/// The f32 block kernel (`columns_avx512`): sixteen f32 are one 64-byte load.
#[target_feature(enable = "avx512f")]
fn f32_block_avx512(qs: &[&[f32]], block: &[f32], out: &mut [[f32; BLOCK_ROWS]]) {
    // SAFETY: the array holds the sixteen f32 the load reads.
    let load = |values: &[f32; BLOCK_ROWS]| unsafe { _mm512_loadu_ps(values.as_ptr()) };
    columns_avx512(qs, block, load, super::dot_f32_block_ref, out);
}

/// The f16 block kernel (`columns_avx512`): sixteen halves are one 32-byte load, widened exactly by `vcvtph2ps`.
#[target_feature(enable = "avx512f")]
fn f16_block_avx512(qs: &[&[f32]], block: &[u16], out: &mut [[f32; BLOCK_ROWS]]) {
    // SAFETY: the array holds the sixteen halves the load reads.
    let load = |values: &[u16; BLOCK_ROWS]| unsafe {
        _mm512_cvtph_ps(_mm256_loadu_si256(values.as_ptr().cast()))
    };
    columns_avx512(qs, block, load, super::dot_f16_block_ref, out);
}

/// f32 and f16 blocks: queries eight at a time (one accumulator each, eight of the 32 registers), so that each
/// dimension of the block is loaded (and widened) once for eight.
#[target_feature(enable = "avx512f")]
fn columns_avx512<T>(
    qs: &[&[f32]],
    block: &[T],
    load: impl Fn(&[T; BLOCK_ROWS]) -> __m512 + Copy,
    reference: Reference<T>,
    out: &mut [[f32; BLOCK_ROWS]],
) {
    for (eight, rows) in qs.chunks(8).zip(out.chunks_mut(8)) {
        match eight.len() {
            8 => columns_n::<8, T>(eight, block, load, reference, rows),
            7 => columns_n::<7, T>(eight, block, load, reference, rows),
            6 => columns_n::<6, T>(eight, block, load, reference, rows),
            5 => columns_n::<5, T>(eight, block, load, reference, rows),
            4 => columns_n::<4, T>(eight, block, load, reference, rows),
            3 => columns_n::<3, T>(eight, block, load, reference, rows),
            2 => columns_n::<2, T>(eight, block, load, reference, rows),
            _ => columns_n::<1, T>(eight, block, load, reference, rows),
        }
    }
}

/// `N` queries against an f32 or f16 block: per dimension, the sixteen vectors' values in one register (`load`),
/// multiplied by the query's value (broadcast) and added with one fused multiply-add per lane, as `reference` does.
#[target_feature(enable = "avx512f")]
fn columns_n<const N: usize, T>(
    qs: &[&[f32]],
    block: &[T],
    load: impl Fn(&[T; BLOCK_ROWS]) -> __m512,
    reference: Reference<T>,
    out: &mut [[f32; BLOCK_ROWS]],
) {
    if qs.len() != N || out.len() != N || !qs.iter().all(|q| columns_fit(q, block)) {
        return reference(qs, block, out);
    }
    let mut acc = [_mm512_setzero_ps(); N];
    for d in 0..block.len() / BLOCK_ROWS {
        // SAFETY: `columns_fit` holds: the block has sixteen values at 16d, and each query a value at d.
        unsafe {
            let x = load(&*block.as_ptr().add(BLOCK_ROWS * d).cast::<[T; BLOCK_ROWS]>());
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
