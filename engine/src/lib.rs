//! Pixels → faces → descriptors and attributes. Decoding (JPEGs on an NVIDIA GPU through nvJPEG where it
//! loads), MTCNN detection, five-point alignment, descriptor extraction, face attributes (head pose, emotions,
//! age/gender, liveness), dynamic batching and model-free sample quality, with networks run through a `Backend`
//! (ONNX Runtime on the CPU, or through its CUDA or TensorRT provider where the loaded library has them; or, for
//! detection and descriptors, Burn on CubeCL's wgpu or CUDA runtime).
//! No HTTP and no database: callers hand in bytes and get back faces, samples and descriptors.
#![warn(missing_docs)]

pub mod align;
pub mod attributes;
pub mod batcher;
pub mod descriptor;
mod descriptor_runs;
pub mod detect;
pub mod engine;
pub mod error;
pub mod face_checks;
pub mod image;
pub mod jpeg;
pub mod nms;
pub mod nvjpeg;
pub mod quality;
pub mod resample;
pub mod runtime;

pub use align::{SAMPLE_SIZE, rotation_degrees, to_image};
pub use attributes::{FaceAttributes, Wanted};
pub use descriptor::{DESCRIPTOR_VERSION, Descriptor, similarity, similarity_to_score};
pub use detect::{DetectOptions, Detection, Point, Rect};
pub use engine::{Engine, EngineConfig};
pub use error::{EngineError, Result};
pub use image::Image;
pub use jpeg::{GpuJpeg, JpegChoice, JpegDecoder, choose_jpeg_decoder};
pub use quality::Quality;
pub use runtime::{Backend, BackendChoice, DeviceMemory, Precision, choose_backend};
