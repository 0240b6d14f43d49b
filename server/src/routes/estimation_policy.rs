//! The estimation fields of a handler's `detect_policy` (nested-schemas §1): `detect_landmarks68`,
//! `estimate_eyes_attributes`, `estimate_mouth_attributes`, `estimate_head_pose`,
//! `estimate_emotions`, `estimate_liveness {estimate, liveness_threshold, quality_threshold}`, the head-pose
//! filters `yaw_threshold` / `pitch_threshold` / `roll_threshold` (0..180: a face is kept when |angle| ≤ the
//! threshold; head pose is estimated whenever one is set) and the `liveness_states` filter (kept when the face's
//! state is listed; needs `estimate_liveness`). Checked at creation; applied per face at run time, where a failing
//! face goes to `filtered_detections` with `{filter_name, object_value, threshold_value}` reasons.

use super::estimation;
use crate::error::{ApiError, ApiResult};
use argus_engine::Wanted;
use argus_engine::attributes::liveness::{DEFAULT_LIVENESS_THRESHOLD, LivenessThresholds};
use argus_engine::{Detection, FaceAttributes};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The estimation fields of `detect_policy`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct DetectEstimations {
    /// 1 adds `landmarks68` to the detection.
    #[serde(default)]
    pub detect_landmarks68: u8,
    /// 1 adds `attributes.eyes_attributes`.
    #[serde(default)]
    pub estimate_eyes_attributes: u8,
    /// 1 adds `attributes.mouth_attributes`.
    #[serde(default)]
    pub estimate_mouth_attributes: u8,
    /// 1 adds `attributes.head_pose`.
    #[serde(default)]
    pub estimate_head_pose: u8,
    /// 1 adds `attributes.emotions`.
    #[serde(default)]
    pub estimate_emotions: u8,
    /// One-shot liveness and its thresholds.
    #[serde(default)]
    pub estimate_liveness: LivenessPolicy,
    /// Largest accepted |yaw|, degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yaw_threshold: Option<u32>,
    /// Largest accepted |pitch|, degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pitch_threshold: Option<u32>,
    /// Largest accepted |roll|, degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roll_threshold: Option<u32>,
    /// Accepted liveness states (0 spoof, 1 real, 2 unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness_states: Option<Vec<u8>>,
}

/// `estimate_liveness`.
#[derive(Clone, Copy, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LivenessPolicy {
    /// 1 estimates liveness.
    #[serde(default)]
    pub estimate: u8,
    /// Real when the probability is at least this (default 0.88).
    #[serde(default = "default_liveness_threshold")]
    pub liveness_threshold: f32,
    /// Unknown when the quality is below this (default 0).
    #[serde(default)]
    pub quality_threshold: f32,
}

fn default_liveness_threshold() -> f32 {
    DEFAULT_LIVENESS_THRESHOLD
}

impl Default for LivenessPolicy {
    fn default() -> Self {
        LivenessPolicy {
            estimate: 0,
            liveness_threshold: DEFAULT_LIVENESS_THRESHOLD,
            quality_threshold: 0.0,
        }
    }
}

fn invalid(path: &str, message: &str) -> ApiError {
    ApiError::bad_json(format!(
        "Failed to validate input json. Path: 'policies.detect_policy.{path}', message: '{message}'"
    ))
}

impl DetectEstimations {
    /// Refuses values outside the documented ranges.
    pub fn check(&self) -> ApiResult<()> {
        for (name, value) in [
            ("detect_landmarks68", self.detect_landmarks68),
            ("estimate_eyes_attributes", self.estimate_eyes_attributes),
            ("estimate_mouth_attributes", self.estimate_mouth_attributes),
            ("estimate_head_pose", self.estimate_head_pose),
            ("estimate_emotions", self.estimate_emotions),
            (
                "estimate_liveness.estimate",
                self.estimate_liveness.estimate,
            ),
        ] {
            if value > 1 {
                return Err(invalid(name, &format!("{value} is not 0 or 1")));
            }
        }
        for (name, value) in self.angle_thresholds() {
            if value.is_some_and(|v| v > 180) {
                return Err(invalid(name, "0..180 degrees"));
            }
        }
        let l = &self.estimate_liveness;
        if !(0.0..=1.0).contains(&l.liveness_threshold)
            || !(0.0..=1.0).contains(&l.quality_threshold)
        {
            return Err(invalid("estimate_liveness", "thresholds are in 0..1"));
        }
        if let Some(states) = &self.liveness_states {
            if states.is_empty() || states.iter().any(|s| *s > 2) {
                return Err(invalid(
                    "liveness_states",
                    "a non-empty list of 0 (spoof), 1 (real), 2 (unknown)",
                ));
            }
            if l.estimate != 1 {
                return Err(invalid(
                    "liveness_states",
                    "filtering by liveness needs estimate_liveness.estimate=1",
                ));
            }
        }
        Ok(())
    }

    fn angle_thresholds(&self) -> [(&'static str, Option<u32>); 3] {
        [
            ("yaw_threshold", self.yaw_threshold),
            ("pitch_threshold", self.pitch_threshold),
            ("roll_threshold", self.roll_threshold),
        ]
    }

    /// What the engine must estimate for these fields (head pose also for its filters).
    pub fn wanted(&self) -> Wanted {
        Wanted {
            head_pose: self.estimate_head_pose == 1
                || self.angle_thresholds().iter().any(|(_, t)| t.is_some()),
            landmarks68: self.detect_landmarks68 == 1,
            eyes: self.estimate_eyes_attributes == 1,
            mouth: self.estimate_mouth_attributes == 1,
            emotions: self.estimate_emotions == 1,
            basic_attributes: false,
            liveness: self.estimate_liveness.estimate == 1,
        }
    }

    /// The liveness decision thresholds.
    pub fn liveness_thresholds(&self) -> LivenessThresholds {
        LivenessThresholds {
            liveness: self.estimate_liveness.liveness_threshold,
            quality: self.estimate_liveness.quality_threshold,
        }
    }

    /// `detection.attributes` of a face, or None when nothing was estimated.
    pub fn attributes_view(
        &self,
        attributes: &FaceAttributes,
        detection: Option<&Detection>,
    ) -> Option<Value> {
        estimation::attributes_view(attributes, detection, self.liveness_thresholds())
    }

    /// Why a face fails the head-pose and liveness filters; empty when it passes.
    pub fn filter_reasons(&self, attributes: &FaceAttributes) -> Vec<Value> {
        let mut reasons = Vec::new();
        if let Some(pose) = attributes.head_pose {
            for ((name, threshold), angle) in self
                .angle_thresholds()
                .into_iter()
                .zip([pose.yaw, pose.pitch, pose.roll])
            {
                if let Some(t) = threshold
                    && angle.abs() > t as f32
                {
                    reasons.push(json!({"filter_name": name, "object_value": angle,
                                        "threshold_value": t}));
                }
            }
        }
        if let (Some(states), Some(liveness)) = (&self.liveness_states, attributes.liveness) {
            let state = liveness.prediction(self.liveness_thresholds()).code();
            if !states.contains(&state) {
                reasons.push(
                    json!({"filter_name": "liveness_states", "object_value": state,
                                    "threshold_value": states}),
                );
            }
        }
        reasons
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argus_engine::attributes::head_pose::HeadPose;
    use argus_engine::attributes::liveness::Liveness;

    fn parsed(value: Value) -> ApiResult<DetectEstimations> {
        let e: DetectEstimations =
            serde_json::from_value(value).map_err(|e| invalid("", &e.to_string()))?;
        e.check().map(|()| e)
    }

    #[test]
    fn ranges_are_checked() {
        assert!(parsed(json!({"yaw_threshold": 181})).is_err());
        assert!(parsed(json!({"estimate_emotions": 2})).is_err());
        assert!(parsed(json!({"liveness_states": [1]})).is_err());
        assert!(
            parsed(json!({"estimate_liveness": {"estimate": 1}, "liveness_states": [3]})).is_err()
        );
        assert!(
            parsed(json!({"estimate_liveness": {"estimate": 1, "liveness_threshold": 2}})).is_err()
        );
        let ok = parsed(json!({"estimate_liveness": {"estimate": 1}, "liveness_states": [1], "roll_threshold": 10}))
            .unwrap();
        assert_eq!(
            ok.wanted(),
            Wanted {
                head_pose: true,
                liveness: true,
                ..Wanted::default()
            }
        );
    }

    #[test]
    fn faces_outside_the_thresholds_are_filtered_with_reasons() {
        let policy = parsed(json!({"yaw_threshold": 20, "estimate_liveness": {"estimate": 1}, "liveness_states": [1]}))
            .unwrap();
        let mut face = FaceAttributes {
            head_pose: Some(HeadPose {
                pitch: 0.0,
                yaw: -25.0,
                roll: 0.0,
            }),
            liveness: Some(Liveness {
                probability: 0.5,
                quality: 1.0,
            }),
            ..FaceAttributes::default()
        };
        let reasons = policy.filter_reasons(&face);
        let names: Vec<&Value> = reasons.iter().map(|r| &r["filter_name"]).collect();
        assert_eq!(names, ["yaw_threshold", "liveness_states"]);
        face.head_pose = Some(HeadPose {
            pitch: 0.0,
            yaw: 19.0,
            roll: 0.0,
        });
        face.liveness = Some(Liveness {
            probability: 0.95,
            quality: 1.0,
        });
        assert!(policy.filter_reasons(&face).is_empty());
    }
}
