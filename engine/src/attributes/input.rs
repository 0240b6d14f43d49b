//! Network inputs cut from a face sample: the whole sample area-resized to the network's side, as NHWC rows in the
//! value range each network was trained on (RGB 0..1, RGB 0..255, or grey −1..1).

use crate::image::Image;
use crate::resample::{FloatImage, area_resize};

/// RGB, each value multiplied by `scale` (1/255 for 0..1, 1 for 0..255).
pub fn rgb_row(sample: &Image, side: usize, scale: f32) -> Vec<f32> {
    let resized = area_resize(&FloatImage::from_image(sample), side, side);
    resized.data.into_iter().map(|v| v * scale).collect()
}

/// Grey (ITU-R BT.601 weights, as the emotion network was trained) mapped from 0..1 to −1..1.
pub fn grey_row(sample: &Image, side: usize) -> Vec<f32> {
    let resized = area_resize(&FloatImage::from_image(sample), side, side);
    resized
        .data
        .chunks_exact(3)
        .map(|px| {
            let grey = (0.2989 * px[0] + 0.5870 * px[1] + 0.1140 * px[2]) / 255.0;
            (grey - 0.5) * 2.0
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_have_the_network_layout_and_range() {
        let white = Image::from_rgb(8, 8, vec![255; 8 * 8 * 3]).unwrap();
        let rgb = rgb_row(&white, 4, 1.0 / 255.0);
        assert_eq!(rgb.len(), 4 * 4 * 3);
        assert!(rgb.iter().all(|&v| (v - 1.0).abs() < 1e-6));
        let grey = grey_row(&white, 4);
        assert_eq!(grey.len(), 16);
        assert!(grey.iter().all(|&v| (v - 0.9998).abs() < 1e-3));
    }
}
