//! The descriptor network's batches: aligned samples in, raw descriptors out. Callers copy their samples into
//! buffers from a `SamplePool`; a run makes the network's 150 px chips (on the host into one reused input tensor for
//! ONNX Runtime, or on the device from one upload of the stacked samples for Burn) and gives the sample buffers back
//! to the pool. After warm-up a batch allocates no host buffer of its own that grows with its faces.
//! Owns: the sample pool, chip making, and the buffers the descriptor batches reuse.

use crate::align::SAMPLE_SIZE;
use crate::descriptor::DESCRIPTOR_LEN;
use crate::resample::{AreaScratch, area_resize_into};
use crate::runtime::{DeviceInput, Network};
use ndarray::{ArrayD, ArrayViewD, IxDyn};
use std::sync::{Arc, Mutex};

/// Side of the descriptor network's input chip.
const CHIP_SIZE: usize = 150;
/// Most idle sample buffers a pool keeps; a burst beyond it frees the rest.
const POOL_LIMIT: usize = 256;

/// Sample buffers that go from callers to the descriptor batches and back.
#[derive(Default)]
pub struct SamplePool {
    idle: Mutex<Vec<Vec<u8>>>,
}

impl SamplePool {
    /// A buffer holding a copy of `rgb`: an idle one when there is one, else a new one.
    pub fn copy_of(&self, rgb: &[u8]) -> Vec<u8> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let mut buffer = idle.unwrap_or_default();
        buffer.clear();
        buffer.extend_from_slice(rgb);
        buffer
    }

    /// Takes buffers back for later copies.
    fn give_back(&self, buffers: Vec<Vec<u8>>) {
        if let Ok(mut idle) = self.idle.lock() {
            let room = POOL_LIMIT.saturating_sub(idle.len());
            idle.extend(buffers.into_iter().take(room));
        }
    }
}

/// The descriptor network and the buffers its batches reuse.
pub struct DescriptorRuns {
    net: Network,
    pool: Arc<SamplePool>,
    /// Host chips: the batch's chips, planar RGB, one after another.
    chips: Vec<f32>,
    /// Host chips: one chip, interleaved, and the area resize's row pass.
    chip: Vec<f32>,
    scratch: AreaScratch,
    /// Device chips: the batch's samples stacked top to bottom, uploaded as one image.
    stacked: Vec<u8>,
}

impl DescriptorRuns {
    /// Runs of `net`, giving sample buffers back to `pool`.
    pub fn new(net: Network, pool: Arc<SamplePool>) -> DescriptorRuns {
        DescriptorRuns {
            net,
            pool,
            chips: Vec::new(),
            chip: Vec::new(),
            scratch: AreaScratch::default(),
            stacked: Vec::new(),
        }
    }

    /// Raw descriptors of aligned samples (`SAMPLE_SIZE` square RGB bytes each), in order.
    pub fn run(&mut self, samples: Vec<Vec<u8>>) -> std::result::Result<Vec<Vec<f32>>, String> {
        let count = samples.len();
        let sample_len = (SAMPLE_SIZE * SAMPLE_SIZE * 3) as usize;
        let out = if let Some(bad) = samples.iter().find(|s| s.len() != sample_len) {
            Err(format!(
                "a sample has {} bytes, not {sample_len}",
                bad.len()
            ))
        } else if self.net.on_device() {
            self.run_on_device(&samples)
        } else {
            self.run_on_host(&samples)
        };
        self.pool.give_back(samples);
        let out = out?;
        if out.shape() != [count, DESCRIPTOR_LEN] {
            return Err(format!("descriptor output has shape {:?}", out.shape()));
        }
        Ok(out
            .outer_iter()
            .map(|row| row.iter().copied().collect())
            .collect())
    }

    /// Chips made here, area-resized to 150 px, planar, raw 0..255 values, and run as one tensor.
    fn run_on_host(&mut self, samples: &[Vec<u8>]) -> std::result::Result<ArrayD<f32>, String> {
        let side = SAMPLE_SIZE as usize;
        let plane = CHIP_SIZE * CHIP_SIZE;
        self.chips.clear();
        for sample in samples {
            area_resize_into(
                sample.as_slice(),
                (side, side),
                (CHIP_SIZE, CHIP_SIZE),
                &mut self.scratch,
                &mut self.chip,
            );
            let start = self.chips.len();
            self.chips.resize(start + 3 * plane, 0.0);
            let planar = &mut self.chips[start..];
            for (i, px) in self.chip.chunks_exact(3).enumerate() {
                for (c, &value) in px.iter().enumerate() {
                    planar[c * plane + i] = value;
                }
            }
        }
        let shape = IxDyn(&[samples.len(), 3, CHIP_SIZE, CHIP_SIZE]);
        let input = ArrayViewD::from_shape(shape, &self.chips).map_err(|e| e.to_string())?;
        let out = self
            .net
            .run(input, &["descriptor"])
            .map_err(|e| e.to_string())?;
        out.into_iter()
            .next()
            .ok_or_else(|| "no descriptor output".to_string())
    }

    /// The samples go up as one image; the device makes the chips, the same values as the host's, in one launch.
    fn run_on_device(&mut self, samples: &[Vec<u8>]) -> std::result::Result<ArrayD<f32>, String> {
        let side = SAMPLE_SIZE as usize;
        self.stacked.clear();
        samples
            .iter()
            .for_each(|sample| self.stacked.extend_from_slice(sample));
        let frame = self
            .net
            .frame(&self.stacked, side, side * samples.len())
            .map_err(|e| e.to_string())?;
        let chips = frame.chips(CHIP_SIZE).map_err(|e| e.to_string())?;
        let input = DeviceInput {
            batch: &chips,
            offset: 0,
            shape: [samples.len(), 3, CHIP_SIZE, CHIP_SIZE],
        };
        let mut per_input = self
            .net
            .run_on_device(&[input], &["descriptor"])
            .map_err(|e| e.to_string())?;
        per_input
            .pop()
            .and_then(|mut outputs| outputs.pop())
            .ok_or_else(|| "no descriptor output".to_string())
    }
}
