//! Five-point alignment: a least-squares similarity (rotation, uniform scale, translation; no reflection) from the
//! template to the detected landmarks, and the warp that produces the face sample.
//! Owns: the template, the fit, the CPU warp (bilinear, black outside the image, rounded to 8 bits).

use crate::detect::Point;
use crate::image::Image;
use crate::resample::bilinear;

/// Side of a face sample (the API's "warp"), in pixels.
pub const SAMPLE_SIZE: u32 = 250;

/// The five points in a normalised face frame (MTCNN order: eyes, nose tip, mouth corners), from dlib's mean
/// face. In a chip of side S with padding 0.25 a point p sits at (p + 0.25) / 1.5 · S.
const TEMPLATE: [(f32, f32); 5] = [
    (0.22549, 0.21599),
    (0.75476, 0.21599),
    (0.49013, 0.51562),
    (0.25415, 0.78023),
    (0.72610, 0.78023),
];
const PADDING: f32 = 0.25;

/// The template's points in a chip of `size` pixels.
pub fn template(size: u32) -> [Point; 5] {
    let s = size as f32 / (1.0 + 2.0 * PADDING);
    TEMPLATE.map(|(x, y)| Point {
        x: (x + PADDING) * s,
        y: (y + PADDING) * s,
    })
}

/// A similarity transform: (x, y) ↦ (a·x − b·y + tx, b·x + a·y + ty).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Similarity {
    a: f32,
    b: f32,
    tx: f32,
    ty: f32,
}

impl Similarity {
    /// The least-squares similarity taking `from` onto `to`.
    pub fn fit(from: &[Point; 5], to: &[Point; 5]) -> Similarity {
        let mean = |ps: &[Point; 5]| {
            let (sx, sy) = ps.iter().fold((0.0, 0.0), |(x, y), p| (x + p.x, y + p.y));
            (sx / 5.0, sy / 5.0)
        };
        let ((fx, fy), (tx, ty)) = (mean(from), mean(to));
        let (mut dot, mut cross, mut norm) = (0f32, 0f32, 0f32);
        for (f, t) in from.iter().zip(to) {
            let (ux, uy, vx, vy) = (f.x - fx, f.y - fy, t.x - tx, t.y - ty);
            dot += ux * vx + uy * vy;
            cross += ux * vy - uy * vx;
            norm += ux * ux + uy * uy;
        }
        let (a, b) = if norm > 0.0 {
            (dot / norm, cross / norm)
        } else {
            (1.0, 0.0)
        };
        Similarity {
            a,
            b,
            tx: tx - (a * fx - b * fy),
            ty: ty - (b * fx + a * fy),
        }
    }

    /// Applies the transform to a point.
    pub fn apply(&self, p: Point) -> Point {
        Point {
            x: self.a * p.x - self.b * p.y + self.tx,
            y: self.b * p.x + self.a * p.y + self.ty,
        }
    }
}

/// How far the warp of a face with these landmarks turns it, in degrees (clockwise in the image is positive): the
/// in-plane angle of the sample's x axis in the source image. A roll measured on the sample plus this is the roll
/// in the source image.
pub fn rotation_degrees(landmarks: &[Point; 5]) -> f32 {
    let to_image = Similarity::fit(&template(SAMPLE_SIZE), landmarks);
    to_image.b.atan2(to_image.a).to_degrees()
}

/// Points in pixels of the sample of a face with these landmarks, put back into the source image.
pub fn to_image(landmarks: &[Point; 5], points: &[Point]) -> Vec<Point> {
    let to_image = Similarity::fit(&template(SAMPLE_SIZE), landmarks);
    points.iter().map(|&p| to_image.apply(p)).collect()
}

/// Warps the face with these landmarks into a `size` × `size` chip framed by the template.
pub fn warp(image: &Image, landmarks: &[Point; 5], size: u32) -> Image {
    let to_image = Similarity::fit(&template(size), landmarks);
    let mut rgb = Vec::with_capacity(size as usize * size as usize * 3);
    for v in 0..size {
        for u in 0..size {
            let p = to_image.apply(Point {
                x: u as f32,
                y: v as f32,
            });
            let px = bilinear(image, p.x, p.y);
            rgb.extend(px.iter().map(|&c| c.round().clamp(0.0, 255.0) as u8));
        }
    }
    Image {
        width: size,
        height: size,
        rgb,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_recovers_a_known_similarity() {
        let truth = Similarity {
            a: 1.5 * 0.3f32.cos(),
            b: 1.5 * 0.3f32.sin(),
            tx: 40.0,
            ty: -7.0,
        };
        let from = template(150);
        let to = from.map(|p| truth.apply(p));
        let fitted = Similarity::fit(&from, &to);
        for (p, q) in from.iter().zip(&to) {
            let r = fitted.apply(*p);
            assert!((r.x - q.x).abs() < 1e-3 && (r.y - q.y).abs() < 1e-3);
        }
    }

    #[test]
    fn rotation_is_the_angle_of_the_fitted_similarity() {
        let turn = 20f32.to_radians();
        let truth = Similarity {
            a: 0.8 * turn.cos(),
            b: 0.8 * turn.sin(),
            tx: 100.0,
            ty: 50.0,
        };
        let landmarks = template(SAMPLE_SIZE).map(|p| truth.apply(p));
        assert!((rotation_degrees(&landmarks) - 20.0).abs() < 1e-3);
    }

    #[test]
    fn template_at_150_matches_the_descriptor_template() {
        let t = template(150);
        assert!((t[0].x - 47.549).abs() < 1e-3 && (t[4].y - 103.023).abs() < 1e-3);
    }
}
