//! Resampling on float RGB planes: area interpolation (adaptive average pooling, as MTCNN's reference uses for
//! its pyramid and crops) and bilinear sampling with black outside the image (used by the alignment warp).

use crate::image::Image;

/// A float RGB image, interleaved (height × width × 3).
pub struct FloatImage {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Interleaved RGB values.
    pub data: Vec<f32>,
}

impl FloatImage {
    /// Converts a rectangle of an 8-bit image (x0..x1, y0..y1, exclusive ends, inside the image) to float.
    pub fn crop(image: &Image, x0: usize, y0: usize, x1: usize, y1: usize) -> FloatImage {
        let stride = image.width() as usize * 3;
        let mut data = Vec::with_capacity((x1 - x0) * (y1 - y0) * 3);
        for row in image.rgb().chunks_exact(stride).take(y1).skip(y0) {
            data.extend(row[x0 * 3..x1 * 3].iter().map(|&v| f32::from(v)));
        }
        FloatImage {
            width: x1 - x0,
            height: y1 - y0,
            data,
        }
    }

    /// The whole image as float.
    pub fn from_image(image: &Image) -> FloatImage {
        FloatImage::crop(image, 0, 0, image.width() as usize, image.height() as usize)
    }
}

/// Area-resizes to `width` × `height` (separable: rows first, then columns), as torch's `interpolate(mode="area")`.
pub fn area_resize(src: &FloatImage, width: usize, height: usize) -> FloatImage {
    let mut scratch = AreaScratch::default();
    let mut data = Vec::new();
    area_resize_into(
        &src.data,
        (src.width, src.height),
        (width, height),
        &mut scratch,
        &mut data,
    );
    FloatImage {
        width,
        height,
        data,
    }
}

/// The intermediate buffer of an area resize, kept by callers that resize again and again.
#[derive(Default)]
pub struct AreaScratch {
    horizontal: Vec<f32>,
}

/// [`area_resize`] of interleaved RGB values of any type that widens to f32 (8-bit pixels or floats), `src_size`
/// (width, height) to `size`, into `out` (cleared and refilled, interleaved), with `scratch` for the row pass:
/// the same sums in the same order, so the same values, and no allocation once the buffers have grown.
pub fn area_resize_into<T: Copy + Into<f32>>(
    src: &[T],
    (src_width, src_height): (usize, usize),
    (width, height): (usize, usize),
    scratch: &mut AreaScratch,
    out: &mut Vec<f32>,
) {
    let horizontal = &mut scratch.horizontal;
    horizontal.clear();
    horizontal.resize(src_height * width * 3, 0.0);
    for y in 0..src_height {
        let row = &src[y * src_width * 3..(y + 1) * src_width * 3];
        for x in 0..width {
            let (start, end) = area_range(x, src_width, width);
            let mut sum = [0f32; 3];
            for px in row[start * 3..end * 3].chunks_exact(3) {
                sum[0] += px[0].into();
                sum[1] += px[1].into();
                sum[2] += px[2].into();
            }
            let n = (end - start) as f32;
            let at = (y * width + x) * 3;
            horizontal[at..at + 3].copy_from_slice(&[sum[0] / n, sum[1] / n, sum[2] / n]);
        }
    }
    out.clear();
    out.resize(height * width * 3, 0.0);
    for y in 0..height {
        let (start, end) = area_range(y, src_height, height);
        let row_out = &mut out[y * width * 3..(y + 1) * width * 3];
        for sy in start..end {
            let row = &horizontal[sy * width * 3..(sy + 1) * width * 3];
            for (o, v) in row_out.iter_mut().zip(row) {
                *o += v;
            }
        }
        let n = (end - start) as f32;
        row_out.iter_mut().for_each(|o| *o /= n);
    }
}

/// The input range output index `i` of `output` averages along an axis of `input`: floor(i·n/m) .. ceil((i+1)·n/m).
fn area_range(i: usize, input: usize, output: usize) -> (usize, usize) {
    let start = i * input / output;
    let end = ((i + 1) * input).div_ceil(output);
    (start, end.max(start + 1))
}

/// Bilinear sample at (x, y); neighbours outside the image count as black.
pub fn bilinear(image: &Image, x: f32, y: f32) -> [f32; 3] {
    let (w, h) = (image.width() as i64, image.height() as i64);
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (x0, y0) = (x0 as i64, y0 as i64);
    let mut out = [0f32; 3];
    for (dy, wy) in [(0, 1.0 - fy), (1, fy)] {
        for (dx, wx) in [(0, 1.0 - fx), (1, fx)] {
            let (px, py) = (x0 + dx, y0 + dy);
            if px < 0 || py < 0 || px >= w || py >= h {
                continue;
            }
            let p = image.pixel(px as usize, py as usize);
            let weight = wx * wy;
            for c in 0..3 {
                out[c] += weight * f32::from(p[c]);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_downscale_by_two_averages_blocks() {
        let src = FloatImage {
            width: 4,
            height: 2,
            data: (0..24).map(|v| v as f32).collect(),
        };
        let out = area_resize(&src, 2, 1);
        // Output pixel 0 averages pixels (0,0), (1,0), (0,1), (1,1): red values 0, 3, 12, 15.
        assert_eq!(out.data[0], 7.5);
        assert_eq!(out.data.len(), 6);
    }

    #[test]
    fn area_upscale_replicates() {
        let src = FloatImage {
            width: 1,
            height: 1,
            data: vec![10.0, 20.0, 30.0],
        };
        let out = area_resize(&src, 3, 2);
        assert!(out.data.chunks(3).all(|p| p == [10.0, 20.0, 30.0]));
    }

    #[test]
    fn bilinear_is_black_outside_and_exact_on_pixels() {
        let image = Image::from_rgb(2, 1, vec![100, 0, 0, 200, 0, 0]).unwrap();
        assert_eq!(bilinear(&image, 0.0, 0.0)[0], 100.0);
        assert_eq!(bilinear(&image, 0.5, 0.0)[0], 150.0);
        assert_eq!(bilinear(&image, -5.0, 0.0)[0], 0.0);
    }
}
