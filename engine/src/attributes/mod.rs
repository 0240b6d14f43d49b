//! Face attributes estimated from an aligned face sample: head pose, 68 landmarks, eye and mouth states (from a
//! face mesh; the smile also from the emotion network), emotions, age and gender, and one-shot liveness. Each
//! network runs behind its own dynamic batcher, so concurrent requests share runs.
//! Owns: which networks a request needs, running them over a set of samples and reading their outputs.
//! The formulas are in each submodule; the networks and their sources are in `models/README.md`.

pub mod basic;
pub mod emotions;
pub mod eyes;
pub mod head_pose;
pub mod input;
pub mod landmarks68;
pub mod liveness;
pub mod mouth;
pub mod network;

use crate::align::SAMPLE_SIZE;
use crate::batcher::{BatchLimits, Batcher};
use crate::detect::Point;
use crate::error::{EngineError, Result};
use crate::image::Image;
use crate::quality;
use crate::runtime::Backend;
use basic::BasicAttributes;
use emotions::Emotions;
use head_pose::HeadPose;
use liveness::Liveness;
use network::NetSpec;
use std::path::Path;

/// Which attributes to estimate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Wanted {
    /// Yaw, pitch, roll.
    pub head_pose: bool,
    /// 68 landmarks.
    pub landmarks68: bool,
    /// Eye states.
    pub eyes: bool,
    /// Mouth opening and smile.
    pub mouth: bool,
    /// The seven emotions.
    pub emotions: bool,
    /// Age and gender.
    pub basic_attributes: bool,
    /// One-shot liveness.
    pub liveness: bool,
}

impl Wanted {
    /// True if anything is asked for.
    pub fn any(&self) -> bool {
        self.head_pose
            || self.landmarks68
            || self.eyes
            || self.mouth
            || self.emotions
            || self.basic_attributes
            || self.liveness
    }
}

/// What was estimated for one face; a field is `Some` exactly when it was asked for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaceAttributes {
    /// Relative to the sample: add the warp's rotation to the roll for the pose in the source image.
    pub head_pose: Option<HeadPose>,
    /// In pixels of the sample: `align::to_image` puts them in the source image.
    pub landmarks68: Option<Vec<Point>>,
    /// Eye states, eyelids in pixels of the sample.
    pub eyes: Option<eyes::Eyes>,
    /// Mouth opening and smile.
    pub mouth: Option<mouth::Mouth>,
    /// Emotions.
    pub emotions: Option<Emotions>,
    /// Age and gender.
    pub basic_attributes: Option<BasicAttributes>,
    /// Liveness scores.
    pub liveness: Option<Liveness>,
}

/// The four attribute networks, each behind a batcher.
pub struct AttributeNets {
    facemesh: Batcher,
    emotion: Batcher,
    faceres: Batcher,
    liveness: Batcher,
}

impl AttributeNets {
    /// Loads the networks from `models_dir` (errors name the missing file) and starts their batchers.
    pub fn open(
        backend: Backend,
        models_dir: &Path,
        threads: usize,
        limits: BatchLimits,
    ) -> Result<AttributeNets> {
        let start = |spec| network::start(spec, backend, models_dir, threads, limits);
        Ok(AttributeNets {
            facemesh: start(&network::FACEMESH)?,
            emotion: start(&network::EMOTION)?,
            faceres: start(&network::FACERES)?,
            liveness: start(&network::LIVENESS)?,
        })
    }

    /// Estimates what is wanted for each sample, in order.
    pub fn estimate(&self, samples: &[&Image], wanted: Wanted) -> Result<Vec<FaceAttributes>> {
        let mut out = vec![FaceAttributes::default(); samples.len()];
        if samples.is_empty() || !wanted.any() {
            return Ok(out);
        }
        let landmarks = if wanted.head_pose || wanted.landmarks68 || wanted.eyes || wanted.mouth {
            self.mesh_attributes(samples, wanted, &mut out)?
        } else {
            Vec::new()
        };
        if wanted.emotions || wanted.mouth {
            self.emotion_attributes(samples, wanted, &landmarks, &mut out)?;
        }
        if wanted.basic_attributes {
            let rows = run(&self.faceres, &network::FACERES, samples, |s| {
                input::rgb_row(s, network::FACERES.side, 1.0)
            })?;
            for (face, row) in out.iter_mut().zip(&rows) {
                face.basic_attributes = Some(
                    basic::from_output(row[0], &row[1..])
                        .ok_or_else(|| bad_output("faceres", "non-finite values".into()))?,
                );
            }
        }
        if wanted.liveness {
            let live = run(&self.liveness, &network::LIVENESS, samples, |s| {
                input::rgb_row(s, network::LIVENESS.side, 1.0 / 255.0)
            })?;
            for (i, face) in out.iter_mut().enumerate() {
                let quality = quality::estimate(samples[i]);
                face.liveness = Some(
                    liveness::from_output(live[i][0], &quality)
                        .ok_or_else(|| bad_output("liveness", "non-finite values".into()))?,
                );
            }
        }
        Ok(out)
    }

    /// Head pose, landmarks and eyes from the face mesh; returns every face's 68 landmarks (the mouth needs them).
    fn mesh_attributes(
        &self,
        samples: &[&Image],
        wanted: Wanted,
        out: &mut [FaceAttributes],
    ) -> Result<Vec<Vec<Point>>> {
        let side = network::FACEMESH.side;
        let rows = run(&self.facemesh, &network::FACEMESH, samples, |s| {
            input::rgb_row(s, side, 1.0 / 255.0)
        })?;
        let mut landmarks = Vec::with_capacity(rows.len());
        for (face, row) in out.iter_mut().zip(&rows) {
            let degenerate = || bad_output("facemesh", "a degenerate mesh".into());
            if wanted.head_pose {
                face.head_pose = Some(head_pose::from_mesh(row).ok_or_else(degenerate)?);
            }
            let points = landmarks68::from_mesh(row, side, SAMPLE_SIZE).ok_or_else(degenerate)?;
            if wanted.eyes {
                face.eyes = Some(eyes::from_landmarks68(&points).ok_or_else(degenerate)?);
            }
            if wanted.landmarks68 {
                face.landmarks68 = Some(points.clone());
            }
            landmarks.push(points);
        }
        Ok(landmarks)
    }

    /// Emotions, and the mouth from each face's `landmarks` and its happiness probability.
    fn emotion_attributes(
        &self,
        samples: &[&Image],
        wanted: Wanted,
        landmarks: &[Vec<Point>],
        out: &mut [FaceAttributes],
    ) -> Result<()> {
        let rows = run(&self.emotion, &network::EMOTION, samples, |s| {
            input::grey_row(s, network::EMOTION.side)
        })?;
        for (i, (face, row)) in out.iter_mut().zip(&rows).enumerate() {
            let read = emotions::from_output(row)
                .ok_or_else(|| bad_output("emotion", format!("{row:?}")))?;
            if wanted.mouth {
                let points = landmarks.get(i).map_or(&[][..], Vec::as_slice);
                face.mouth = Some(
                    mouth::from_landmarks68(points, read.happiness())
                        .ok_or_else(|| bad_output("facemesh", "a degenerate mouth".into()))?,
                );
            }
            if wanted.emotions {
                face.emotions = Some(read);
            }
        }
        Ok(())
    }
}

/// Runs one network over all samples; checks each answer's length.
fn run(
    batcher: &Batcher,
    spec: &NetSpec,
    samples: &[&Image],
    row: impl Fn(&Image) -> Vec<f32>,
) -> Result<Vec<Vec<f32>>> {
    let rows = batcher.run(samples.iter().map(|s| row(s)).collect())?;
    if let Some(bad) = rows.iter().find(|r| r.len() != spec.output_len()) {
        return Err(bad_output(
            spec.name,
            format!("{} values, expected {}", bad.len(), spec.output_len()),
        ));
    }
    Ok(rows)
}

fn bad_output(model: &'static str, reason: String) -> EngineError {
    EngineError::Inference {
        model,
        reason: format!("unexpected output: {reason}"),
    }
}
