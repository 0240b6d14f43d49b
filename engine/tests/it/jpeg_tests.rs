//! The JPEG decoder's per-image rule with stand-in GPU decoders: a JPEG the GPU fails on is decoded by the CPU
//! and counted, anything else goes to the CPU uncounted, an oversize JPEG is refused before any decode, and GPU
//! pixels are turned upright by the EXIF orientation as the CPU's are. A missing nvJPEG is a reason, not a
//! panic; where nvJPEG and a CUDA device exist, its pixels are compared with the CPU decoder's.

use crate::common::{PORTRAITS, engine, photo_bytes};
use argus_engine::image::decode;
use argus_engine::nvjpeg::NvJpeg;
use argus_engine::{EngineError, GpuJpeg, Image, JpegChoice, JpegDecoder, choose_jpeg_decoder};
use image::codecs::jpeg::JpegDecoder as ImageJpegDecoder;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use std::io::Cursor;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const LIMIT: u64 = 40_000_000;

/// A GPU decoder stand-in: fails every image, or decodes the stored pixels on the CPU without the EXIF
/// orientation (what nvJPEG gives); counts its calls.
struct StandIn {
    fail: bool,
    calls: Arc<AtomicUsize>,
}

impl GpuJpeg for StandIn {
    fn name(&self) -> &'static str {
        "stand-in"
    }

    fn decode(&self, bytes: &[u8], _max_pixels: u64) -> Result<Image, String> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.fail {
            return Err("the stand-in fails every image".into());
        }
        let decoder = ImageJpegDecoder::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
        let rgb = DynamicImage::from_decoder(decoder)
            .map_err(|e| e.to_string())?
            .into_rgb8();
        Image::from_rgb(rgb.width(), rgb.height(), rgb.into_raw()).map_err(|e| e.to_string())
    }
}

/// A decoder over a stand-in, and the stand-in's call count.
fn stand_in(fail: bool) -> (JpegDecoder, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let gpu = StandIn {
        fail,
        calls: calls.clone(),
    };
    (JpegDecoder::with_gpu(Box::new(gpu), "a test"), calls)
}

fn jpeg_photos() -> Vec<&'static str> {
    let mut names: Vec<&str> = PORTRAITS
        .into_iter()
        .filter(|name| name.ends_with(".jpg"))
        .collect();
    names.push("ice_block.jpg");
    names
}

#[test]
fn a_jpeg_the_gpu_fails_on_is_decoded_by_the_cpu_and_counted() {
    let (decoder, calls) = stand_in(true);
    for (done, name) in jpeg_photos().into_iter().enumerate() {
        let bytes = photo_bytes(name);
        let got = decoder.decode(&bytes, LIMIT).expect("the CPU decodes it");
        let cpu = decode(&bytes, LIMIT).unwrap();
        assert!(got == cpu, "{name}: the fallback's pixels are the CPU's");
        assert_eq!(decoder.fallbacks(), done as u64 + 1, "{name}");
        assert_eq!(calls.load(Ordering::SeqCst), done + 1, "{name}");
    }
    assert_eq!(decoder.name(), "stand-in");
}

#[test]
fn a_non_jpeg_goes_to_the_cpu_uncounted() {
    let (decoder, calls) = stand_in(true);
    let bytes = photo_bytes("astronaut.png");
    let got = decoder.decode(&bytes, LIMIT).unwrap();
    assert!(got == decode(&bytes, LIMIT).unwrap());
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    assert_eq!(decoder.fallbacks(), 0);
    match decoder.decode(b"not an image", LIMIT) {
        Err(EngineError::BadImage { .. }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!((calls.load(Ordering::SeqCst), decoder.fallbacks()), (0, 0));
}

#[test]
fn an_oversize_jpeg_is_refused_before_any_decode() {
    let (decoder, calls) = stand_in(false);
    let bytes = photo_bytes("obama.jpg");
    let cpu = decode(&bytes, LIMIT).unwrap();
    let pixels = u64::from(cpu.width()) * u64::from(cpu.height());
    match decoder.decode(&bytes, pixels - 1) {
        Err(EngineError::TooLarge {
            width,
            height,
            max_pixels,
        }) => assert_eq!(
            (width, height, max_pixels),
            (cpu.width(), cpu.height(), pixels - 1)
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0, "the GPU never saw it");
    assert_eq!(decoder.fallbacks(), 0);
    let at_limit = decoder.decode(&bytes, pixels).expect("exactly the limit");
    assert!(at_limit == cpu);
    assert_eq!((calls.load(Ordering::SeqCst), decoder.fallbacks()), (1, 0));
}

/// A 40x24 JPEG whose EXIF orientation is 6 (turn 90° clockwise to view).
fn rotated_jpeg() -> Vec<u8> {
    let stored = RgbImage::from_fn(40, 24, |x, y| Rgb([(x * 6) as u8, (y * 10) as u8, 128]));
    let mut encoded = Vec::new();
    DynamicImage::ImageRgb8(stored)
        .write_to(&mut Cursor::new(&mut encoded), ImageFormat::Jpeg)
        .unwrap();
    // APP1 "Exif": a big-endian TIFF header and one IFD entry, Orientation (0x0112), SHORT, 1 value: 6.
    let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08\x00\x01".to_vec();
    tiff.extend_from_slice(b"\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00");
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&(2 + 6 + tiff.len() as u16).to_be_bytes());
    app1.extend_from_slice(b"Exif\x00\x00");
    app1.extend_from_slice(&tiff);
    let mut jpeg = encoded[..2].to_vec();
    jpeg.extend_from_slice(&app1);
    jpeg.extend_from_slice(&encoded[2..]);
    jpeg
}

#[test]
fn gpu_pixels_are_turned_upright_like_the_cpus() {
    let (decoder, calls) = stand_in(false);
    let bytes = rotated_jpeg();
    let cpu = decode(&bytes, LIMIT).unwrap();
    assert_eq!(
        (cpu.width(), cpu.height()),
        (24, 40),
        "the CPU applies the EXIF turn"
    );
    let got = decoder.decode(&bytes, LIMIT).unwrap();
    assert!(got == cpu, "the GPU path turns its pixels the same way");
    for name in jpeg_photos() {
        let bytes = photo_bytes(name);
        assert!(decoder.decode(&bytes, LIMIT).unwrap() == decode(&bytes, LIMIT).unwrap());
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1 + jpeg_photos().len());
    assert_eq!(decoder.fallbacks(), 0);
}

#[test]
fn a_missing_nvjpeg_is_a_reason_not_a_panic() {
    let empty = std::env::temp_dir().join(format!("argus-no-nvjpeg-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let opened = NvJpeg::open(std::slice::from_ref(&empty));
    std::fs::remove_dir_all(&empty).unwrap();
    match opened {
        Ok(nvjpeg) => eprintln!(
            "nvjpeg opens here ({}): nothing to refuse",
            nvjpeg.describe()
        ),
        Err(reason) => assert!(
            reason.contains("libcudart.so.")
                || reason.contains("libnvjpeg.so.")
                || reason.contains("CUDA device"),
            "{reason}"
        ),
    }
    let cpu = choose_jpeg_decoder(JpegChoice::Cpu).unwrap();
    assert_eq!((cpu.name(), cpu.reason()), ("cpu", "cpu was asked for"));
    let auto = choose_jpeg_decoder(JpegChoice::Auto).expect("auto always finds a decoder");
    assert!(auto.reason().starts_with("nvjpeg: "), "{}", auto.reason());
    match choose_jpeg_decoder(JpegChoice::Gpu) {
        Ok(gpu) => assert_eq!(auto.name(), gpu.name(), "auto passed over nvjpeg"),
        Err(EngineError::BadOption { reason }) => {
            assert_eq!(auto.name(), "cpu");
            assert!(reason.contains("nvjpeg is unavailable"), "{reason}");
            let why = auto.reason().trim_start_matches("nvjpeg: ");
            assert!(reason.contains(why), "{reason}");
        }
        Err(other) => panic!("{other}"),
    }
    assert_eq!(engine().jpeg_decoder().name(), "cpu", "the default config");
}

/// Mean absolute difference per channel of two images of one size.
fn mean_differences(a: &Image, b: &Image) -> [f64; 3] {
    let mut sums = [0u64; 3];
    for (pa, pb) in a.rgb().chunks_exact(3).zip(b.rgb().chunks_exact(3)) {
        for c in 0..3 {
            sums[c] += u64::from(pa[c].abs_diff(pb[c]));
        }
    }
    let pixels = f64::from(a.width()) * f64::from(a.height());
    sums.map(|sum| sum as f64 / pixels)
}

#[test]
fn nvjpeg_decodes_like_the_cpu() {
    let dirs = NvJpeg::dirs_from_env();
    let nvjpeg = match NvJpeg::open(&dirs) {
        Ok(nvjpeg) => nvjpeg,
        Err(reason) => {
            eprintln!(
                "SKIPPED: nvjpeg_decodes_like_the_cpu needs nvjpeg and a CUDA device: {reason}"
            );
            return;
        }
    };
    let bytes = photo_bytes("obama.jpg");
    let cpu = decode(&bytes, LIMIT).unwrap();
    let pixels = u64::from(cpu.width()) * u64::from(cpu.height());
    assert!(
        nvjpeg.decode(&bytes, pixels - 1).is_err(),
        "nvjpeg checks the limit too"
    );
    let decoder = JpegDecoder::with_gpu(Box::new(nvjpeg), "the test");
    for name in jpeg_photos() {
        let bytes = photo_bytes(name);
        let cpu = decode(&bytes, LIMIT).unwrap();
        let gpu = decoder.decode(&bytes, LIMIT).unwrap();
        assert_eq!(decoder.fallbacks(), 0, "{name}: nvjpeg failed on it");
        assert_eq!(
            (gpu.width(), gpu.height()),
            (cpu.width(), cpu.height()),
            "{name}"
        );
        let differences = mean_differences(&gpu, &cpu);
        eprintln!("{name}: mean |nvjpeg - cpu| per channel {differences:.3?}");
        assert!(
            differences.iter().all(|&d| d <= 2.0),
            "{name}: {differences:?}"
        );
    }
}
