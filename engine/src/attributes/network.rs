//! The attribute networks as the engine runs them: each is an ONNX file converted from a TF.js graph (see
//! `models/README.md`), with one NHWC input of a fixed square side, and its outputs concatenated into one row per
//! face so that a dynamic batcher can carry them. Owns: the list of networks and the batch function.

use crate::batcher::{BatchFn, BatchLimits, Batcher};
use crate::error::Result;
use crate::runtime::{Backend, Network, Precision};
use ndarray::{ArrayD, Axis, IxDyn};
use std::path::Path;

/// One attribute network: its file, input size and the outputs it is read for.
pub struct NetSpec {
    /// Name in errors and metrics.
    pub name: &'static str,
    /// ONNX file in the models directory.
    pub file: &'static str,
    /// Side of the square input, in pixels.
    pub side: usize,
    /// Input channels: 3 (RGB) or 1 (grey).
    pub channels: usize,
    /// Output names and their lengths per face, in the order they are concatenated.
    pub outputs: &'static [(&'static str, usize)],
}

impl NetSpec {
    /// Length of one face's input row.
    pub fn input_len(&self) -> usize {
        self.side * self.side * self.channels
    }

    /// Length of one face's output row.
    pub fn output_len(&self) -> usize {
        self.outputs.iter().map(|(_, n)| n).sum()
    }
}

/// The 468-point face mesh (MediaPipe FaceMesh): 1404 coordinates and a face flag.
pub const FACEMESH: NetSpec = NetSpec {
    name: "facemesh",
    file: "facemesh.onnx",
    side: 192,
    channels: 3,
    outputs: &[("mesh", 1404), ("face_flag", 1)],
};
/// Seven-emotion classifier on a 64 px grey face.
pub const EMOTION: NetSpec = NetSpec {
    name: "emotion",
    file: "emotion.onnx",
    side: 64,
    channels: 1,
    outputs: &[("emotions", 7)],
};
/// Age and gender (HSE FaceRes).
pub const FACERES: NetSpec = NetSpec {
    name: "faceres",
    file: "faceres.onnx",
    side: 224,
    channels: 3,
    outputs: &[("gender", 1), ("age", 100)],
};
/// LivenessNet on a 32 px face.
pub const LIVENESS: NetSpec = NetSpec {
    name: "liveness",
    file: "liveness.onnx",
    side: 32,
    channels: 3,
    outputs: &[("live", 2)],
};

/// Loads the network of `spec` and starts a batcher in front of it.
pub fn start(
    spec: &'static NetSpec,
    backend: Backend,
    models_dir: &Path,
    threads: usize,
    limits: BatchLimits,
) -> Result<Batcher> {
    // The attribute networks run on ONNX Runtime (`Backend::for_attributes`), as their ONNX files are.
    let path = models_dir.join(spec.file);
    let net = Network::load(backend, spec.name, &path, threads, Precision::Fp32)?;
    let run: BatchFn = Box::new(move |rows| run_batch(spec, &net, &rows));
    Batcher::start(spec.name, limits, run)
}

fn run_batch(
    spec: &NetSpec,
    net: &Network,
    rows: &[Vec<f32>],
) -> std::result::Result<Vec<Vec<f32>>, String> {
    let mut flat = Vec::with_capacity(rows.len() * spec.input_len());
    for row in rows {
        if row.len() != spec.input_len() {
            return Err(format!(
                "{} takes rows of {} values, got {}",
                spec.name,
                spec.input_len(),
                row.len()
            ));
        }
        flat.extend_from_slice(row);
    }
    let shape = IxDyn(&[rows.len(), spec.side, spec.side, spec.channels]);
    let input = ArrayD::from_shape_vec(shape, flat).map_err(|e| e.to_string())?;
    let names: Vec<&str> = spec.outputs.iter().map(|(name, _)| *name).collect();
    let outputs = net.run(input.view(), &names).map_err(|e| e.to_string())?;
    let mut answers = vec![Vec::with_capacity(spec.output_len()); rows.len()];
    for (output, (name, len)) in outputs.iter().zip(spec.outputs) {
        if output.len() != rows.len() * len {
            return Err(format!(
                "{}: output {name} has shape {:?}, expected {len} values per face",
                spec.name,
                output.shape()
            ));
        }
        let per_face = output
            .to_shape((rows.len(), *len))
            .map_err(|e| e.to_string())?;
        for (answer, values) in answers.iter_mut().zip(per_face.axis_iter(Axis(0))) {
            answer.extend(values.iter().copied());
        }
    }
    Ok(answers)
}
