//! Face descriptors: the L2-normalised output of the descriptor network, its version, its binary encoding,
//! cosine similarity and the calibrated similarity → score mapping.
//!
//! Binary layout (little-endian): bytes 0..4 the magic `ARGD`, 4..8 the version (u32), 8..12 the number of
//! values n (u32), then n × f32. `from_bytes` also accepts the bare n × f32 values of the current version.

use crate::error::{EngineError, Result};
use serde::Serialize;

/// The version of descriptors this build extracts: dlib's ResNet 128-d on MTCNN five-point alignment.
pub const DESCRIPTOR_VERSION: u32 = 1;
/// Length of a descriptor of `DESCRIPTOR_VERSION`.
pub const DESCRIPTOR_LEN: usize = 128;
const MAGIC: &[u8; 4] = b"ARGD";
const HEADER: usize = 12;

/// Cosine at which the score is 0.5: midway between the highest different-person cosine (0.848, obama2–biden)
/// and the lowest same-person cosine (0.951, obama2–obama3) measured on the test photos by
/// `engine/tests/it/extract_tests.rs` (`cargo test -p argus-engine --test engine extract_tests -- --nocapture` prints
/// them).
const SCORE_MIDPOINT: f32 = 0.90;
/// Steepness of the score curve: a cosine 0.05 above the midpoint scores ≈ 0.88, 0.05 below ≈ 0.12.
const SCORE_SLOPE: f32 = 40.0;

/// An L2-normalised face descriptor.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Descriptor {
    /// Which network and alignment produced it.
    pub version: u32,
    /// Unit-length values.
    pub values: Vec<f32>,
}

impl Descriptor {
    /// Normalises raw network output to unit length.
    pub fn from_raw(version: u32, mut values: Vec<f32>) -> Result<Descriptor> {
        let norm = values.iter().map(|v| v * v).sum::<f32>().sqrt();
        if !norm.is_finite() || norm == 0.0 {
            return Err(EngineError::BadDescriptor {
                reason: "zero or non-finite values".into(),
            });
        }
        values.iter_mut().for_each(|v| *v /= norm);
        Ok(Descriptor { version, values })
    }

    /// The binary encoding (see the module documentation).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER + self.values.len() * 4);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.version.to_le_bytes());
        out.extend_from_slice(&(self.values.len() as u32).to_le_bytes());
        for v in &self.values {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }

    /// Parses the binary encoding, or bare little-endian f32 values of the current version; normalises.
    pub fn from_bytes(bytes: &[u8]) -> Result<Descriptor> {
        let bad = |reason: String| EngineError::BadDescriptor { reason };
        let (version, body) = if bytes.len() >= HEADER && &bytes[..4] == MAGIC {
            let version = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
            let n = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize;
            let body = &bytes[HEADER..];
            if body.len() != n * 4 {
                return Err(bad(format!(
                    "header says {n} values, body has {} bytes",
                    body.len()
                )));
            }
            (version, body)
        } else if bytes.len() == DESCRIPTOR_LEN * 4 {
            (DESCRIPTOR_VERSION, bytes)
        } else {
            return Err(bad(format!(
                "{} bytes: neither an ARGD descriptor nor {} raw f32 values",
                bytes.len(),
                DESCRIPTOR_LEN
            )));
        };
        if version == DESCRIPTOR_VERSION && body.len() != DESCRIPTOR_LEN * 4 {
            return Err(bad(format!(
                "version {version} has {DESCRIPTOR_LEN} values"
            )));
        }
        let values = body
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        Descriptor::from_raw(version, values)
    }
}

/// Cosine similarity of two descriptors of the same version, in −1..1.
pub fn similarity(a: &Descriptor, b: &Descriptor) -> Result<f32> {
    if a.version != b.version || a.values.len() != b.values.len() {
        return Err(EngineError::BadDescriptor {
            reason: format!(
                "versions {} and {} cannot be compared",
                a.version, b.version
            ),
        });
    }
    Ok(a.values.iter().zip(&b.values).map(|(x, y)| x * y).sum())
}

/// Maps a cosine to the 0..1 similarity score the API reports: a logistic curve centred on the calibrated
/// same/different boundary, so 0.5 means "as likely the same person as not" on the calibration photos.
pub fn similarity_to_score(cosine: f32) -> f32 {
    1.0 / (1.0 + (-(cosine - SCORE_MIDPOINT) * SCORE_SLOPE).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_and_raw_values_are_accepted() {
        let d =
            Descriptor::from_raw(DESCRIPTOR_VERSION, (0..128).map(|i| i as f32).collect()).unwrap();
        assert_eq!(Descriptor::from_bytes(&d.to_bytes()).unwrap(), d);
        assert_eq!(Descriptor::from_bytes(&d.to_bytes()[HEADER..]).unwrap(), d);
    }

    #[test]
    fn malformed_bytes_are_errors() {
        assert!(Descriptor::from_bytes(&[]).is_err());
        assert!(Descriptor::from_bytes(b"ARGD\x01\0\0\0\x80\0\0\0").is_err());
        assert!(Descriptor::from_bytes(&[0u8; 512]).is_err());
    }

    #[test]
    fn score_is_monotonic_and_centred() {
        assert!((similarity_to_score(SCORE_MIDPOINT) - 0.5).abs() < 1e-6);
        assert!(similarity_to_score(0.95) > 0.8 && similarity_to_score(0.85) < 0.2);
        assert!(similarity_to_score(0.99) > similarity_to_score(0.98));
    }
}
