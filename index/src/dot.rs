//! Dot products between a query and a stored vector (f32 with f32, f32 with f16 bits, i16 with i8), chosen once at
//! run time: AVX-512 (F + BW, with VNNI for int8 where the CPU has it), else AVX2 + FMA + F16C on x86_64, NEON on
//! aarch64, where the CPU has them; the scalar reference otherwise. The scalar versions are the reference every
//! SIMD set is tested against.

#[cfg(target_arch = "x86_64")]
#[path = "dot_avx2.rs"]
mod avx2;
#[cfg(target_arch = "x86_64")]
#[path = "dot_avx512.rs"]
mod avx512;
#[cfg(target_arch = "aarch64")]
#[path = "dot_neon.rs"]
mod neon;

/// The dot-product functions in use.
#[derive(Clone, Copy)]
pub(crate) struct Kernels {
    pub f32: fn(&[f32], &[f32]) -> f32,
    /// Four queries against one vector; each result equals `f32` on that query bit for bit.
    pub f32x4: fn([&[f32]; 4], &[f32]) -> [f32; 4],
    /// Equals `f32` on the widened vector bit for bit (same products, same order of sums).
    pub f16: fn(&[f32], &[u16]) -> f32,
    /// Widens f16 bits to f32 (exact).
    pub widen_f16: fn(&[u16], &mut [f32]),
    /// Exact integer dot product of a quantised query with an int8 vector (the caller keeps it within i32).
    pub i8: fn(&[i16], &[i8]) -> i32,
    /// Four quantised queries against one int8 vector, read once; each result equals `i8` on that query (both are
    /// exact).
    pub i8x4: fn([&[i16]; 4], &[i8]) -> [i32; 4],
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
        #[cfg(target_arch = "aarch64")]
        sets.extend(neon::kernels());
        sets
    }

    pub(crate) fn scalar() -> Kernels {
        Kernels {
            f32: dot_f32_ref,
            f32x4: dot_f32x4_ref,
            f16: dot_f16_ref,
            widen_f16: widen_f16_ref,
            i8: dot_i8_ref,
            i8x4: dot_i8x4_ref,
            name: "scalar",
        }
    }
}

pub(crate) fn dot_f32_ref(q: &[f32], x: &[f32]) -> f32 {
    q.iter().zip(x).map(|(a, b)| a * b).sum()
}

pub(crate) fn dot_f32x4_ref(qs: [&[f32]; 4], x: &[f32]) -> [f32; 4] {
    qs.map(|q| dot_f32_ref(q, x))
}

pub(crate) fn widen_f16_ref(x: &[u16], out: &mut [f32]) {
    for (o, &b) in out.iter_mut().zip(x) {
        *o = half::f16::from_bits(b).to_f32();
    }
}

pub(crate) fn dot_f16_ref(q: &[f32], x: &[u16]) -> f32 {
    q.iter()
        .zip(x)
        .map(|(a, &b)| a * half::f16::from_bits(b).to_f32())
        .sum()
}

pub(crate) fn dot_i8_ref(q: &[i16], x: &[i8]) -> i32 {
    q.iter()
        .zip(x)
        .map(|(&a, &b)| i32::from(a) * i32::from(b))
        .sum()
}

pub(crate) fn dot_i8x4_ref(qs: [&[i16]; 4], x: &[i8]) -> [i32; 4] {
    qs.map(|q| dot_i8_ref(q, x))
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
        for set in ["avx512f+bw+vnni", "avx512f+bw", "avx2+fma+f16c", "neon"] {
            if !sets.iter().any(|k| k.name == set) {
                eprintln!("skipped {set}: this CPU does not have it");
            }
        }
        for fast in sets {
            matches_the_scalar_reference(fast);
        }
    }

    fn matches_the_scalar_reference(fast: Kernels) {
        let name = fast.name;
        for n in [1, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, 128, 129, 512] {
            let q = data(n, 1);
            let x = data(n, 2);
            let h: Vec<u16> = x
                .iter()
                .map(|&v| half::f16::from_f32(v).to_bits())
                .collect();
            let i: Vec<i8> = x.iter().map(|&v| (v * 254.0) as i8).collect();
            let qi: Vec<i16> = q.iter().map(|&v| (v * 65_534.0) as i16).collect();
            let tol = 1e-5 * n as f32;
            assert!(
                ((fast.f32)(&q, &x) - dot_f32_ref(&q, &x)).abs() < tol,
                "{name} f32 n={n}"
            );
            assert!(
                ((fast.f16)(&q, &h) - dot_f16_ref(&q, &h)).abs() < tol,
                "{name} f16 n={n}"
            );
            assert_eq!((fast.i8)(&qi, &i), dot_i8_ref(&qi, &i), "{name} i8 n={n}");
            let mut wide = vec![0f32; n];
            (fast.widen_f16)(&h, &mut wide);
            let mut wide_ref = vec![0f32; n];
            widen_f16_ref(&h, &mut wide_ref);
            assert_eq!(wide, wide_ref, "{name} widen f16 n={n}");
            assert_eq!(
                (fast.f16)(&q, &h),
                (fast.f32)(&q, &wide),
                "{name} f16 = f32 on widened, n={n}"
            );
            let others = [data(n, 3), data(n, 4), data(n, 5)];
            let four = (fast.f32x4)([&q, &others[0], &others[1], &others[2]], &x);
            assert!(
                (four[0] - dot_f32_ref(&q, &x)).abs() < tol,
                "{name} f32x4 n={n}"
            );
            for (got, query) in four.iter().zip([&q, &others[0], &others[1], &others[2]]) {
                assert_eq!(*got, (fast.f32)(query, &x), "{name} f32x4 = f32, n={n}");
            }
            let others_i: Vec<Vec<i16>> = others
                .iter()
                .map(|o| o.iter().map(|&v| (v * 65_534.0) as i16).collect())
                .collect();
            let fours_i = [&qi[..], &others_i[0], &others_i[1], &others_i[2]];
            assert_eq!(
                (fast.i8x4)(fours_i, &i),
                dot_i8x4_ref(fours_i, &i),
                "{name} i8x4 n={n}"
            );
        }
        i8x4_at_the_extremes(fast);
    }

    /// The largest values a quantised query (±32 767) and an int8 vector (±127) hold, at the longest length whose
    /// sums still fit in i32, with every sign pattern in the four queries.
    fn i8x4_at_the_extremes(fast: Kernels) {
        let name = fast.name;
        for n in [1, 63, 64, 65, 127, 128, 511, 512] {
            let x: Vec<i8> = (0..n)
                .map(|j| if j % 3 == 0 { -127 } else { 127 })
                .collect();
            let same: Vec<i16> = x
                .iter()
                .map(|&v| if v > 0 { 32_767 } else { -32_767 })
                .collect();
            let opposite: Vec<i16> = same.iter().map(|&v| -v).collect();
            let mixed: Vec<i16> = (0..n)
                .map(|j| if j % 2 == 0 { 32_767 } else { -32_768 })
                .collect();
            let zero = vec![0i16; n];
            let fours = [&same[..], &opposite, &mixed, &zero];
            let want = dot_i8x4_ref(fours, &x);
            assert_eq!((fast.i8x4)(fours, &x), want, "{name} i8x4 extremes n={n}");
            for (query, w) in fours.iter().zip(want) {
                assert_eq!((fast.i8)(query, &x), w, "{name} i8 extremes n={n}");
            }
        }
    }
}
