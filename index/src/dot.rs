//! Dot products between queries and a block of `BLOCK_ROWS` stored vectors: f32 queries with f32 or f16 vectors
//! (see `dot_f32_block_ref`, `dot_f16_block_ref`), quantised i16 queries with int8 vectors (see `dot_i8_block_ref`),
//! chosen once at run time: AVX-512 (F + BW, with VNNI for int8 where the CPU has it), else AVX2 + FMA + F16C on
//! x86_64, where the CPU has them; the scalar references otherwise (on aarch64 too, where the compiler vectorises
//! them). The scalar versions are the reference every SIMD set is tested against.

#[cfg(target_arch = "x86_64")]
#[path = "dot_avx2.rs"]
mod avx2;
#[cfg(target_arch = "x86_64")]
#[path = "dot_avx512.rs"]
mod avx512;

/// Vectors in one block.
pub(crate) const BLOCK_ROWS: usize = 16;

/// Quantised queries, an int8 block, one row of results per query (see `dot_i8_block_ref`).
pub(crate) type BlockKernel = fn(&[&[i16]], &[i8], &mut [[i32; BLOCK_ROWS]]);

/// Queries, an f32 block, one row of results per query (see `dot_f32_block_ref`).
pub(crate) type F32BlockKernel = fn(&[&[f32]], &[f32], &mut [[f32; BLOCK_ROWS]]);

/// Queries, an f16 block (IEEE half bits), one row of results per query (see `dot_f16_block_ref`).
pub(crate) type F16BlockKernel = fn(&[&[f32]], &[u16], &mut [[f32; BLOCK_ROWS]]);

/// A scalar reference of the f32 or f16 block kernels, which a SIMD version falls back to on a block it cannot take.
type Reference<T> = fn(&[&[f32]], &[T], &mut [[f32; BLOCK_ROWS]]);

/// The dot-product functions in use.
#[derive(Clone, Copy)]
pub(crate) struct Kernels {
    /// Exact integer dot products of quantised queries with the vectors of one int8 block, one row of results per
    /// query; equal to `dot_i8_block_ref` (the caller keeps every sum within i32).
    pub i8_block: BlockKernel,
    /// Dot products of queries with the vectors of one f32 block, one row of results per query; equal to
    /// `dot_f32_block_ref` bit for bit.
    pub f32_block: F32BlockKernel,
    /// Dot products of queries with the vectors of one f16 block, one row of results per query; equal to
    /// `dot_f16_block_ref` bit for bit.
    pub f16_block: F16BlockKernel,
    pub name: &'static str,
}

impl Kernels {
    /// The fastest kernels this CPU runs.
    pub(crate) fn detect() -> Kernels {
        Kernels::supported()
            .into_iter()
            .next()
            .unwrap_or_else(Kernels::scalar)
    }

    /// Every SIMD set this CPU runs, fastest first.
    pub(crate) fn supported() -> Vec<Kernels> {
        let mut sets = Vec::new();
        #[cfg(target_arch = "x86_64")]
        sets.extend(avx512::kernels());
        #[cfg(target_arch = "x86_64")]
        sets.extend(avx2::kernels());
        sets
    }

    pub(crate) fn scalar() -> Kernels {
        Kernels {
            i8_block: dot_i8_block_ref,
            f32_block: dot_f32_block_ref,
            f16_block: dot_f16_block_ref,
            name: "scalar",
        }
    }
}

/// Dot products of each quantised query with the `BLOCK_ROWS` vectors of an int8 block, into one row of `out` per
/// query. The block is pair-interleaved: for each pair of dimensions (2p, 2p + 1) it holds 2 · `BLOCK_ROWS` bytes,
/// vector r's two values at bytes 2r and 2r + 1, so that one wide load holds one pair of every vector. The
/// queries are as long as the block is wide (an even number of dimensions); a query with fewer values, or a block
/// that is not whole pairs, gives zeros.
pub(crate) fn dot_i8_block_ref(qs: &[&[i16]], block: &[i8], out: &mut [[i32; BLOCK_ROWS]]) {
    let pairs = block.chunks_exact(2 * BLOCK_ROWS);
    for (q, o) in qs.iter().zip(out.iter_mut()) {
        *o = [0; BLOCK_ROWS];
        if !block_fits(q, block) {
            continue;
        }
        for (pair, values) in q.chunks_exact(2).zip(pairs.clone()) {
            let (a, b) = (i32::from(pair[0]), i32::from(pair[1]));
            for (sum, x) in o.iter_mut().zip(values.chunks_exact(2)) {
                *sum += a * i32::from(x[0]) + b * i32::from(x[1]);
            }
        }
    }
}

/// Dot products of each query with the `BLOCK_ROWS` vectors of an f32 block, into one row of `out` per query. The
/// block is dimension-major: for each dimension d it holds `BLOCK_ROWS` values, vector r's at `d · BLOCK_ROWS + r`,
/// so that one wide load holds a dimension of every vector. Each vector's sum runs over d in order with one fused
/// multiply-add per value, as every SIMD version does lane by lane, so all of them agree bit for bit. A query
/// shorter than the block is wide gives zeros.
pub(crate) fn dot_f32_block_ref(qs: &[&[f32]], block: &[f32], out: &mut [[f32; BLOCK_ROWS]]) {
    columns_ref(qs, block, |x| x, out);
}

/// `dot_f32_block_ref` on an f16 block (the same layout, IEEE half bits), each value widened exactly before its
/// fused multiply-add, as the SIMD versions widen a dimension of sixteen vectors at a time.
pub(crate) fn dot_f16_block_ref(qs: &[&[f32]], block: &[u16], out: &mut [[f32; BLOCK_ROWS]]) {
    columns_ref(qs, block, |x| half::f16::from_bits(x).to_f32(), out);
}

fn columns_ref<T: Copy>(
    qs: &[&[f32]],
    block: &[T],
    widen: impl Fn(T) -> f32,
    out: &mut [[f32; BLOCK_ROWS]],
) {
    for (q, o) in qs.iter().zip(out.iter_mut()) {
        *o = [0.0; BLOCK_ROWS];
        if !columns_fit(q, block) {
            continue;
        }
        for (&value, column) in q.iter().zip(block.chunks_exact(BLOCK_ROWS)) {
            for (sum, &x) in o.iter_mut().zip(column) {
                *sum = value.mul_add(widen(x), *sum);
            }
        }
    }
}

/// Whether `block` is whole dimensions and `q` covers its width, as every f32 and f16 block kernel requires.
pub(crate) fn columns_fit<T>(q: &[f32], block: &[T]) -> bool {
    block.len().is_multiple_of(BLOCK_ROWS) && q.len() * BLOCK_ROWS >= block.len()
}

/// Whether `block` is whole pairs and `q` covers its width, as every int8 block kernel requires.
pub(crate) fn block_fits(q: &[i16], block: &[i8]) -> bool {
    block.len().is_multiple_of(2 * BLOCK_ROWS) && q.len() * BLOCK_ROWS >= block.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (s >> 8) as f32 / (1u32 << 24) as f32 - 0.5
            })
            .collect()
    }

    #[test]
    fn every_simd_set_matches_the_scalar_reference() {
        let sets = Kernels::supported();
        if sets.is_empty() {
            eprintln!("skipped: this CPU has no SIMD kernels, only the scalar reference runs");
        }
        for set in ["avx512f+bw+vnni", "avx512f+bw", "avx2+fma+f16c"] {
            if !sets.iter().any(|k| k.name == set) {
                eprintln!("skipped {set}: this CPU does not have it");
            }
        }
        for fast in sets {
            i8_block_matches_the_reference(fast);
            i8_block_at_the_extremes(fast);
            column_blocks_match_the_reference(fast);
        }
    }

    /// f32 and f16 blocks one to 512 dimensions wide with one to nine queries, bit for bit.
    fn column_blocks_match_the_reference(fast: Kernels) {
        let name = fast.name;
        for width in [1, 7, 64, 128, 129, 512] {
            let block = data(width * BLOCK_ROWS, 16);
            let halves: Vec<u16> = block
                .iter()
                .map(|&v| half::f16::from_f32(v).to_bits())
                .collect();
            let queries: Vec<Vec<f32>> = (0..9).map(|seed| data(width, 17 + seed)).collect();
            for count in 1..=queries.len() {
                let qs: Vec<&[f32]> = queries[..count].iter().map(Vec::as_slice).collect();
                let mut got = vec![[0.0; BLOCK_ROWS]; count];
                let mut want = vec![[0.0; BLOCK_ROWS]; count];
                (fast.f32_block)(&qs, &block, &mut got);
                dot_f32_block_ref(&qs, &block, &mut want);
                assert_eq!(
                    got, want,
                    "{name} f32 block, width {width}, {count} queries"
                );
                let plain: f32 = (0..width).map(|d| qs[0][d] * block[d * BLOCK_ROWS]).sum();
                assert!(
                    (want[0][0] - plain).abs() < 1e-4 * width as f32,
                    "reference, width {width}"
                );
                (fast.f16_block)(&qs, &halves, &mut got);
                dot_f16_block_ref(&qs, &halves, &mut want);
                assert_eq!(
                    got, want,
                    "{name} f16 block, width {width}, {count} queries"
                );
                // Half precision moves each value by at most 2⁻¹¹ of itself.
                assert!(
                    (want[0][0] - plain).abs() < 1e-3 * width as f32,
                    "f16 reference, width {width}"
                );
            }
        }
    }

    /// Blocks of every width from one pair to 512 dimensions, with one to nine queries (two fours and a single).
    fn i8_block_matches_the_reference(fast: Kernels) {
        let name = fast.name;
        for width in [2, 6, 64, 126, 128, 130, 512] {
            let block: Vec<i8> = data(width * BLOCK_ROWS, 6)
                .iter()
                .map(|&v| (v * 254.0) as i8)
                .collect();
            let queries: Vec<Vec<i16>> = (0..9)
                .map(|seed| {
                    data(width, 7 + seed)
                        .iter()
                        .map(|&v| (v * 65_534.0) as i16)
                        .collect()
                })
                .collect();
            for count in 1..=queries.len() {
                let qs: Vec<&[i16]> = queries[..count].iter().map(Vec::as_slice).collect();
                let mut got = vec![[0; BLOCK_ROWS]; count];
                let mut want = vec![[0; BLOCK_ROWS]; count];
                (fast.i8_block)(&qs, &block, &mut got);
                dot_i8_block_ref(&qs, &block, &mut want);
                assert_eq!(got, want, "{name} i8 block, width {width}, {count} queries");
            }
        }
    }

    /// The largest values a quantised query (±32 767) and an int8 vector (±127) hold, at the longest width whose
    /// sums still fit in i32, with every sign pattern among the queries; and the reference against sums written out.
    fn i8_block_at_the_extremes(fast: Kernels) {
        let name = fast.name;
        for width in [2, 64, 128, 512] {
            // Vector r: -127 at every third dimension, else 127; row r + 8 is its negation.
            let value = |r: usize, d: usize| {
                let v: i8 = if d.is_multiple_of(3) { -127 } else { 127 };
                if r < BLOCK_ROWS / 2 { v } else { -v }
            };
            let mut block = vec![0i8; width * BLOCK_ROWS];
            for d in 0..width {
                for r in 0..BLOCK_ROWS {
                    block[(d / 2) * 2 * BLOCK_ROWS + 2 * r + d % 2] = value(r, d);
                }
            }
            let same: Vec<i16> = (0..width)
                .map(|d| if value(0, d) > 0 { 32_767 } else { -32_767 })
                .collect();
            let opposite: Vec<i16> = same.iter().map(|&v| -v).collect();
            let mixed: Vec<i16> = (0..width)
                .map(|d| if d % 2 == 0 { 32_767 } else { -32_768 })
                .collect();
            let zero = vec![0i16; width];
            let qs = [&same[..], &opposite, &mixed, &zero, &same];
            let mut want = vec![[0; BLOCK_ROWS]; qs.len()];
            dot_i8_block_ref(&qs, &block, &mut want);
            let top = 32_767 * 127 * width as i32;
            assert_eq!(want[0][0], top, "reference, width {width}");
            assert_eq!(want[1][BLOCK_ROWS - 1], top, "reference, width {width}");
            let mut got = vec![[0; BLOCK_ROWS]; qs.len()];
            (fast.i8_block)(&qs, &block, &mut got);
            assert_eq!(got, want, "{name} i8 block extremes, width {width}");
        }
    }
}
