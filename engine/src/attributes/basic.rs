//! Age and gender (the API's `basic_attributes`) from the HSE FaceRes network: a 100-bin age distribution (one
//! bin per year, 0..99) and a male probability.
//!
//! Age is the distribution's expectation, Σ i·pᵢ, in years. Gender is the network's sigmoid output, 1 = male and
//! 0 = female, as the API's `gender` estimation. No ethnicity model exists in this build, so no ethnicity is given.

use serde::Serialize;

/// Age bins of the network.
pub const AGE_BINS: usize = 100;

/// One face's (or one person's aggregated) basic attributes.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct BasicAttributes {
    /// Years, 0..99.
    pub age: f32,
    /// Probability of male, 0..1.
    pub gender: f32,
}

impl BasicAttributes {
    /// The gender code of stored events: 1 male, 0 female.
    pub fn gender_code(&self) -> u8 {
        u8::from(self.gender >= 0.5)
    }
}

/// Reads the network's outputs: the male probability, then the age distribution.
pub fn from_output(gender: f32, age: &[f32]) -> Option<BasicAttributes> {
    if age.len() != AGE_BINS || !gender.is_finite() || age.iter().any(|p| !p.is_finite()) {
        return None;
    }
    let total: f32 = age.iter().sum();
    if total <= 0.0 {
        return None;
    }
    let years = age
        .iter()
        .enumerate()
        .map(|(i, p)| i as f32 * p)
        .sum::<f32>()
        / total;
    Some(BasicAttributes {
        age: years,
        gender: gender.clamp(0.0, 1.0),
    })
}

/// The mean over several samples of one person.
pub fn mean(all: &[BasicAttributes]) -> Option<BasicAttributes> {
    if all.is_empty() {
        return None;
    }
    let n = all.len() as f32;
    Some(BasicAttributes {
        age: all.iter().map(|a| a.age).sum::<f32>() / n,
        gender: all.iter().map(|a| a.gender).sum::<f32>() / n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_is_the_expectation_of_the_bins() {
        let mut bins = vec![0.0; AGE_BINS];
        bins[30] = 0.5;
        bins[40] = 0.5;
        let a = from_output(0.9, &bins).unwrap();
        assert!((a.age - 35.0).abs() < 1e-4);
        assert_eq!(a.gender_code(), 1);
        assert!(from_output(0.5, &bins[..99]).is_none());
        let m = mean(&[
            a,
            BasicAttributes {
                age: 45.0,
                gender: 0.05,
            },
        ])
        .unwrap();
        assert!((m.age - 40.0).abs() < 1e-4 && m.gender_code() == 0);
    }
}
