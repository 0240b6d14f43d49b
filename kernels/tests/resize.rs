//! `crop_resize` and `pyramid_resize` against their references: seeded images, boxes partly and
//! wholly outside, crops smaller and larger than the output, a 1x1 image, empty inputs; the
//! descriptor chips of a stack of aligned samples, unnormalised.

use argus_kernels::resize::{
    MIN_FACE, MTCNN_INPUT, PYRAMID_FACTOR, PyramidLevel, RAW, crop_rect, crop_resize_gpu,
    crop_resize_ref, pyramid_gpu, pyramid_levels, pyramid_ref,
};

use crate::common::{RESIZE_ABS, Rng, gpu, random_image};

fn assert_close(gpu: &[f32], reference: &[f32], what: &str) -> usize {
    assert_eq!(gpu.len(), reference.len(), "{what}: lengths");
    let mut inexact = 0;
    for (i, (g, r)) in gpu.iter().zip(reference).enumerate() {
        assert!(
            (g - r).abs() <= RESIZE_ABS,
            "{what}: value {i}: gpu {g} ref {r}"
        );
        if g.to_bits() != r.to_bits() {
            inexact += 1;
        }
    }
    inexact
}

#[test]
fn crop_rect_follows_the_engine() {
    // 1-based, truncated toward zero, clipped: (0.7, 2.2)..(10.9, 5.0) -> columns 0..10, rows 1..5.
    let rect = crop_rect([0.7, 2.2, 10.9, 5.0], 8, 8).expect("inside");
    assert_eq!((rect.x0, rect.y0, rect.width, rect.height), (0, 1, 8, 4));
    assert!(crop_rect([20.0, 20.0, 30.0, 30.0], 10, 10).is_none());
    assert!(crop_rect([-30.0, 2.0, -5.0, 6.0], 10, 10).is_none());
    assert!(crop_rect([f32::NAN, 2.0, 5.0, 6.0], 10, 10).is_some());
}

#[test]
fn crop_resize_matches_reference() {
    let Some(client) = gpu() else { return };
    let mut rng = Rng::new(50);
    let (width, height) = (83, 59);
    let image = random_image(&mut rng, width, height);
    let mut boxes = vec![
        [10.0, 12.0, 40.0, 42.0],     // inside
        [-15.5, -8.2, 20.3, 30.9],    // partly outside, top left
        [60.0, 40.0, 120.0, 100.0],   // partly outside, bottom right
        [100.0, 100.0, 140.0, 130.0], // wholly outside: dropped
        [30.0, 30.0, 32.9, 31.0],     // 3x2 pixels: upsampled
        [-50.0, -50.0, 200.0, 200.0], // the whole image
        [5.0, 5.0, 5.0, 5.0],         // one pixel
        [20.0, 20.0, 10.0, 10.0],     // inverted: dropped
    ];
    for _ in 0..40 {
        let (x, y) = (rng.unit() * 50.0 + 40.0, rng.unit() * 35.0 + 30.0);
        let side = (rng.unit() + 1.1) * 30.0;
        boxes.push([x, y, x + side, y + side * (0.8 + 0.2 * rng.unit())]);
    }
    let mut inexact = 0;
    for size in [24, 48] {
        let gpu = crop_resize_gpu(&client, &image, (width, height), &boxes, size, MTCNN_INPUT)
            .expect("launch");
        let reference = crop_resize_ref(&image, (width, height), &boxes, size, MTCNN_INPUT);
        assert_eq!(gpu.kept, reference.kept, "size {size}: kept boxes");
        assert!(!gpu.kept.contains(&3) && !gpu.kept.contains(&7));
        assert_eq!(gpu.data.len(), gpu.kept.len() * 3 * size * size);
        inexact += assert_close(&gpu.data, &reference.data, &format!("size {size}"));
        assert!(gpu.data.iter().all(|v| (-1.0..=1.0).contains(v)));
    }
    eprintln!("crop_resize: {inexact} values not bit-exact");
}

#[test]
fn crop_resize_of_a_one_pixel_image() {
    let Some(client) = gpu() else { return };
    let image = [255u8, 0, 128];
    let boxes = [[-3.0, -3.0, 4.0, 4.0], [2.0, 2.0, 3.0, 3.0]];
    let gpu = crop_resize_gpu(&client, &image, (1, 1), &boxes, 24, MTCNN_INPUT).expect("launch");
    assert_eq!(
        gpu,
        crop_resize_ref(&image, (1, 1), &boxes, 24, MTCNN_INPUT)
    );
    assert_eq!(gpu.kept, vec![0]);
    let plane = 24 * 24;
    assert!(gpu.data[..plane].iter().all(|v| *v == 127.5 * 0.0078125));
    assert!(
        gpu.data[plane..2 * plane]
            .iter()
            .all(|v| *v == -127.5 * 0.0078125)
    );
    assert!(gpu.data[2 * plane..].iter().all(|v| *v == 0.5 * 0.0078125));
}

/// The descriptor network's chips: samples of 250 px stacked into one tall image, each its own
/// box, area-resized to 150 px with the values left as they are (0..=255), exactly as the
/// reference.
#[test]
fn descriptor_chips_of_stacked_samples_match_reference() {
    let Some(client) = gpu() else { return };
    let mut rng = Rng::new(51);
    let (side, samples) = (250usize, 3usize);
    let image = random_image(&mut rng, side, side * samples);
    let boxes: Vec<[f32; 4]> = (0..samples)
        .map(|i| {
            let top = (i * side) as f32;
            [1.0, top + 1.0, side as f32, top + side as f32]
        })
        .collect();
    let size = (side, side * samples);
    let gpu = crop_resize_gpu(&client, &image, size, &boxes, 150, RAW).expect("launch");
    let reference = crop_resize_ref(&image, size, &boxes, 150, RAW);
    assert_eq!(gpu.kept, vec![0, 1, 2]);
    let inexact = assert_close(&gpu.data, &reference.data, "chips");
    assert!(gpu.data.iter().all(|v| (0.0..=255.0).contains(v)));
    assert!(
        gpu.data.iter().any(|v| *v > 200.0),
        "values are not normalised"
    );
    eprintln!("descriptor chips: {inexact} values not bit-exact");
}

#[test]
fn crop_resize_of_nothing_and_bad_lengths() {
    let Some(client) = gpu() else { return };
    let image = vec![9u8; 6 * 6 * 3];
    let empty = crop_resize_gpu(&client, &image, (6, 6), &[], 24, MTCNN_INPUT).expect("empty");
    assert!(empty.kept.is_empty() && empty.data.is_empty());
    let outside = crop_resize_gpu(
        &client,
        &image,
        (6, 6),
        &[[50.0, 50.0, 60.0, 60.0]],
        24,
        MTCNN_INPUT,
    )
    .expect("outside");
    assert!(outside.kept.is_empty() && outside.data.is_empty());
    assert!(
        crop_resize_gpu(
            &client,
            &image[3..],
            (6, 6),
            &[[0.0, 0.0, 3.0, 3.0]],
            24,
            MTCNN_INPUT
        )
        .is_err()
    );
}

#[test]
fn pyramid_matches_reference() {
    let Some(client) = gpu() else { return };
    let mut rng = Rng::new(60);
    let (width, height) = (151, 103);
    let image = random_image(&mut rng, width, height);
    let levels = pyramid_levels(width, height, MIN_FACE, PYRAMID_FACTOR);
    // min side 103 * 0.6 = 61.8, then x 0.709 while >= 12: 61.8, 43.8, 31.1, 22.0, 15.6.
    assert_eq!(levels.len(), 5);
    assert_eq!((levels[0].width, levels[0].height), (91, 62));
    let gpu = pyramid_gpu(&client, &image, width, height, &levels).expect("launch");
    let reference = pyramid_ref(&image, width, height, &levels);
    let last = levels.last().expect("levels");
    assert_eq!(gpu.data.len(), last.offset + 3 * last.width * last.height);
    let inexact = assert_close(&gpu.data, &reference.data, "pyramid");
    eprintln!("pyramid: {inexact} values not bit-exact");

    // Levels larger than the image (area resize replicates) and of one pixel.
    let custom = [(200, 150), (1, 1), (7, 300)];
    let mut offset = 0;
    let levels: Vec<PyramidLevel> = custom
        .iter()
        .map(|&(w, h)| {
            let level = PyramidLevel {
                scale: 1.0,
                width: w,
                height: h,
                offset,
            };
            offset += 3 * w * h;
            level
        })
        .collect();
    let gpu = pyramid_gpu(&client, &image, width, height, &levels).expect("launch");
    let reference = pyramid_ref(&image, width, height, &levels);
    assert_close(&gpu.data, &reference.data, "custom levels");
}

#[test]
fn pyramid_of_small_images_and_bad_levels() {
    let Some(client) = gpu() else { return };
    assert!(pyramid_levels(1, 1, MIN_FACE, PYRAMID_FACTOR).is_empty());
    assert!(pyramid_levels(19, 40, MIN_FACE, PYRAMID_FACTOR).is_empty());
    // min side 21 * 0.6 = 12.6, then 8.9: one level of (21 * 0.6 + 1, 25 * 0.6 + 1) truncated.
    let levels = pyramid_levels(21, 25, MIN_FACE, PYRAMID_FACTOR);
    assert_eq!(levels.len(), 1);
    assert_eq!((levels[0].width, levels[0].height), (13, 16));
    let image = [10u8, 20, 30];
    let empty = pyramid_gpu(&client, &image, 1, 1, &[]).expect("no levels");
    assert!(empty.data.is_empty());
    let one = [PyramidLevel {
        scale: 1.0,
        width: 3,
        height: 2,
        offset: 0,
    }];
    let gpu = pyramid_gpu(&client, &image, 1, 1, &one).expect("1x1 image");
    assert_eq!(gpu, pyramid_ref(&image, 1, 1, &one));
    assert!(
        gpu.data[..6]
            .iter()
            .all(|v| *v == (10.0 - 127.5) * 0.0078125)
    );
    let misplaced = [PyramidLevel {
        offset: 5,
        ..one[0]
    }];
    assert!(pyramid_gpu(&client, &image, 1, 1, &misplaced).is_err());
    assert!(pyramid_gpu(&client, &image[1..], 1, 1, &one).is_err());
}
