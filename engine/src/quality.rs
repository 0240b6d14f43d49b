//! Image quality of a face sample, computed from its pixels without a learned model. Five scores, each in
//! 0..1 with 1 meaning good, named as the API names them. On the luma Y = 0.299 R + 0.587 G + 0.114 B (0..255)
//! of the sample's central 60 % (where the face is; the border holds background and padding):
//!
//! - `blurriness`: v / (v + 100), v the variance of the 4-neighbour Laplacian of Y. A sharp face sample has
//!   v in the hundreds; a blurred one, a few tens or less.
//! - `dark`: 1 - (share of pixels with Y < 50) — an underexposed face is mostly below 50.
//! - `light`: 1 - (share of pixels with Y > 240) — an overexposed one is mostly above 240.
//! - `illumination`: 1 - |mean Y of the left half - mean Y of the right half| / 128, at least 0 — side light
//!   makes one half of the face darker than the other.
//! - `specularity`: 1 - 4 × (share of pixels with Y > 230 and HSV saturation < 0.1), at least 0 — glare spots
//!   are bright and colourless; a few per cent of them already ruin a sample.

use crate::image::Image;

/// The quality scores of a sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quality {
    /// 1 = sharp.
    pub blurriness: f32,
    /// 1 = not too dark.
    pub dark: f32,
    /// 1 = not overexposed.
    pub light: f32,
    /// 1 = evenly lit.
    pub illumination: f32,
    /// 1 = no glare.
    pub specularity: f32,
}

fn luma(p: [u8; 3]) -> f32 {
    0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2])
}

fn saturation(p: [u8; 3]) -> f32 {
    let max = f32::from(*p.iter().max().unwrap_or(&0));
    let min = f32::from(*p.iter().min().unwrap_or(&0));
    if max == 0.0 { 0.0 } else { (max - min) / max }
}

/// The five scores of a sample (any size; a sample smaller than 5×5 pixels scores 0 everywhere).
pub fn estimate(sample: &Image) -> Quality {
    let (w, h) = (sample.width() as usize, sample.height() as usize);
    let (x0, x1) = (w / 5, w - w / 5);
    let (y0, y1) = (h / 5, h - h / 5);
    if x1 < x0 + 3 || y1 < y0 + 3 {
        return Quality {
            blurriness: 0.0,
            dark: 0.0,
            light: 0.0,
            illumination: 0.0,
            specularity: 0.0,
        };
    }
    let (cw, ch) = (x1 - x0, y1 - y0);
    let mut y = vec![0f32; cw * ch];
    let (mut dark, mut light, mut glare) = (0usize, 0usize, 0usize);
    let (mut left, mut right) = (0f64, 0f64);
    for row in 0..ch {
        for col in 0..cw {
            let p = sample.pixel(x0 + col, y0 + row);
            let v = luma(p);
            y[row * cw + col] = v;
            dark += usize::from(v < 50.0);
            light += usize::from(v > 240.0);
            glare += usize::from(v > 230.0 && saturation(p) < 0.1);
            if col < cw / 2 {
                left += f64::from(v);
            } else {
                right += f64::from(v);
            }
        }
    }
    let n = (cw * ch) as f32;
    let mut laplacians = Vec::with_capacity((cw - 2) * (ch - 2));
    for row in 1..ch - 1 {
        for col in 1..cw - 1 {
            let at = |r: usize, c: usize| y[r * cw + c];
            laplacians.push(
                at(row - 1, col) + at(row + 1, col) + at(row, col - 1) + at(row, col + 1)
                    - 4.0 * at(row, col),
            );
        }
    }
    let mean = laplacians.iter().sum::<f32>() / laplacians.len() as f32;
    let variance = laplacians
        .iter()
        .map(|l| (l - mean) * (l - mean))
        .sum::<f32>()
        / laplacians.len() as f32;
    let half = (cw / 2 * ch) as f64;
    let other_half = ((cw - cw / 2) * ch) as f64;
    let imbalance = (left / half - right / other_half).abs() as f32;
    Quality {
        blurriness: variance / (variance + 100.0),
        dark: 1.0 - dark as f32 / n,
        light: 1.0 - light as f32 / n,
        illumination: (1.0 - imbalance / 128.0).max(0.0),
        specularity: (1.0 - 4.0 * glare as f32 / n).max(0.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(value: u8) -> Image {
        Image::from_rgb(50, 50, vec![value; 50 * 50 * 3]).unwrap()
    }

    #[test]
    fn flat_images_score_as_the_formulas_say() {
        let grey = estimate(&flat(128));
        assert_eq!(grey.blurriness, 0.0, "no edges at all");
        assert_eq!(
            (grey.dark, grey.light, grey.illumination, grey.specularity),
            (1.0, 1.0, 1.0, 1.0)
        );
        let black = estimate(&flat(10));
        assert_eq!(black.dark, 0.0);
        let white = estimate(&flat(250));
        assert_eq!((white.light, white.specularity), (0.0, 0.0));
    }

    #[test]
    fn one_dark_half_lowers_illumination_and_a_checkerboard_is_sharp() {
        let mut rgb = Vec::new();
        for _row in 0..50 {
            for col in 0..50 {
                rgb.extend_from_slice(&[if col < 25 { 40 } else { 200 }; 3]);
            }
        }
        let sided = estimate(&Image::from_rgb(50, 50, rgb).unwrap());
        assert_eq!(sided.illumination, 0.0, "halves 160 apart: {sided:?}");
        let mut board = Vec::new();
        for row in 0..50 {
            for col in 0..50 {
                board.extend_from_slice(&[if (row + col) % 2 == 0 { 60 } else { 190 }; 3]);
            }
        }
        assert!(estimate(&Image::from_rgb(50, 50, board).unwrap()).blurriness > 0.99);
        assert_eq!(
            estimate(&Image::from_rgb(4, 4, vec![0; 48]).unwrap()).dark,
            0.0
        );
    }
}
