//! Bad and unusual input: each gives a typed error or a correct result, never a panic.

use crate::common::{engine, photo_bytes};
use argus_engine::{DetectOptions, EngineError, Image};
use image::{DynamicImage, ImageBuffer, ImageFormat, Luma, Rgb};
use std::io::Cursor;

fn encode(image: DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), format)
        .unwrap();
    bytes
}

#[test]
fn empty_truncated_and_random_bytes_are_bad_images() {
    let jpeg = photo_bytes("obama.jpg");
    let mut state = 0x2545F491u32;
    let random: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect();
    for (what, bytes) in [
        ("empty", Vec::new()),
        ("random", random),
        ("JPEG header only", jpeg[..200].to_vec()),
    ] {
        match engine().decode(&bytes) {
            Err(EngineError::BadImage { .. }) => {}
            other => panic!("{what}: {other:?}"),
        }
    }
    // A JPEG cut after its header decodes as far as the data goes, the rest grey, as browsers show it.
    let partial = engine().decode(&jpeg[..jpeg.len() / 3]).unwrap();
    assert_eq!((partial.width(), partial.height()), (910, 1137));
}

#[test]
fn a_huge_png_header_is_refused_before_allocation() {
    // A valid PNG signature and IHDR chunk claiming 100000 x 100000 pixels, and nothing else.
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    for chunk in [&b"IDAT"[..], &b"IEND"[..]] {
        png.extend_from_slice(&0u32.to_be_bytes());
        png.extend_from_slice(chunk);
        png.extend_from_slice(&crc32(chunk).to_be_bytes());
    }
    match engine().decode(&png) {
        Err(EngineError::TooLarge {
            width: 100_000,
            height: 100_000,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn a_one_pixel_image_decodes_and_has_no_face() {
    let bytes = encode(
        DynamicImage::ImageRgb8(ImageBuffer::from_pixel(1, 1, Rgb([9, 9, 9]))),
        ImageFormat::Png,
    );
    let image = engine().decode(&bytes).unwrap();
    assert_eq!((image.width(), image.height()), (1, 1));
    assert!(
        engine()
            .detect(&image, &DetectOptions::default())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn grayscale_and_sixteen_bit_inputs_become_rgb_and_still_show_the_face() {
    let original = image::load_from_memory(&photo_bytes("obama.jpg")).unwrap();
    let gray = encode(
        DynamicImage::ImageLuma8(original.to_luma8()),
        ImageFormat::Jpeg,
    );
    let sixteen = encode(
        DynamicImage::ImageRgb16(original.to_rgb16()),
        ImageFormat::Png,
    );
    for (what, bytes) in [("grayscale JPEG", gray), ("16-bit PNG", sixteen)] {
        let image = engine().decode(&bytes).unwrap();
        assert_eq!(
            image.rgb().len(),
            image.width() as usize * image.height() as usize * 3
        );
        let faces = engine().detect(&image, &DetectOptions::default()).unwrap();
        assert_eq!(faces.len(), 1, "{what}");
    }
    let luma16 = encode(
        DynamicImage::ImageLuma16(ImageBuffer::from_pixel(4, 4, Luma([65535u16]))),
        ImageFormat::Png,
    );
    assert_eq!(engine().decode(&luma16).unwrap().rgb()[0], 255);
}

#[test]
fn a_cmyk_jpeg_decodes_to_rgb() {
    // A baseline JPEG with four components and an Adobe marker, written by hand: 8x8, one flat colour block.
    let bytes = cmyk_jpeg();
    let image = engine().decode(&bytes).unwrap();
    assert_eq!((image.width(), image.height()), (8, 8));
    assert_eq!(image.rgb().len(), 8 * 8 * 3);
}

/// The smallest CMYK JPEG: 8x8, four components, all DC coefficients zero (mid grey in every channel).
fn cmyk_jpeg() -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8];
    // Adobe APP14: transform 0 (CMYK as stored).
    j.extend_from_slice(&[
        0xFF, 0xEE, 0, 14, b'A', b'd', b'o', b'b', b'e', 0, 100, 0, 0, 0, 0, 0,
    ]);
    // One quantisation table of ones.
    j.extend_from_slice(&[0xFF, 0xDB, 0, 67, 0]);
    j.extend_from_slice(&[1u8; 64]);
    // SOF0: 8 bits, 8x8, 4 components, 1x1 sampling, table 0.
    j.extend_from_slice(&[0xFF, 0xC0, 0, 20, 8, 0, 8, 0, 8, 4]);
    for id in 1..=4u8 {
        j.extend_from_slice(&[id, 0x11, 0]);
    }
    // DC table 0: one code of length 1 for category 0. AC table 0: one code of length 1 for EOB (0x00).
    j.extend_from_slice(&[
        0xFF, 0xC4, 0, 20, 0x00, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    j.extend_from_slice(&[
        0xFF, 0xC4, 0, 20, 0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    // SOS: 4 components, all with tables 0/0.
    j.extend_from_slice(&[0xFF, 0xDA, 0, 14, 4]);
    for id in 1..=4u8 {
        j.extend_from_slice(&[id, 0x00]);
    }
    j.extend_from_slice(&[0, 63, 0]);
    // Each block: DC category 0 (code 0), EOB (code 0): 2 bits per component, 8 bits in all, padded.
    j.push(0x00);
    j.extend_from_slice(&[0xFF, 0xD9]);
    j
}

#[test]
fn landmarks68_and_wrong_samples_are_typed_errors() {
    let image = Image::from_rgb(32, 32, vec![0; 32 * 32 * 3]).unwrap();
    let options = DetectOptions {
        landmarks68: true,
        ..DetectOptions::default()
    };
    assert!(matches!(
        engine().detect(&image, &options),
        Err(EngineError::Unsupported { .. })
    ));
    assert!(matches!(
        engine().extract(&[image]),
        Err(EngineError::BadSample { .. })
    ));
    assert!(matches!(
        engine().decode_sample(&photo_bytes("obama.jpg")),
        Err(EngineError::BadSample { .. })
    ));
}
