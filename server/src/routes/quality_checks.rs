//! The `detect_policy.face_quality` policy at run time: measures the listed checks of one face and says whether
//! it passes. Each check answers `{name, object_value, threshold_value, result}` (`result` 1 = within range;
//! `threshold_value` is the bound that was crossed, else the lower bound, else the upper one, else null) and the
//! whole `{checks, status}` (`status` 1 = every check passed). A failed check is also a filter reason
//! `{filter_name, object_value, threshold_value}` for `filtered_detections`.

use super::handler_policies::FaceQualityPolicy;
use argus_engine::face_checks::check_value;
use argus_engine::{Detection, Quality};
use serde_json::{Value, json};

/// The checks of one face.
pub struct Verdict {
    /// `detection.face_quality`.
    pub view: Value,
    /// Why the face fails; empty when it passes.
    pub reasons: Vec<Value>,
}

/// The verdict on a face, or None when the policy measures nothing. Checks that need a detection are left out
/// for a face given as a ready sample.
pub fn evaluate(
    policy: &FaceQualityPolicy,
    detection: Option<&Detection>,
    quality: &Quality,
) -> Option<Verdict> {
    let measured = policy.measured();
    if measured.is_empty() {
        return None;
    }
    let mut checks = Vec::new();
    let mut reasons = Vec::new();
    for (name, range) in measured {
        let Some(value) = check_value(name, detection, quality) else {
            continue;
        };
        let value = f64::from(value);
        let crossed = match (range.min, range.max) {
            (Some(min), _) if value < min => Some(min),
            (_, Some(max)) if value > max => Some(max),
            _ => None,
        };
        let threshold = crossed.or(range.min).or(range.max);
        checks.push(
            json!({"name": name, "object_value": value, "threshold_value": threshold,
                           "result": u8::from(crossed.is_none())}),
        );
        if let Some(bound) = crossed {
            reasons.push(
                json!({"filter_name": name, "object_value": value, "threshold_value": bound}),
            );
        }
    }
    Some(Verdict {
        view: json!({"checks": checks, "status": u8::from(reasons.is_empty())}),
        reasons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quality(blurriness: f32) -> Quality {
        Quality {
            blurriness,
            dark: 1.0,
            light: 1.0,
            illumination: 1.0,
            specularity: 1.0,
        }
    }

    #[test]
    fn a_value_outside_its_range_fails_with_the_crossed_bound() {
        let policy: FaceQualityPolicy = serde_json::from_value(json!({"estimate": 1, "filter": 1,
            "checks": {"blurriness_quality": {"threshold": {"min": 0.5, "max": 0.9}},
                       "face_width": {"threshold": {"min": 10}}}}))
        .unwrap();
        let sharp = evaluate(&policy, None, &quality(0.7)).unwrap();
        assert!(sharp.reasons.is_empty());
        assert_eq!(sharp.view["status"], 1);
        // face_width needs a detection: a ready sample has only the quality check.
        assert_eq!(sharp.view["checks"].as_array().unwrap().len(), 1);
        let blurred = evaluate(&policy, None, &quality(0.25)).unwrap();
        assert_eq!(blurred.view["status"], 0);
        assert_eq!(
            blurred.reasons,
            vec![
                json!({"filter_name": "blurriness_quality", "object_value": 0.25, "threshold_value": 0.5})
            ]
        );
        let off: FaceQualityPolicy = serde_json::from_value(json!({"estimate": 0})).unwrap();
        assert!(evaluate(&off, None, &quality(0.1)).is_none());
    }
}
