//! AVX2 + FMA + F16C block kernels (x86_64): f32 and f16 blocks a dimension of all sixteen vectors at a time in two
//! registers of eight (f16 widened by F16C on the way), with fused multiply-adds; int8 blocks a pair of dimensions
//! of all sixteen vectors at a time, with integer multiply-adds.

use super::{BLOCK_ROWS, Kernels, Reference, block_fits, columns_fit};
use std::arch::x86_64::*;

pub(super) fn kernels() -> Option<Kernels> {
    let ok = is_x86_feature_detected!("avx2")
        && is_x86_feature_detected!("fma")
        && is_x86_feature_detected!("f16c");
    ok.then_some(Kernels {
        i8_block,
        f32_block,
        f16_block,
        name: "avx2+fma+f16c",
    })
}

fn f32_block(qs: &[&[f32]], block: &[f32], out: &mut [[f32; BLOCK_ROWS]]) {
    // Safety: only reachable through `kernels()`, which checked the CPU features.
    unsafe { f32_block_avx2(qs, block, out) }
}

fn f16_block(qs: &[&[f32]], block: &[u16], out: &mut [[f32; BLOCK_ROWS]]) {
    // Safety: as above.
    unsafe { f16_block_avx2(qs, block, out) }
}

fn i8_block(qs: &[&[i16]], block: &[i8], out: &mut [[i32; BLOCK_ROWS]]) {
    // Safety: as above.
    unsafe { i8_block_avx2(qs, block, out) }
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

/// The f32 block kernel (`columns_avx2`): sixteen f32 are two 32-byte loads.
#[target_feature(enable = "avx2,fma,f16c")]
fn f32_block_avx2(qs: &[&[f32]], block: &[f32], out: &mut [[f32; BLOCK_ROWS]]) {
    // Safety: the array holds the sixteen f32 the loads read.
    let load = |values: &[f32; BLOCK_ROWS]| unsafe {
        let at = values.as_ptr();
        [_mm256_loadu_ps(at), _mm256_loadu_ps(at.add(8))]
    };
    columns_avx2(qs, block, load, super::dot_f32_block_ref, out);
}

/// The f16 block kernel (`columns_avx2`): sixteen halves are two 16-byte loads, widened exactly by F16C.
#[target_feature(enable = "avx2,fma,f16c")]
fn f16_block_avx2(qs: &[&[f32]], block: &[u16], out: &mut [[f32; BLOCK_ROWS]]) {
    // Safety: the array holds the sixteen halves the loads read.
    let load = |values: &[u16; BLOCK_ROWS]| unsafe {
        let at = values.as_ptr();
        [
            _mm256_cvtph_ps(_mm_loadu_si128(at.cast())),
            _mm256_cvtph_ps(_mm_loadu_si128(at.add(8).cast())),
        ]
    };
    columns_avx2(qs, block, load, super::dot_f16_block_ref, out);
}

/// f32 and f16 blocks: queries four at a time, so that each dimension of the block is loaded (and widened) once for
/// four.
#[target_feature(enable = "avx2,fma,f16c")]
fn columns_avx2<T>(
    qs: &[&[f32]],
    block: &[T],
    load: impl Fn(&[T; BLOCK_ROWS]) -> [__m256; 2] + Copy,
    reference: Reference<T>,
    out: &mut [[f32; BLOCK_ROWS]],
) {
    for (four, rows) in qs.chunks(4).zip(out.chunks_mut(4)) {
        match four.len() {
            4 => columns_n::<4, T>(four, block, load, reference, rows),
            3 => columns_n::<3, T>(four, block, load, reference, rows),
            2 => columns_n::<2, T>(four, block, load, reference, rows),
            _ => columns_n::<1, T>(four, block, load, reference, rows),
        }
    }
}

/// `N` queries against an f32 or f16 block, eight vectors to a register: per dimension, the query's value
/// (broadcast) times the vectors' values (`load`), added with one fused multiply-add per lane, as `reference` does.
#[target_feature(enable = "avx2,fma,f16c")]
fn columns_n<const N: usize, T>(
    qs: &[&[f32]],
    block: &[T],
    load: impl Fn(&[T; BLOCK_ROWS]) -> [__m256; 2],
    reference: Reference<T>,
    out: &mut [[f32; BLOCK_ROWS]],
) {
    if qs.len() != N || out.len() != N || !qs.iter().all(|q| columns_fit(q, block)) {
        return reference(qs, block, out);
    }
    let mut acc = [[_mm256_setzero_ps(); 2]; N];
    for d in 0..block.len() / BLOCK_ROWS {
        // Safety: `columns_fit` holds: the block has sixteen values at 16d, and each query a value at d.
        unsafe {
            let [low, high] = load(&*block.as_ptr().add(BLOCK_ROWS * d).cast::<[T; BLOCK_ROWS]>());
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
