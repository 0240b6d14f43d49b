//! Descriptors on real photos: same person above the score threshold, different people below, transformed copies
//! still match the original, and batching does not change results.

use crate::common::{PORTRAITS, engine, faces, models_dir, photo};
use argus_engine::{Descriptor, Engine, EngineConfig, Image, similarity, similarity_to_score};
use image::{DynamicImage, ImageFormat, RgbImage};
use std::io::Cursor;
use std::sync::Arc;

fn descriptor_of(image: &Image) -> Descriptor {
    let engine = engine();
    let found = faces(image);
    assert!(!found.is_empty(), "no face found");
    let sample = engine.warp(image, &found[0]);
    engine
        .extract(&[sample])
        .expect("extraction runs")
        .remove(0)
}

fn score(a: &Descriptor, b: &Descriptor) -> f32 {
    similarity_to_score(similarity(a, b).unwrap())
}

fn to_dynamic(image: &Image) -> DynamicImage {
    DynamicImage::ImageRgb8(
        RgbImage::from_raw(image.width(), image.height(), image.rgb().to_vec()).unwrap(),
    )
}

fn reencode(image: DynamicImage, format: ImageFormat) -> Image {
    let mut bytes = Vec::new();
    match format {
        ImageFormat::Jpeg => {
            let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 60);
            image.to_rgb8().write_with_encoder(encoder).unwrap();
        }
        _ => image
            .write_to(&mut Cursor::new(&mut bytes), format)
            .unwrap(),
    }
    engine().decode(&bytes).unwrap()
}

#[test]
fn same_person_scores_high_different_people_low() {
    let names = ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"];
    let d: Vec<Descriptor> = names.iter().map(|n| descriptor_of(&photo(n))).collect();
    for i in 0..3 {
        for j in i + 1..3 {
            let s = score(&d[i], &d[j]);
            println!(
                "{} - {}: cosine {:.4} score {s:.3}",
                names[i],
                names[j],
                similarity(&d[i], &d[j]).unwrap()
            );
            assert!(s > 0.5, "{} vs {}: {s}", names[i], names[j]);
        }
        let s = score(&d[i], &d[3]);
        println!(
            "{} - biden: cosine {:.4} score {s:.3}",
            names[i],
            similarity(&d[i], &d[3]).unwrap()
        );
        assert!(s < 0.5, "{} vs biden: {s}", names[i]);
    }
}

#[test]
fn rotated_scaled_and_reencoded_copies_match_the_original() {
    let original = photo("obama.jpg");
    let reference = descriptor_of(&original);
    let dynamic = to_dynamic(&original);
    let copies = [
        (
            "scaled to 60 %",
            reencode(
                dynamic.resize(546, 682, image::imageops::FilterType::Triangle),
                ImageFormat::Png,
            ),
        ),
        (
            "JPEG quality 60",
            reencode(dynamic.clone(), ImageFormat::Jpeg),
        ),
        ("mirrored", reencode(dynamic.fliph(), ImageFormat::Png)),
    ];
    for (what, copy) in copies {
        let s = score(&reference, &descriptor_of(&copy));
        println!("{what}: score {s:.3}");
        assert!(s > 0.8, "{what}: score {s}");
    }
}

/// A JPEG with an APP1 Exif segment holding only the orientation tag.
fn jpeg_with_orientation(image: DynamicImage, orientation: u16) -> Vec<u8> {
    let mut jpeg = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg)
        .unwrap();
    let mut tiff = b"II*\0\x08\0\0\0\x01\0".to_vec();
    tiff.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0]);
    tiff.extend_from_slice(&orientation.to_le_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[test]
fn exif_orientation_is_honoured() {
    let original = photo("obama.jpg");
    let reference = descriptor_of(&original);
    // Stored rotated 90° counter-clockwise; orientation 6 tells the viewer to turn it 90° clockwise.
    let bytes = jpeg_with_orientation(to_dynamic(&original).rotate270(), 6);
    let decoded = engine().decode(&bytes).unwrap();
    assert_eq!(
        (decoded.width(), decoded.height()),
        (original.width(), original.height())
    );
    let s = score(&reference, &descriptor_of(&decoded));
    assert!(s > 0.8, "score {s}");
}

#[test]
fn rotated_by_ten_degrees_still_matches() {
    let original = photo("obama2.jpg");
    let reference = descriptor_of(&original);
    let (w, h) = (original.width() as f32, original.height() as f32);
    let (sin, cos) = 10f32.to_radians().sin_cos();
    let mut rgb = Vec::with_capacity(original.rgb().len());
    for y in 0..original.height() {
        for x in 0..original.width() {
            let (u, v) = (x as f32 - w / 2.0, y as f32 - h / 2.0);
            let (sx, sy) = (cos * u + sin * v + w / 2.0, -sin * u + cos * v + h / 2.0);
            let inside = sx >= 0.0 && sy >= 0.0 && sx < w - 1.0 && sy < h - 1.0;
            let i = if inside {
                (sy as usize * original.width() as usize + sx as usize) * 3
            } else {
                0
            };
            let px = if inside {
                &original.rgb()[i..i + 3]
            } else {
                &[0, 0, 0][..]
            };
            rgb.extend_from_slice(px);
        }
    }
    let rotated = Image::from_rgb(original.width(), original.height(), rgb).unwrap();
    let s = score(&reference, &descriptor_of(&rotated));
    assert!(s > 0.8, "score {s}");
}

#[test]
fn batched_and_unbatched_extraction_agree_across_concurrent_callers() {
    let engine = engine();
    let samples: Vec<Image> = PORTRAITS
        .iter()
        .map(|n| {
            let image = photo(n);
            let face = faces(&image).remove(0);
            engine.warp(&image, &face)
        })
        .collect();
    let mut config = EngineConfig::new(models_dir());
    config.max_batch = 1;
    let unbatched_engine = Engine::open(config).unwrap();
    let unbatched: Vec<Descriptor> = samples
        .iter()
        .map(|s| {
            unbatched_engine
                .extract(std::slice::from_ref(s))
                .unwrap()
                .remove(0)
        })
        .collect();

    let samples = Arc::new(samples);
    let handles: Vec<_> = (0..24)
        .map(|caller| {
            let (engine, samples) = (engine.clone(), samples.clone());
            std::thread::spawn(move || {
                let i = caller % samples.len();
                (
                    i,
                    engine
                        .extract(std::slice::from_ref(&samples[i]))
                        .unwrap()
                        .remove(0),
                )
            })
        })
        .collect();
    for handle in handles {
        let (i, d) = handle.join().unwrap();
        let diff = d
            .values
            .iter()
            .zip(&unbatched[i].values)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(diff < 1e-4, "sample {i}: max difference {diff}");
    }
}

#[test]
fn a_stored_sample_gives_the_same_descriptor() {
    let engine = engine();
    let image = photo("biden.jpg");
    let sample = engine.warp(&image, &faces(&image)[0]);
    let stored = engine
        .decode_sample(&engine.encode_sample(&sample))
        .unwrap();
    assert_eq!(stored, sample);
    let d = engine.extract(&[sample, stored]).unwrap();
    assert_eq!(d[0], d[1]);
}
