//! Head pose from the 468-point face mesh: yaw, pitch and roll in degrees, from the face's own axes.
//!
//! The mesh gives x, y in input pixels and z (depth, smaller = nearer the camera) on roughly the same scale. The
//! face's x axis runs from the outer corner of the eye on the image's left (mesh point 33) to the other outer eye
//! corner (263); its y axis from the top of the forehead (10) to the chin (152), made orthogonal to x. Then
//! - roll = atan2(x.y, x.x): positive when the eye line turns clockwise in the image;
//! - yaw = asin(x.z): positive when the face turns towards the image's right (the person's own left);
//! - pitch = asin(−y.z): positive when the chin comes up towards the camera.
//!
//! The mesh is estimated on the aligned sample, which the warp has already turned upright, so the caller adds the
//! warp's own rotation (`align::rotation_degrees`) to the roll.

use serde::Serialize;

/// Mesh points used for the axes.
const EYE_OUTER_IMAGE_LEFT: usize = 33;
const EYE_OUTER_IMAGE_RIGHT: usize = 263;
const FOREHEAD_TOP: usize = 10;
const CHIN: usize = 152;

/// Head rotation in degrees.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct HeadPose {
    /// Up (+) or down (−).
    pub pitch: f32,
    /// Towards the image's right (+) or left (−).
    pub yaw: f32,
    /// Clockwise (+) or anticlockwise (−) in the image.
    pub roll: f32,
}

impl HeadPose {
    /// The same pose with `degrees` added to the roll, wrapped to −180..180.
    pub fn rolled_by(self, degrees: f32) -> HeadPose {
        let mut roll = self.roll + degrees;
        if roll > 180.0 {
            roll -= 360.0;
        } else if roll < -180.0 {
            roll += 360.0;
        }
        HeadPose { roll, ..self }
    }
}

type Vec3 = [f32; 3];

fn point(mesh: &[f32], index: usize) -> Vec3 {
    [mesh[3 * index], mesh[3 * index + 1], mesh[3 * index + 2]]
}

fn sub(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn dot(a: Vec3, b: Vec3) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn normalised(a: Vec3) -> Option<Vec3> {
    let n = dot(a, a).sqrt();
    (n > 1e-6 && n.is_finite()).then(|| [a[0] / n, a[1] / n, a[2] / n])
}

/// The pose of a mesh of 468 × (x, y, z); `None` if the mesh is degenerate (points on top of each other).
pub fn from_mesh(mesh: &[f32]) -> Option<HeadPose> {
    if mesh.len() < 468 * 3 {
        return None;
    }
    let x = normalised(sub(
        point(mesh, EYE_OUTER_IMAGE_RIGHT),
        point(mesh, EYE_OUTER_IMAGE_LEFT),
    ))?;
    let down = sub(point(mesh, CHIN), point(mesh, FOREHEAD_TOP));
    let along = dot(down, x);
    let y = normalised([
        down[0] - along * x[0],
        down[1] - along * x[1],
        down[2] - along * x[2],
    ])?;
    Some(HeadPose {
        pitch: (-y[2]).clamp(-1.0, 1.0).asin().to_degrees(),
        yaw: x[2].clamp(-1.0, 1.0).asin().to_degrees(),
        roll: x[1].atan2(x[0]).to_degrees(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mesh_with(points: &[(usize, Vec3)]) -> Vec<f32> {
        let mut mesh = vec![0.0; 468 * 3];
        for (i, p) in points {
            mesh[3 * i..3 * i + 3].copy_from_slice(p);
        }
        mesh
    }

    #[test]
    fn a_face_square_to_the_camera_has_no_rotation() {
        let mesh = mesh_with(&[
            (33, [60.0, 80.0, 0.0]),
            (263, [130.0, 80.0, 0.0]),
            (10, [95.0, 30.0, 0.0]),
            (152, [95.0, 170.0, 0.0]),
        ]);
        let pose = from_mesh(&mesh).unwrap();
        assert!(pose.yaw.abs() < 1e-3 && pose.pitch.abs() < 1e-3 && pose.roll.abs() < 1e-3);
    }

    #[test]
    fn depth_and_tilt_give_the_documented_signs() {
        // The image-right eye is farther away (turned towards the image's right), the chin nearer (looking up), and
        // the eye line goes down to the right (clockwise).
        let mesh = mesh_with(&[
            (33, [60.0, 80.0, -20.0]),
            (263, [130.0, 90.0, 20.0]),
            (10, [95.0, 30.0, 15.0]),
            (152, [95.0, 170.0, -15.0]),
        ]);
        let pose = from_mesh(&mesh).unwrap();
        assert!(pose.yaw > 10.0, "{pose:?}");
        assert!(pose.pitch > 5.0, "{pose:?}");
        assert!(pose.roll > 5.0, "{pose:?}");
        assert!(from_mesh(&[0.0; 468 * 3]).is_none());
    }

    #[test]
    fn roll_wraps() {
        let pose = HeadPose {
            pitch: 0.0,
            yaw: 0.0,
            roll: 170.0,
        };
        assert_eq!(pose.rolled_by(20.0).roll, -170.0);
    }
}
