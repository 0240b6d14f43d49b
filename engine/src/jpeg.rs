//! The image decoder the engine uses: JPEGs on an NVIDIA GPU through nvJPEG when it is available, everything
//! else (and every JPEG the GPU fails on) on the CPU decoder of `image`. Owns choosing the decoder
//! (`choose_jpeg_decoder`), the per-image fallback rule and the count of fallbacks.

use crate::error::{EngineError, Result};
use crate::image::{Image, decode};
use crate::nvjpeg::NvJpeg;
use image::codecs::jpeg::JpegDecoder as JpegHeader;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, RgbImage};
use std::io::Cursor;
use std::sync::atomic::{AtomicU64, Ordering};

/// A JPEG decoder on a GPU. It decodes the stored pixels (no EXIF orientation, which the caller applies) and
/// answers with the reason when it cannot decode an image; the caller then decodes that image on the CPU.
pub trait GpuJpeg: Send + Sync {
    /// The name shown in health checks (`"nvjpeg"`).
    fn name(&self) -> &'static str;
    /// The RGB pixels of a JPEG of at most `max_pixels` pixels, or why not.
    fn decode(&self, bytes: &[u8], max_pixels: u64) -> std::result::Result<Image, String>;
}

/// What the operator asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JpegChoice {
    /// nvJPEG when it loads and a device opens, else the CPU.
    Auto,
    /// The CPU decoder.
    Cpu,
    /// nvJPEG, or an error.
    Gpu,
}

/// Decodes images, JPEGs on the GPU when one was chosen, with a per-image fallback to the CPU.
pub struct JpegDecoder {
    gpu: Option<Box<dyn GpuJpeg>>,
    reason: String,
    fallbacks: AtomicU64,
}

impl JpegDecoder {
    /// The CPU decoder only, for `reason`.
    pub fn cpu(reason: impl Into<String>) -> JpegDecoder {
        JpegDecoder {
            gpu: None,
            reason: reason.into(),
            fallbacks: AtomicU64::new(0),
        }
    }

    /// JPEGs on `gpu`, for `reason`; the rest, and what `gpu` fails on, on the CPU.
    pub fn with_gpu(gpu: Box<dyn GpuJpeg>, reason: impl Into<String>) -> JpegDecoder {
        JpegDecoder {
            gpu: Some(gpu),
            reason: reason.into(),
            fallbacks: AtomicU64::new(0),
        }
    }

    /// `"nvjpeg"` (or the GPU decoder's name) or `"cpu"`.
    pub fn name(&self) -> &'static str {
        self.gpu.as_ref().map_or("cpu", |gpu| gpu.name())
    }

    /// Why this decoder was chosen.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// How many JPEGs the GPU failed on and the CPU decoded instead.
    pub fn fallbacks(&self) -> u64 {
        self.fallbacks.load(Ordering::Relaxed)
    }

    /// Decodes like `image::decode`: RGB with the EXIF orientation applied, images of more than `max_pixels`
    /// pixels refused from the header. A JPEG goes to the GPU decoder when there is one; when that fails, the
    /// CPU decodes it and the fallback is counted. Anything else goes to the CPU.
    pub fn decode(&self, bytes: &[u8], max_pixels: u64) -> Result<Image> {
        let Some(gpu) = &self.gpu else {
            return decode(bytes, max_pixels);
        };
        if image::guess_format(bytes).ok() != Some(ImageFormat::Jpeg) {
            return decode(bytes, max_pixels);
        }
        // A header the CPU cannot read is a bad image: the CPU decoder says so.
        let Some(((width, height), orientation)) = jpeg_header(bytes) else {
            return decode(bytes, max_pixels);
        };
        if u64::from(width) * u64::from(height) > max_pixels {
            return Err(EngineError::TooLarge {
                width,
                height,
                max_pixels,
            });
        }
        let upright = gpu
            .decode(bytes, max_pixels)
            .ok()
            .filter(|stored| (stored.width(), stored.height()) == (width, height))
            .and_then(|stored| oriented(stored, orientation));
        match upright {
            Some(image) => Ok(image),
            None => {
                self.fallbacks.fetch_add(1, Ordering::Relaxed);
                decode(bytes, max_pixels)
            }
        }
    }
}

/// The decoder for `choice`; its `reason` says why. `Gpu` fails with the reason nvJPEG is unavailable; `Auto`
/// then takes the CPU. Never panics. nvJPEG and the CUDA runtime are looked up in the directories listed in
/// `ARGUS_NVJPEG_DIR` (separated like `PATH`) first, then by name.
pub fn choose_jpeg_decoder(choice: JpegChoice) -> Result<JpegDecoder> {
    if choice == JpegChoice::Cpu {
        return Ok(JpegDecoder::cpu("cpu was asked for"));
    }
    let dirs = NvJpeg::dirs_from_env();
    match NvJpeg::open(&dirs) {
        Ok(nvjpeg) => {
            let reason = format!("nvjpeg: {}", nvjpeg.describe());
            Ok(JpegDecoder::with_gpu(Box::new(nvjpeg), reason))
        }
        Err(why) if choice == JpegChoice::Auto => Ok(JpegDecoder::cpu(format!("nvjpeg: {why}"))),
        Err(why) => Err(EngineError::BadOption {
            reason: format!("the GPU JPEG decoder was asked for but nvjpeg is unavailable: {why}"),
        }),
    }
}

/// The size and EXIF orientation from a JPEG's header, read on the CPU without decoding the scans.
fn jpeg_header(bytes: &[u8]) -> Option<((u32, u32), Orientation)> {
    let mut header = JpegHeader::new(Cursor::new(bytes)).ok()?;
    let orientation = header.orientation().ok()?;
    Some((header.dimensions(), orientation))
}

/// The stored pixels turned upright by the EXIF orientation, as the CPU decoder does (`None`: the pixels do not
/// make an image of their size).
fn oriented(stored: Image, orientation: Orientation) -> Option<Image> {
    if orientation == Orientation::NoTransforms {
        return Some(stored);
    }
    let Image { width, height, rgb } = stored;
    let mut turned = DynamicImage::ImageRgb8(RgbImage::from_raw(width, height, rgb)?);
    turned.apply_orientation(orientation);
    let turned = turned.into_rgb8();
    Image::from_rgb(turned.width(), turned.height(), turned.into_raw()).ok()
}
