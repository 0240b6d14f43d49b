//! Eye state from the 68 landmarks: the eye aspect ratio of Soukupová and Čech (2016), EAR = (|p2 − p6| +
//! |p3 − p5|) / (2 |p1 − p4|), over the six points of each eye (p1 the outer corner, p2 and p3 the upper lid, p4
//! the inner corner, p5 and p6 the lower lid). An eye is closed when its EAR is below 0.2, their blink threshold.
//! The right eye is the person's own right, on the image's left. No iris model exists in this build, so no iris
//! landmarks are given.

use crate::detect::Point;

/// Below this eye aspect ratio an eye is closed.
pub const CLOSED_BELOW: f32 = 0.2;

/// Open or closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EyeState {
    /// EAR at least `CLOSED_BELOW`.
    Open,
    /// EAR below `CLOSED_BELOW`.
    Closed,
}

impl EyeState {
    /// The API's word.
    pub fn name(self) -> &'static str {
        match self {
            EyeState::Open => "open",
            EyeState::Closed => "closed",
        }
    }
}

/// One eye.
#[derive(Clone, Debug, PartialEq)]
pub struct Eye {
    /// Open or closed.
    pub state: EyeState,
    /// The eye aspect ratio.
    pub aspect_ratio: f32,
    /// The six eyelid points, p1 to p6, in the coordinates of the landmarks given.
    pub eyelid: Vec<Point>,
}

/// Both eyes.
#[derive(Clone, Debug, PartialEq)]
pub struct Eyes {
    /// The person's right eye (the image's left).
    pub right: Eye,
    /// The person's left eye.
    pub left: Eye,
}

fn distance(a: Point, b: Point) -> f32 {
    (a.x - b.x).hypot(a.y - b.y)
}

fn eye(points: &[Point]) -> Option<Eye> {
    let [p1, p2, p3, p4, p5, p6] = <[Point; 6]>::try_from(points).ok()?;
    let width = distance(p1, p4);
    if width.is_nan() || width <= 0.0 {
        return None;
    }
    let aspect_ratio = (distance(p2, p6) + distance(p3, p5)) / (2.0 * width);
    Some(Eye {
        state: if aspect_ratio < CLOSED_BELOW {
            EyeState::Closed
        } else {
            EyeState::Open
        },
        aspect_ratio,
        eyelid: points.to_vec(),
    })
}

/// The eyes of 68 landmarks (36–41 the image's left eye, 42–47 the right one, each from its outer corner).
/// In the 68-point layout the image-right eye runs from its inner corner, so it is reordered to start outside.
pub fn from_landmarks68(points: &[Point]) -> Option<Eyes> {
    if points.len() != 68 {
        return None;
    }
    let right = eye(&points[36..42])?;
    let l = &points[42..48];
    let left = eye(&[l[3], l[2], l[1], l[0], l[5], l[4]])?;
    Some(Eyes { right, left })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(x: f32, y: f32) -> Point {
        Point { x, y }
    }

    /// 68 points with both eyes 30 px wide and `gap` px between the lids.
    fn face(gap: f32) -> Vec<Point> {
        let mut points = vec![p(0.0, 0.0); 68];
        let h = gap / 2.0;
        let right = [
            p(0.0, 0.0),
            p(10.0, -h),
            p(20.0, -h),
            p(30.0, 0.0),
            p(20.0, h),
            p(10.0, h),
        ];
        let left = [
            p(60.0, 0.0),
            p(70.0, -h),
            p(80.0, -h),
            p(90.0, 0.0),
            p(80.0, h),
            p(70.0, h),
        ];
        points[36..42].copy_from_slice(&right);
        points[42..48].copy_from_slice(&left);
        points
    }

    #[test]
    fn the_aspect_ratio_decides_the_state() {
        let open = from_landmarks68(&face(12.0)).unwrap();
        assert!((open.right.aspect_ratio - 0.4).abs() < 1e-6);
        assert!((open.left.aspect_ratio - 0.4).abs() < 1e-6);
        assert_eq!(
            (open.right.state, open.left.state),
            (EyeState::Open, EyeState::Open)
        );
        let closed = from_landmarks68(&face(3.0)).unwrap();
        assert_eq!(closed.left.state, EyeState::Closed);
        assert!(from_landmarks68(&face(3.0)[..60]).is_none());
    }
}
