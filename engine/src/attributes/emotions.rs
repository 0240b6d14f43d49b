//! Emotions from the seven-class network (FER-2013 classes), in the API's words: a probability per emotion and
//! the predominant one.

use serde::Serialize;

/// The API's emotion names, in the network's output order (angry, disgust, fear, happy, sad, surprise, neutral).
const NAMES: [&str; 7] = [
    "anger",
    "disgust",
    "fear",
    "happiness",
    "sadness",
    "surprise",
    "neutral",
];

/// The event codes of the emotions in `NAMES` order: anger 1, disgust 2, fear 3, happiness 4, neutral 5,
/// sadness 6, surprise 7.
const EVENT_CODES: [u8; 7] = [1, 2, 3, 4, 6, 7, 5];

/// One face's emotions.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Emotions {
    /// (name, probability) for the seven emotions; the probabilities sum to 1.
    pub estimations: Vec<(&'static str, f32)>,
    /// The emotion with the highest probability.
    pub predominant: &'static str,
    /// The predominant emotion's code in stored events.
    pub event_code: u8,
}

impl Emotions {
    /// The probability of happiness.
    pub fn happiness(&self) -> f32 {
        self.estimations
            .iter()
            .find(|(name, _)| *name == "happiness")
            .map_or(0.0, |(_, p)| *p)
    }
}

/// Reads the network's seven softmax outputs; `None` unless there are exactly seven finite values.
pub fn from_output(probabilities: &[f32]) -> Option<Emotions> {
    if probabilities.len() != NAMES.len() || probabilities.iter().any(|p| !p.is_finite()) {
        return None;
    }
    let best = (0..NAMES.len()).max_by(|&a, &b| probabilities[a].total_cmp(&probabilities[b]))?;
    Some(Emotions {
        estimations: NAMES
            .iter()
            .copied()
            .zip(probabilities.iter().copied())
            .collect(),
        predominant: NAMES[best],
        event_code: EVENT_CODES[best],
    })
}

/// The mean of several faces' emotions (aggregation over samples of one person).
pub fn mean(all: &[Emotions]) -> Option<Emotions> {
    let first = all.first()?;
    let mut sums = vec![0f32; first.estimations.len()];
    for emotions in all {
        for (sum, (_, p)) in sums.iter_mut().zip(&emotions.estimations) {
            *sum += p;
        }
    }
    sums.iter_mut().for_each(|s| *s /= all.len() as f32);
    from_output(&sums)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predominant_is_the_largest_and_codes_follow_the_event_table() {
        let e = from_output(&[0.05, 0.0, 0.05, 0.1, 0.1, 0.1, 0.6]).unwrap();
        assert_eq!((e.predominant, e.event_code), ("neutral", 5));
        let happy = from_output(&[0.0, 0.0, 0.0, 0.9, 0.1, 0.0, 0.0]).unwrap();
        assert_eq!((happy.predominant, happy.event_code), ("happiness", 4));
        assert_eq!(happy.happiness(), 0.9);
        assert_eq!(mean(&[e, happy]).unwrap().predominant, "happiness");
        assert!(from_output(&[0.5; 6]).is_none());
    }
}
