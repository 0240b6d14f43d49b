//! One-shot liveness from a single face: a presentation-attack network and a model-free quality gate.
//!
//! - `probability`: LivenessNet's "live" class (its first softmax output), 0..1; high means a live person in front
//!   of the camera rather than a photo or a screen. Its scores crowd near 1: on the test photos real faces gave
//!   0.82–0.9993 and simulated replays of them 0.93–0.98, so the API's default threshold of 0.88 calls most replays
//!   real; raise `liveness_threshold` (e.g. to 0.99) where spoofs matter more than false alarms.
//! - `quality`: the lowest of the sample's five model-free quality scores (`quality` module): a blurred, dark,
//!   overexposed, unevenly lit or glaring face cannot be judged.
//! - `prediction`: `unknown` when quality < `quality_threshold`, else `real` when probability ≥
//!   `liveness_threshold`, else `spoof` (the API's rule).

use crate::quality::Quality;
use serde::Serialize;

/// The API's default `liveness_threshold`.
pub const DEFAULT_LIVENESS_THRESHOLD: f32 = 0.88;

/// The API's three liveness states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Prediction {
    /// A presentation attack.
    Spoof,
    /// A live person.
    Real,
    /// The sample is too poor to say.
    Unknown,
}

impl Prediction {
    /// The API's word for the state.
    pub fn name(self) -> &'static str {
        match self {
            Prediction::Spoof => "spoof",
            Prediction::Real => "real",
            Prediction::Unknown => "unknown",
        }
    }

    /// The state's code in stored events and filters: 0 spoof, 1 real, 2 unknown.
    pub fn code(self) -> u8 {
        match self {
            Prediction::Spoof => 0,
            Prediction::Real => 1,
            Prediction::Unknown => 2,
        }
    }
}

/// Thresholds of a liveness decision.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LivenessThresholds {
    /// Real when the probability is at least this.
    pub liveness: f32,
    /// Unknown when the quality is below this.
    pub quality: f32,
}

impl Default for LivenessThresholds {
    fn default() -> LivenessThresholds {
        LivenessThresholds {
            liveness: DEFAULT_LIVENESS_THRESHOLD,
            quality: 0.0,
        }
    }
}

/// One face's liveness scores.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Liveness {
    /// 0..1, high = live.
    pub probability: f32,
    /// 0..1, high = good enough to judge.
    pub quality: f32,
}

impl Liveness {
    /// The state under these thresholds.
    pub fn prediction(&self, thresholds: LivenessThresholds) -> Prediction {
        if self.quality < thresholds.quality {
            Prediction::Unknown
        } else if self.probability >= thresholds.liveness {
            Prediction::Real
        } else {
            Prediction::Spoof
        }
    }
}

/// Combines the network's "live" class with the sample's quality.
pub fn from_output(live: f32, quality: &Quality) -> Option<Liveness> {
    if !live.is_finite() {
        return None;
    }
    let lowest = [
        quality.blurriness,
        quality.dark,
        quality.light,
        quality.illumination,
        quality.specularity,
    ]
    .into_iter()
    .fold(1.0f32, f32::min);
    Some(Liveness {
        probability: live.clamp(0.0, 1.0),
        quality: lowest,
    })
}

/// The mean over several images of one person (`aggregate`).
pub fn mean(all: &[Liveness]) -> Option<Liveness> {
    if all.is_empty() {
        return None;
    }
    let n = all.len() as f32;
    Some(Liveness {
        probability: all.iter().map(|l| l.probability).sum::<f32>() / n,
        quality: all.iter().map(|l| l.quality).sum::<f32>() / n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prediction_follows_the_thresholds() {
        let good = Quality {
            blurriness: 0.9,
            dark: 1.0,
            light: 1.0,
            illumination: 0.95,
            specularity: 1.0,
        };
        let l = from_output(0.97, &good).unwrap();
        assert!((l.quality - 0.9).abs() < 1e-6);
        assert_eq!(
            l.prediction(LivenessThresholds::default()),
            Prediction::Real
        );
        let strict = LivenessThresholds {
            liveness: 0.99,
            quality: 0.0,
        };
        assert_eq!(l.prediction(strict), Prediction::Spoof);
        let picky = LivenessThresholds {
            liveness: 0.5,
            quality: 0.95,
        };
        assert_eq!(l.prediction(picky), Prediction::Unknown);
        assert_eq!(Prediction::Unknown.code(), 2);
    }
}
