//! `quantize_i8` and `to_f16` against their references.

use argus_kernels::quantize::{quantize_i8_gpu, quantize_i8_ref, to_f16_gpu, to_f16_ref};

use crate::common::{I8_BOUNDARY, L2_REL, Rng, gpu};

#[test]
fn quantize_i8_matches_reference() {
    let Some(client) = gpu() else { return };
    for (rows, dim, seed) in [(1, 128, 10), (131, 128, 11), (33, 512, 12)] {
        let mut input = Rng::new(seed).vectors(rows, dim);
        if rows > 2 {
            input[2 * dim..3 * dim].fill(0.0); // all-zero row: scale 0, codes 0
        }
        let (codes, scales) = quantize_i8_gpu(&client, &input, dim).expect("launch");
        let (ref_codes, ref_scales) = quantize_i8_ref(&input, dim);
        assert_eq!(scales.len(), ref_scales.len());
        for (row, (s, r)) in scales.iter().zip(&ref_scales).enumerate() {
            assert!(
                (s - r).abs() <= L2_REL * r.abs(),
                "seed {seed} row {row}: {s} vs {r}"
            );
        }
        let mut boundary_cases = 0;
        for (i, (c, r)) in codes.iter().zip(&ref_codes).enumerate() {
            if c == r {
                continue;
            }
            let row = i / dim;
            let max = ref_scales[row] * 127.0;
            let scaled = input[i] * 127.0 / max;
            let distance = (scaled - scaled.floor() - 0.5).abs();
            assert!(
                distance < I8_BOUNDARY && (i16::from(*c) - i16::from(*r)).abs() == 1,
                "seed {seed} value {i}: gpu {c} ref {r} (x*127/max = {scaled})"
            );
            boundary_cases += 1;
        }
        assert!(
            boundary_cases <= 2,
            "seed {seed}: {boundary_cases} codes off by one"
        );
        assert!(
            codes.iter().any(|c| *c == 127 || *c == -127),
            "each row's max maps to +-127"
        );
    }
}

#[test]
fn to_f16_matches_reference_exactly() {
    let Some(client) = gpu() else { return };
    let mut input = Rng::new(20).vectors(1000, 1);
    input.extend([0.0, -0.0, 65504.0, 1e-8, 0.1, 1.0 / 3.0]);
    let gpu = to_f16_gpu(&client, &input).expect("launch");
    let reference = to_f16_ref(&input);
    let gpu_bits: Vec<u16> = gpu.iter().map(|v| v.to_bits()).collect();
    let ref_bits: Vec<u16> = reference.iter().map(|v| v.to_bits()).collect();
    assert_eq!(gpu_bits, ref_bits);
}
