//! Batched affine warp of face chips: one RGB8 image, B similarity transforms, B chips of
//! `size x size` RGB8 in one launch. Bilinear sampling with neighbours outside the image counted
//! as black, rounded half away from zero and clamped to 0..=255: the GPU twin of the CPU
//! engine's `align::warp` (which samples with `resample::bilinear`). The CPU reference is
//! [`warp_ref`].
//!
//! Layout: the image goes up packed by [`crate::image::pack_rgb8`]; transforms are 4 f32 per
//! face (a, b, tx, ty); the kernel writes one `u32` per chip pixel (`r | g << 8 | b << 16`),
//! chips one after another, rows top to bottom; the launcher unpacks that into
//! `B * size * size * 3` interleaved RGB bytes.

use cubecl::prelude::*;

use crate::image::{IMAGE_CUBE_DIM, channel, check_grid, check_image, pack_rgb8};
use crate::runtime::read_u32;
use crate::{KernelError, Result};

/// A similarity transform from chip to image: (u, v) ↦ (a·u − b·v + tx, b·u + a·v + ty), as the engine's `align::Similarity`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine {
    /// Scale times cos(angle).
    pub a: f32,
    /// Scale times sin(angle).
    pub b: f32,
    /// Translation along x.
    pub tx: f32,
    /// Translation along y.
    pub ty: f32,
}

impl Affine {
    /// Where chip pixel (u, v) samples the image, in the engine's operation order.
    pub fn apply(&self, u: f32, v: f32) -> (f32, f32) {
        (
            self.a * u - self.b * v + self.tx,
            self.b * u + self.a * v + self.ty,
        )
    }
}

/// Marker pre-filled into the chips: a written pixel has byte 3 clear, so a word still holding
/// this after read-back means the launch did not run.
const NOT_WRITTEN: u32 = u32::MAX;

/// The byte index of tap (px, py) (integral floats) of a `width x height` image, or `u32::MAX`
/// when the tap lies outside (NaN coordinates fail every comparison and count as outside).
#[cube]
fn tap_index(px: f32, py: f32, w: f32, h: f32, width: u32) -> u32 {
    let mut index = 4_294_967_295u32;
    if px >= 0.0f32 && py >= 0.0f32 && px < w && py < h {
        index = (u32::cast_from(py) * width + u32::cast_from(px)) * 3;
    }
    index
}

/// `value.round().clamp(0, 255) as u8` of the engine (round half away from zero; NaN -> 0).
#[cube]
fn to_byte(value: f32) -> u32 {
    let whole = f32::floor(value);
    let mut rounded = whole;
    if value - whole >= 0.5f32 {
        rounded = whole + 1.0f32;
    }
    let mut byte = 0u32;
    if rounded > 0.0f32 {
        byte = u32::cast_from(f32::min(rounded, 255.0f32));
    }
    byte
}

/// One thread per chip pixel; grid (ceil(size² / threads), faces). Taps in the engine's order:
/// (x0, y0), (x0 + 1, y0), (x0, y0 + 1), (x0 + 1, y0 + 1), weight `wx * wy`, each channel
/// accumulated as `out += weight * value`.
#[cube(launch)]
pub fn warp_affine(
    image: &Array<u32>,
    transforms: &Array<f32>,
    chips: &mut Array<u32>,
    width: u32,
    height: u32,
    #[comptime] size: usize,
) {
    let pixel = ABSOLUTE_POS_X as usize;
    let face = CUBE_POS_Y as usize;
    if pixel < size * size {
        let u = f32::cast_from((pixel % size) as u32);
        let v = f32::cast_from((pixel / size) as u32);
        let a = transforms[face * 4];
        let b = transforms[face * 4 + 1];
        let tx = transforms[face * 4 + 2];
        let ty = transforms[face * 4 + 3];
        let x = a * u - b * v + tx;
        let y = b * u + a * v + ty;
        let x0 = f32::floor(x);
        let y0 = f32::floor(y);
        let fx = x - x0;
        let fy = y - y0;
        let w = f32::cast_from(width);
        let h = f32::cast_from(height);
        let wx0 = 1.0f32 - fx;
        let wy0 = 1.0f32 - fy;
        let mut red = 0.0f32;
        let mut green = 0.0f32;
        let mut blue = 0.0f32;
        let index = tap_index(x0, y0, w, h, width);
        if index != 4_294_967_295u32 {
            let weight = wx0 * wy0;
            red += weight * channel(image, index);
            green += weight * channel(image, index + 1);
            blue += weight * channel(image, index + 2);
        }
        let index = tap_index(x0 + 1.0f32, y0, w, h, width);
        if index != 4_294_967_295u32 {
            let weight = fx * wy0;
            red += weight * channel(image, index);
            green += weight * channel(image, index + 1);
            blue += weight * channel(image, index + 2);
        }
        let index = tap_index(x0, y0 + 1.0f32, w, h, width);
        if index != 4_294_967_295u32 {
            let weight = wx0 * fy;
            red += weight * channel(image, index);
            green += weight * channel(image, index + 1);
            blue += weight * channel(image, index + 2);
        }
        let index = tap_index(x0 + 1.0f32, y0 + 1.0f32, w, h, width);
        if index != 4_294_967_295u32 {
            let weight = fx * fy;
            red += weight * channel(image, index);
            green += weight * channel(image, index + 1);
            blue += weight * channel(image, index + 2);
        }
        chips[face * size * size + pixel] =
            to_byte(red) | (to_byte(green) << 8) | (to_byte(blue) << 16);
    }
}

/// CPU reference of [`warp_affine`]: mirrors the engine's `align::warp` (the per-pixel loop,
/// `Similarity::apply`, `resample::bilinear`, `round().clamp(0, 255) as u8`), with the transform
/// given instead of fitted. Returns `transforms.len() * size * size * 3` bytes.
pub fn warp_ref(
    rgb: &[u8],
    width: usize,
    height: usize,
    transforms: &[Affine],
    size: usize,
) -> Vec<u8> {
    let (w, h) = (width as i64, height as i64);
    let mut out = Vec::with_capacity(transforms.len() * size * size * 3);
    for transform in transforms {
        for v in 0..size {
            for u in 0..size {
                let (x, y) = transform.apply(u as f32, v as f32);
                let (x0, y0) = (x.floor(), y.floor());
                let (fx, fy) = (x - x0, y - y0);
                let (x0, y0) = (x0 as i64, y0 as i64);
                let mut px = [0f32; 3];
                for (dy, wy) in [(0, 1.0 - fy), (1, fy)] {
                    for (dx, wx) in [(0, 1.0 - fx), (1, fx)] {
                        let (tx, ty) = (x0 + dx, y0 + dy);
                        if tx < 0 || ty < 0 || tx >= w || ty >= h {
                            continue;
                        }
                        let index = (ty as usize * width + tx as usize) * 3;
                        let weight = wx * wy;
                        for (c, value) in px.iter_mut().enumerate() {
                            *value += weight * f32::from(rgb[index + c]);
                        }
                    }
                }
                out.extend(px.iter().map(|&c| c.round().clamp(0.0, 255.0) as u8));
            }
        }
    }
    out
}

/// Warps `transforms.len()` chips of `size x size` out of the `width x height` RGB8 image `rgb`
/// in one launch; returns the chips' interleaved RGB bytes, chip after chip.
pub fn warp_gpu<R: Runtime>(
    client: &ComputeClient<R>,
    rgb: &[u8],
    width: usize,
    height: usize,
    transforms: &[Affine],
    size: usize,
) -> Result<Vec<u8>> {
    check_image(rgb, width, height)?;
    let faces = transforms.len();
    let pixels = size
        .checked_mul(size)
        .filter(|p| {
            p.checked_mul(faces.max(1))
                .is_some_and(|n| n < u32::MAX as usize)
        })
        .ok_or_else(|| KernelError::BadInput(format!("{faces} chips of {size}² are too many")))?;
    if faces == 0 || size == 0 {
        return Ok(Vec::new());
    }
    let grid_x = check_grid("warp", pixels.div_ceil(IMAGE_CUBE_DIM as usize))?;
    let grid_y = check_grid("warp (faces)", faces)?;
    let packed = pack_rgb8(rgb);
    let params: Vec<f32> = transforms
        .iter()
        .flat_map(|t| [t.a, t.b, t.tx, t.ty])
        .collect();
    let image_handle = client.create_from_slice(u32::as_bytes(&packed));
    let params_handle = client.create_from_slice(f32::as_bytes(&params));
    let chips_handle = client.create_from_slice(u32::as_bytes(&vec![NOT_WRITTEN; faces * pixels]));
    warp_affine::launch::<R>(
        client,
        CubeCount::Static(grid_x, grid_y, 1),
        CubeDim::new_1d(IMAGE_CUBE_DIM),
        // SAFETY: each handle was created above for exactly the length given.
        unsafe { ArrayArg::from_raw_parts(image_handle, packed.len()) },
        unsafe { ArrayArg::from_raw_parts(params_handle, params.len()) },
        unsafe { ArrayArg::from_raw_parts(chips_handle.clone(), faces * pixels) },
        width as u32,
        height as u32,
        size,
    );
    let words = read_u32(client, chips_handle, "warp_affine")?;
    if words.len() < faces * pixels {
        return Err(KernelError::Internal {
            kernel: "warp_affine",
            detail: "short read-back".to_string(),
        });
    }
    if words[..faces * pixels].contains(&NOT_WRITTEN) {
        return Err(KernelError::Internal {
            kernel: "warp_affine",
            detail: "chips were not written: the launch failed (see the log)".to_string(),
        });
    }
    Ok(words[..faces * pixels]
        .iter()
        .flat_map(|word| {
            let [r, g, b, _] = word.to_le_bytes();
            [r, g, b]
        })
        .collect())
}
