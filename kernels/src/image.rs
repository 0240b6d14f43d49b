//! RGB8 images on the device: the packed layout the image kernels read (the interleaved RGB
//! bytes, four to a little-endian `u32` word, the last word zero-padded), its host-side packing
//! and validation, an image uploaded once for several launches ([`DeviceImage`]), and the
//! `#[cube]` byte read shared by the warp, crop and pyramid kernels.

use cubecl::prelude::*;
use cubecl::server::Handle;

use crate::{KernelError, Result};

/// Threads per cube of the one-thread-per-output-pixel image kernels.
pub const IMAGE_CUBE_DIM: u32 = 256;
/// Most cubes along one grid axis (the limit every wgpu backend accepts).
pub const MAX_GRID: usize = 65_535;

/// Packs interleaved RGB bytes into little-endian `u32` words: byte `i` is bits
/// `8 * (i % 4)..8 * (i % 4) + 8` of word `i / 4`. Never empty (a zero word for no bytes), so
/// that the device buffer exists.
pub fn pack_rgb8(rgb: &[u8]) -> Vec<u32> {
    let mut words: Vec<u32> = rgb
        .chunks(4)
        .map(|chunk| {
            let mut bytes = [0u8; 4];
            bytes[..chunk.len()].copy_from_slice(chunk);
            u32::from_le_bytes(bytes)
        })
        .collect();
    if words.is_empty() {
        words.push(0);
    }
    words
}

/// An RGB8 image in device memory, packed by [`pack_rgb8`], that crop, pyramid and warp
/// launches read without uploading it again. It belongs to the client that uploaded it.
pub struct DeviceImage {
    pub(crate) handle: Handle,
    pub(crate) words: usize,
    pub(crate) width: usize,
    pub(crate) height: usize,
}

impl DeviceImage {
    /// Checks and uploads the `width x height` interleaved RGB bytes `rgb`.
    pub fn upload<R: Runtime>(
        client: &ComputeClient<R>,
        rgb: &[u8],
        width: usize,
        height: usize,
    ) -> Result<DeviceImage> {
        check_image(rgb, width, height)?;
        // On a little-endian host the packed words' bytes are the RGB bytes themselves, so a whole number of
        // words goes up as it is, without a packed copy.
        let handle =
            if cfg!(target_endian = "little") && !rgb.is_empty() && rgb.len().is_multiple_of(4) {
                client.create_from_slice(rgb)
            } else {
                client.create_from_slice(u32::as_bytes(&pack_rgb8(rgb)))
            };
        Ok(DeviceImage {
            handle,
            words: rgb.len().div_ceil(4).max(1),
            width,
            height,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// The image as a kernel argument.
    pub(crate) fn arg<R: Runtime>(&self) -> ArrayArg<R> {
        // SAFETY: the handle was created in `upload` for exactly `words` u32 values.
        unsafe { ArrayArg::from_raw_parts(self.handle.clone(), self.words) }
    }
}

/// Fails with `BadInput` unless `rgb` holds exactly `width * height * 3` bytes and byte indices
/// fit the kernels' 32-bit arithmetic.
pub(crate) fn check_image(rgb: &[u8], width: usize, height: usize) -> Result<()> {
    let expected = width
        .checked_mul(height)
        .and_then(|pixels| pixels.checked_mul(3))
        .ok_or_else(|| KernelError::BadInput(format!("image {width}x{height} is too large")))?;
    if rgb.len() != expected {
        return Err(KernelError::BadInput(format!(
            "image has {} bytes, {width}x{height} RGB needs {expected}",
            rgb.len()
        )));
    }
    if expected >= u32::MAX as usize / 2 {
        return Err(KernelError::BadInput(format!(
            "image of {expected} bytes exceeds 32-bit indexing"
        )));
    }
    Ok(())
}

/// Fails with `BadInput` when a grid axis would need more than [`MAX_GRID`] cubes.
pub(crate) fn check_grid(what: &str, cubes: usize) -> Result<u32> {
    if cubes > MAX_GRID {
        return Err(KernelError::BadInput(format!(
            "{what} needs {cubes} cubes along one axis; at most {MAX_GRID}"
        )));
    }
    Ok(cubes as u32)
}

/// Byte `index` of the packed image, as f32 (0..=255).
#[cube]
pub fn channel(image: &Array<u32>, index: u32) -> f32 {
    let word = image[(index / 4) as usize];
    let byte = (word >> ((index % 4) * 8)) & 255u32;
    f32::cast_from(byte)
}
