//! Decoded RGB images and image decoding: JPEG, PNG, BMP, TIFF, WebP and PNM into 8-bit RGB, with the EXIF
//! orientation applied and a pixel-count limit checked from the header before anything is allocated.

use crate::error::{EngineError, Result};
use image::{DynamicImage, ImageDecoder, ImageReader, Limits};
use std::io::Cursor;

/// An 8-bit RGB image, rows top to bottom, pixels interleaved.
#[derive(Clone, PartialEq)]
pub struct Image {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) rgb: Vec<u8>,
}

impl Image {
    /// Wraps interleaved RGB bytes; fails when the length does not match the size.
    pub fn from_rgb(width: u32, height: u32, rgb: Vec<u8>) -> Result<Image> {
        if width == 0 || height == 0 || rgb.len() != width as usize * height as usize * 3 {
            return Err(EngineError::BadImage {
                reason: format!(
                    "{} bytes do not make a {width}x{height} RGB image",
                    rgb.len()
                ),
            });
        }
        Ok(Image { width, height, rgb })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The interleaved RGB bytes.
    pub fn rgb(&self) -> &[u8] {
        &self.rgb
    }

    /// The pixel at (x, y) as [r, g, b]; the caller keeps x, y inside the image.
    pub(crate) fn pixel(&self, x: usize, y: usize) -> [u8; 3] {
        let i = (y * self.width as usize + x) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    /// Encodes as PNG (lossless).
    pub fn to_png(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let encoder = image::codecs::png::PngEncoder::new(&mut out);
        // Writing a well-formed RGB8 buffer into memory cannot fail.
        let _ = image::ImageEncoder::write_image(
            encoder,
            &self.rgb,
            self.width,
            self.height,
            image::ExtendedColorType::Rgb8,
        );
        out
    }
}

impl std::fmt::Debug for Image {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Image({}x{} RGB)", self.width, self.height)
    }
}

/// Decodes image bytes into RGB, refusing images of more than `max_pixels` pixels before decoding them.
pub fn decode(bytes: &[u8], max_pixels: u64) -> Result<Image> {
    if bytes.is_empty() {
        return Err(bad("empty body"));
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| bad(e.to_string()))?;
    if reader.format().is_none() {
        return Err(bad("unknown image format"));
    }
    let mut limits = Limits::default();
    limits.max_alloc = Some(max_pixels.saturating_mul(16).max(1 << 20));
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| bad(e.to_string()))?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(EngineError::TooLarge {
            width,
            height,
            max_pixels,
        });
    }
    let orientation = decoder.orientation().map_err(|e| bad(e.to_string()))?;
    let mut decoded = DynamicImage::from_decoder(decoder).map_err(|e| bad(e.to_string()))?;
    decoded.apply_orientation(orientation);
    let rgb = decoded.to_rgb8();
    Image::from_rgb(rgb.width(), rgb.height(), rgb.into_raw())
}

fn bad(reason: impl Into<String>) -> EngineError {
    EngineError::BadImage {
        reason: reason.into(),
    }
}
