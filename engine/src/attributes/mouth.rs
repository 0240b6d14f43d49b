//! Mouth state from the 68 landmarks and the emotion network.
//!
//! - `opened`: the inner-lip aspect ratio, MAR = (|p61 − p67| + |p62 − p66| + |p63 − p65|) / (3 |p60 − p64|), over
//!   `FULLY_OPEN` and capped at 1. On the test photos closed mouths read MAR ≤ 0.02, smiles with parted lips
//!   0.09–0.24 and a speaking mouth 0.43; a gap of a fifth of the mouth's width counts as fully open.
//! - `smile`: the emotion network's probability of happiness.
//!
//! No occlusion model exists in this build, so no `occluded` is given.

use crate::detect::Point;

/// The inner-lip aspect ratio at which `opened` reaches 1.
pub const FULLY_OPEN: f32 = 0.2;

/// One mouth.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mouth {
    /// 0 closed .. 1 open.
    pub opened: f32,
    /// 0..1.
    pub smile: f32,
    /// The inner-lip aspect ratio behind `opened`.
    pub aspect_ratio: f32,
}

fn distance(a: Point, b: Point) -> f32 {
    (a.x - b.x).hypot(a.y - b.y)
}

/// The mouth of 68 landmarks (60–67 the inner lip) and the face's happiness probability.
pub fn from_landmarks68(points: &[Point], happiness: f32) -> Option<Mouth> {
    if points.len() != 68 || !happiness.is_finite() {
        return None;
    }
    let width = distance(points[60], points[64]);
    if width.is_nan() || width <= 0.0 {
        return None;
    }
    let gaps = distance(points[61], points[67])
        + distance(points[62], points[66])
        + distance(points[63], points[65]);
    let aspect_ratio = gaps / (3.0 * width);
    Some(Mouth {
        opened: (aspect_ratio / FULLY_OPEN).min(1.0),
        smile: happiness.clamp(0.0, 1.0),
        aspect_ratio,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lips(gap: f32) -> Vec<Point> {
        let mut points = vec![Point { x: 0.0, y: 0.0 }; 68];
        let h = gap / 2.0;
        for (i, (x, y)) in [
            (0.0, 0.0),
            (10.0, -h),
            (20.0, -h),
            (30.0, -h),
            (40.0, 0.0),
            (30.0, h),
            (20.0, h),
            (10.0, h),
        ]
        .into_iter()
        .enumerate()
        {
            points[60 + i] = Point { x, y };
        }
        points
    }

    #[test]
    fn the_lip_gap_opens_the_mouth() {
        let closed = from_landmarks68(&lips(0.0), 0.1).unwrap();
        assert_eq!((closed.opened, closed.smile), (0.0, 0.1));
        let half = from_landmarks68(&lips(4.0), 0.9).unwrap();
        assert!((half.aspect_ratio - 0.1).abs() < 1e-6 && (half.opened - 0.5).abs() < 1e-6);
        assert_eq!(from_landmarks68(&lips(20.0), 0.5).unwrap().opened, 1.0);
        assert!(from_landmarks68(&lips(4.0)[..60], 0.5).is_none());
    }
}
