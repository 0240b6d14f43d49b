//! 68 landmarks in the usual 68-point layout (jaw 0–16, brows 17–26, nose 27–35, eyes 36–47, mouth 48–67, the
//! image's left side first), read off the 468-point face mesh: each of the 68 is one mesh point at the same place
//! on the face. The mesh is in pixels of the network's input; the points come back in pixels of the sample.

use crate::detect::Point;

/// The mesh point of each of the 68 landmarks.
const MESH_POINT: [usize; 68] = [
    // Jaw, from the image's left cheek over the chin to the right one.
    234, 93, 132, 58, 172, 136, 150, 176, 152, 400, 379, 365, 397, 288, 361, 323, 454,
    // Brows, left then right.
    70, 63, 105, 66, 107, 336, 296, 334, 293, 300,
    // Nose bridge, then the lower nose from left to right.
    168, 197, 5, 4, 75, 97, 2, 326, 305,
    // Eyes: outer corner, upper lid, inner corner, lower lid; left eye then right eye.
    33, 160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380,
    // Outer lip from the left corner, clockwise; then the inner lip.
    61, 39, 37, 0, 267, 269, 291, 405, 314, 17, 84, 181, 78, 82, 13, 312, 308, 317, 14, 87,
];

/// The 68 landmarks of a mesh of 468 × (x, y, z) estimated on an input `input_side` pixels square, in pixels of
/// a sample `sample_side` pixels square; `None` if the mesh is short.
pub fn from_mesh(mesh: &[f32], input_side: usize, sample_side: u32) -> Option<Vec<Point>> {
    if mesh.len() < 468 * 3 {
        return None;
    }
    let scale = sample_side as f32 / input_side as f32;
    Some(
        MESH_POINT
            .iter()
            .map(|&i| Point {
                x: mesh[3 * i] * scale,
                y: mesh[3 * i + 1] * scale,
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_scaled_to_the_sample() {
        let mut mesh = vec![0.0; 468 * 3];
        mesh[3 * 152] = 96.0;
        mesh[3 * 152 + 1] = 180.0;
        let points = from_mesh(&mesh, 192, 250).unwrap();
        assert_eq!(points.len(), 68);
        assert_eq!((points[8].x, points[8].y), (125.0, 234.375));
        assert!(from_mesh(&mesh[..100], 192, 250).is_none());
        let mut seen = MESH_POINT.to_vec();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 68, "every landmark is a different mesh point");
    }
}
