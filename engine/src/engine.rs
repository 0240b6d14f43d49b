//! The engine facade: loads the networks once and offers decode → detect → warp → extract to callers that hold it
//! in an `Arc`. Descriptor extraction goes through the dynamic batcher; detection runs on the caller's thread.
//! The descriptor batches (`descriptor_runs`) make the network's 150 px chips from the aligned samples: on the host
//! for ONNX Runtime, and on the device, a whole batch in one launch, for a network that takes its inputs there (Burn).

use crate::align::{SAMPLE_SIZE, warp};
use crate::attributes::{AttributeNets, FaceAttributes, Wanted};
use crate::batcher::{BatchLimits, Batcher};
use crate::descriptor::{DESCRIPTOR_VERSION, Descriptor};
use crate::descriptor_runs::{DescriptorRuns, SamplePool};
use crate::detect::{DetectOptions, Detection, Mtcnn};
use crate::error::{EngineError, Result};
use crate::image::{Image, decode};
use crate::jpeg::{JpegChoice, JpegDecoder, choose_jpeg_decoder};
use crate::runtime::{Backend, DeviceMemory, Network, Precision, device_memory};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How to build an engine.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Directory with the ONNX files of `make models`.
    pub models_dir: PathBuf,
    /// Where networks run.
    pub backend: Backend,
    /// What the descriptor network computes in (`Fp16` on the Burn backends only). Detection stays in fp32: in
    /// fp16, MTCNN's face probabilities above 0.9995 all round to 1.0, and non-maximum suppression, which keeps
    /// the most probable of overlapping boxes, then keeps an arbitrary one.
    pub precision: Precision,
    /// Where JPEGs are decoded.
    pub jpeg: JpegChoice,
    /// Images with more pixels are refused before decoding (decompression bombs).
    pub max_pixels: u64,
    /// Most faces in one descriptor-network run.
    pub max_batch: usize,
    /// Longest a face waits for others to fill a batch.
    pub max_wait: Duration,
    /// Threads each network may use.
    pub threads: usize,
}

impl EngineConfig {
    /// Defaults for a models directory: networks (in fp32) and JPEG decoding on the CPU, 40 megapixels, batches of up to
    /// 32 faces, 2 ms wait, all cores.
    pub fn new(models_dir: PathBuf) -> EngineConfig {
        EngineConfig {
            models_dir,
            backend: Backend::OrtCpu,
            precision: Precision::Fp32,
            jpeg: JpegChoice::Cpu,
            max_pixels: 40_000_000,
            max_batch: 32,
            max_wait: Duration::from_millis(2),
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

/// Loaded networks and their batchers.
pub struct Engine {
    config: EngineConfig,
    mtcnn: Mtcnn,
    /// The descriptor network's batcher, fed copies of the samples in buffers from `samples`.
    descriptor: Batcher<Vec<u8>>,
    samples: Arc<SamplePool>,
    attributes: AttributeNets,
    jpeg: JpegDecoder,
}

impl Engine {
    /// Loads the detection, descriptor and attribute networks (errors name the missing file), starts the
    /// batchers and chooses the JPEG decoder.
    pub fn open(config: EngineConfig) -> Result<Engine> {
        if config.max_batch == 0 {
            return Err(EngineError::BadOption {
                reason: "max_batch must be at least 1".into(),
            });
        }
        let load = |name: &'static str, file: &str, precision: Precision| {
            Network::load(
                config.backend,
                name,
                &config.models_dir.join(file),
                config.threads,
                precision,
            )
        };
        let mtcnn = Mtcnn {
            pnet: load("mtcnn_pnet", "mtcnn_pnet.onnx", Precision::Fp32)?,
            rnet: load("mtcnn_rnet", "mtcnn_rnet.onnx", Precision::Fp32)?,
            onet: load("mtcnn_onet", "mtcnn_onet.onnx", Precision::Fp32)?,
        };
        let net = load("dlib_resnet_v1", "dlib_resnet_v1.onnx", config.precision)?;
        let samples = Arc::new(SamplePool::default());
        let mut runs = DescriptorRuns::new(net, samples.clone());
        let limits = BatchLimits {
            max_batch: config.max_batch,
            max_wait: config.max_wait,
        };
        let descriptor =
            Batcher::start("descriptor", limits, Box::new(move |rows| runs.run(rows)))?;
        let attributes = AttributeNets::open(
            config.backend.for_attributes(),
            &config.models_dir,
            config.threads,
            limits,
        )?;
        let jpeg = choose_jpeg_decoder(config.jpeg)?;
        Ok(Engine {
            config,
            mtcnn,
            descriptor,
            samples,
            attributes,
            jpeg,
        })
    }

    /// The configuration the engine was opened with.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Decodes image bytes (JPEG, PNG, BMP, TIFF, WebP, PNM) into RGB, honouring EXIF orientation; JPEGs on
    /// the GPU when the JPEG decoder has one (`jpeg_decoder`).
    pub fn decode(&self, bytes: &[u8]) -> Result<Image> {
        self.jpeg.decode(bytes, self.config.max_pixels)
    }

    /// The JPEG decoder: its name, why it was chosen and how many JPEGs fell back to the CPU.
    pub fn jpeg_decoder(&self) -> &JpegDecoder {
        &self.jpeg
    }

    /// Detects faces, largest first.
    pub fn detect(&self, image: &Image, options: &DetectOptions) -> Result<Vec<Detection>> {
        self.mtcnn.detect(image, options)
    }

    /// The aligned face sample (`SAMPLE_SIZE` square) of a detection.
    pub fn warp(&self, image: &Image, detection: &Detection) -> Image {
        warp(image, &detection.landmarks5, SAMPLE_SIZE)
    }

    /// The model-free quality scores of a sample (`quality` module for the formulas).
    pub fn quality(&self, sample: &Image) -> crate::Quality {
        crate::quality::estimate(sample)
    }

    /// The bytes a sample is stored as: PNG, lossless, so a stored sample gives the same descriptor again.
    pub fn encode_sample(&self, sample: &Image) -> Vec<u8> {
        sample.to_png()
    }

    /// Reads a stored or uploaded sample; it must be a `SAMPLE_SIZE` square image.
    pub fn decode_sample(&self, bytes: &[u8]) -> Result<Image> {
        let image = decode(bytes, self.config.max_pixels).map_err(|e| EngineError::BadSample {
            reason: e.to_string(),
        })?;
        check_sample(&image)?;
        Ok(image)
    }

    /// Descriptors of aligned samples, in order, through the dynamic batcher.
    pub fn extract(&self, samples: &[Image]) -> Result<Vec<Descriptor>> {
        let mut rows = Vec::with_capacity(samples.len());
        for sample in samples {
            check_sample(sample)?;
            rows.push(self.samples.copy_of(sample.rgb()));
        }
        self.descriptor
            .run(rows)?
            .into_iter()
            .map(|raw| Descriptor::from_raw(DESCRIPTOR_VERSION, raw))
            .collect()
    }

    /// Estimates the wanted attributes of aligned samples, in order, through the attribute networks' batchers.
    /// A head pose is relative to its sample (see `align::rotation_degrees`).
    pub fn estimate(&self, samples: &[Image], wanted: Wanted) -> Result<Vec<FaceAttributes>> {
        for sample in samples {
            check_sample(sample)?;
        }
        let refs: Vec<&Image> = samples.iter().collect();
        self.attributes.estimate(&refs, wanted)
    }

    /// The memory of the device the networks run on, where the backend has a pool Argus can read (the Burn
    /// backends).
    pub fn device_memory(&self) -> Option<DeviceMemory> {
        device_memory(self.config.backend)
    }

    /// The descriptor version `extract` produces.
    pub fn descriptor_version(&self) -> u32 {
        DESCRIPTOR_VERSION
    }

    /// Runs the smallest detection there is, to show the networks load and run.
    pub fn health(&self) -> Result<()> {
        let blank = Image::from_rgb(24, 24, vec![0; 24 * 24 * 3])?;
        self.mtcnn
            .detect(&blank, &DetectOptions::default())
            .map(|_| ())
    }
}

fn check_sample(sample: &Image) -> Result<()> {
    if sample.width() != SAMPLE_SIZE || sample.height() != SAMPLE_SIZE {
        return Err(EngineError::BadSample {
            reason: format!(
                "a sample is {SAMPLE_SIZE}x{SAMPLE_SIZE}, this one is {}x{}",
                sample.width(),
                sample.height()
            ),
        });
    }
    Ok(())
}
