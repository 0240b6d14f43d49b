//! `warp_affine` against `warp_ref`: seeded images and similarity transforms, partly and wholly
//! outside the image, a 1x1 image, an empty batch, bad lengths.

use argus_kernels::warp::{Affine, warp_gpu, warp_ref};

use crate::common::{Rng, WARP_MAX_MISMATCH_FRACTION, gpu, random_image};

/// A similarity of scale `s`, angle `angle`, translation (tx, ty).
fn similarity(s: f32, angle: f32, tx: f32, ty: f32) -> Affine {
    Affine {
        a: s * angle.cos(),
        b: s * angle.sin(),
        tx,
        ty,
    }
}

/// Compares chips byte by byte: at most one level apart, on at most the documented fraction.
fn compare(gpu: &[u8], reference: &[u8], what: &str) -> usize {
    assert_eq!(gpu.len(), reference.len(), "{what}: lengths");
    let mut mismatches = 0;
    for (i, (g, r)) in gpu.iter().zip(reference).enumerate() {
        if g != r {
            assert!(
                g.abs_diff(*r) <= 1,
                "{what}: byte {i}: gpu {g} ref {r} (more than one level)"
            );
            mismatches += 1;
        }
    }
    let allowed = (reference.len() as f64 * WARP_MAX_MISMATCH_FRACTION).ceil() as usize;
    assert!(
        mismatches <= allowed,
        "{what}: {mismatches} of {} bytes differ (allowed {allowed})",
        reference.len()
    );
    mismatches
}

#[test]
fn warp_matches_reference_on_seeded_transforms() {
    let Some(client) = gpu() else { return };
    let mut rng = Rng::new(40);
    let (width, height) = (97, 61);
    let image = random_image(&mut rng, width, height);
    let mut transforms = vec![
        similarity(1.0, 0.0, 3.0, 5.0), // integer shift: every weight is 0 or 1
        similarity(0.5, 0.0, 10.25, 7.75),
        similarity(2.3, 0.4, -20.0, -15.0), // partly outside (top left)
        similarity(0.7, -0.3, 80.0, 40.0),  // partly outside (bottom right)
        similarity(1.0, 0.0, 1.0e4, 0.0),   // wholly outside
    ];
    for _ in 0..11 {
        transforms.push(similarity(
            0.3 + 1.5 * (rng.unit() + 1.0),
            std::f32::consts::PI * rng.unit(),
            rng.unit() * 60.0 + 40.0,
            rng.unit() * 40.0 + 30.0,
        ));
    }
    let mut total = 0;
    for size in [37, 112] {
        let gpu = warp_gpu(&client, &image, width, height, &transforms, size).expect("launch");
        let reference = warp_ref(&image, width, height, &transforms, size);
        total += compare(&gpu, &reference, &format!("size {size}"));
        let chip = size * size * 3;
        assert_eq!(gpu[..chip], reference[..chip], "integer shift is exact");
        assert!(
            gpu[4 * chip..5 * chip].iter().all(|v| *v == 0),
            "a transform wholly outside gives a black chip"
        );
        assert!(gpu.iter().any(|v| *v > 128), "chips are not all dark");
    }
    eprintln!("warp: {total} bytes one level off");
}

#[test]
fn warp_of_a_one_pixel_image() {
    let Some(client) = gpu() else { return };
    let image = [200u8, 100, 50];
    let transforms = [
        similarity(1.0, 0.0, 0.0, 0.0),
        similarity(0.25, 0.0, -0.5, -0.5),
        similarity(f32::NAN, 0.0, 0.0, 0.0),
    ];
    let gpu = warp_gpu(&client, &image, 1, 1, &transforms, 4).expect("launch");
    let reference = warp_ref(&image, 1, 1, &transforms, 4);
    assert_eq!(gpu, reference);
    assert_eq!(gpu[..3], [200, 100, 50], "(0, 0) samples the pixel");
    assert!(
        gpu[3..4 * 4 * 3].iter().all(|v| *v == 0),
        "the rest is black"
    );
    assert!(
        gpu[2 * 48..].iter().all(|v| *v == 0),
        "NaN samples are black"
    );
}

#[test]
fn warp_of_nothing_and_bad_lengths() {
    let Some(client) = gpu() else { return };
    let image = vec![7u8; 5 * 4 * 3];
    let one = [similarity(1.0, 0.0, 0.0, 0.0)];
    assert!(
        warp_gpu(&client, &image, 5, 4, &[], 16)
            .expect("empty")
            .is_empty()
    );
    assert!(
        warp_gpu(&client, &image, 5, 4, &one, 0)
            .expect("size 0")
            .is_empty()
    );
    assert!(warp_gpu(&client, &image[1..], 5, 4, &one, 16).is_err());
    assert!(warp_gpu(&client, &image, 4, 4, &one, 16).is_err());
    assert!(warp_gpu(&client, &image, usize::MAX, 4, &one, 16).is_err());
}
