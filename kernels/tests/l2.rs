//! `l2_normalize` against `l2_normalize_ref`.

use argus_kernels::l2::{l2_normalize_gpu, l2_normalize_ref};

use crate::common::{L2_REL, Rng, gpu};

fn check(rows: usize, dim: usize, seed: u64) {
    let Some(client) = gpu() else { return };
    let mut matrix = Rng::new(seed).vectors(rows, dim);
    if rows > 1 {
        matrix[dim..2 * dim].fill(0.0); // a zero row stays zero
    }
    let gpu = l2_normalize_gpu(&client, &matrix, dim).expect("launch");
    let mut reference = matrix.clone();
    l2_normalize_ref(&mut reference, dim);
    assert_eq!(gpu.len(), reference.len());
    for (i, (g, r)) in gpu.iter().zip(&reference).enumerate() {
        let bound = L2_REL * r.abs().max(f32::MIN_POSITIVE);
        assert!(
            (g - r).abs() <= bound,
            "seed {seed} value {i}: gpu {g} ref {r}"
        );
    }
    if rows > 0 {
        let norm: f32 = gpu[..dim].iter().map(|v| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-5, "row 0 norm^2 {norm}");
    }
}

#[test]
fn l2_normalize_matches_reference_on_odd_sizes() {
    check(1, 128, 1);
    check(67, 128, 2); // not a multiple of the 64-thread cube
    check(200, 512, 3);
    check(5, 3, 4);
}

#[test]
fn l2_normalize_of_nothing_is_nothing() {
    let Some(client) = gpu() else { return };
    assert!(
        l2_normalize_gpu(&client, &[], 128)
            .expect("empty")
            .is_empty()
    );
}

#[test]
fn l2_normalize_rejects_a_ragged_matrix() {
    let Some(client) = gpu() else { return };
    assert!(l2_normalize_gpu(&client, &[1.0; 130], 128).is_err());
    assert!(l2_normalize_gpu(&client, &[1.0; 128], 0).is_err());
}
