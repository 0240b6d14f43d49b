//! Face-quality checks (the handler policy `detect_policy.face_quality`): named measurements of one face, taken
//! from its detection and from the model-free quality of its sample. This module owns the names and how each one
//! is measured; the thresholds are the caller's. Geometric checks need the detection, so a face given as a ready
//! sample (no detection) has only the quality checks.
//!
//! | check | value |
//! |---|---|
//! | `blurriness_quality`, `dark_quality`, `light_quality`, `illumination_quality`, `specularity_quality` | the `quality` scores, 0..1, 1 = good |
//! | `face_width`, `face_height` | the detection box, pixels |
//! | `aspect_ratio` | box width / box height |
//! | `eye_distance` | distance between the two eye landmarks, pixels |
//! | `detection_score` | the detector's score, 0..1 |

use crate::detect::Detection;
use crate::quality::Quality;

/// Every check this build measures.
pub const CHECK_NAMES: [&str; 10] = [
    "blurriness_quality",
    "dark_quality",
    "light_quality",
    "illumination_quality",
    "specularity_quality",
    "face_width",
    "face_height",
    "aspect_ratio",
    "eye_distance",
    "detection_score",
];

/// The value of one check, or None when the name is not a check of this build or needs a detection that the face
/// does not have.
pub fn check_value(name: &str, detection: Option<&Detection>, quality: &Quality) -> Option<f32> {
    let geometric = |measure: fn(&Detection) -> f32| detection.map(measure);
    match name {
        "blurriness_quality" => Some(quality.blurriness),
        "dark_quality" => Some(quality.dark),
        "light_quality" => Some(quality.light),
        "illumination_quality" => Some(quality.illumination),
        "specularity_quality" => Some(quality.specularity),
        "face_width" => geometric(|d| d.rect.width),
        "face_height" => geometric(|d| d.rect.height),
        "aspect_ratio" => geometric(|d| d.rect.width / d.rect.height.max(f32::MIN_POSITIVE)),
        "eye_distance" => geometric(|d| {
            let (a, b) = (d.landmarks5[0], d.landmarks5[1]);
            ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
        }),
        "detection_score" => geometric(|d| d.score),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{Point, Rect};

    #[test]
    fn geometric_checks_read_the_detection_and_quality_checks_the_scores() {
        let p = |x, y| Point { x, y };
        let d = Detection {
            rect: Rect {
                x: 10.0,
                y: 20.0,
                width: 80.0,
                height: 100.0,
            },
            score: 0.99,
            landmarks5: [
                p(30.0, 50.0),
                p(60.0, 90.0),
                p(0.0, 0.0),
                p(0.0, 0.0),
                p(0.0, 0.0),
            ],
        };
        let q = Quality {
            blurriness: 0.1,
            dark: 0.2,
            light: 0.3,
            illumination: 0.4,
            specularity: 0.5,
        };
        assert_eq!(check_value("face_width", Some(&d), &q), Some(80.0));
        assert_eq!(check_value("aspect_ratio", Some(&d), &q), Some(0.8));
        assert_eq!(check_value("eye_distance", Some(&d), &q), Some(50.0));
        assert_eq!(check_value("light_quality", None, &q), Some(0.3));
        assert_eq!(check_value("face_height", None, &q), None);
        assert_eq!(check_value("head_yaw", Some(&d), &q), None);
        for name in CHECK_NAMES {
            assert!(check_value(name, Some(&d), &q).is_some(), "{name}");
        }
    }
}
