//! Network inputs made on the device of a Burn backend: an image uploaded once (`DeviceFrame`), the kernels crate's
//! pyramid and crop kernels run on it, and their outputs handed to the networks as Burn tensors over the same
//! buffers (`DeviceBatch`, `DeviceInput`), so that the input tensors never go through host memory. The kernels and
//! Burn share one CubeCL client per device: both ask CubeCL for the client of the same device, and CubeCL keeps one.
//! Owns: the device image, the device batches and their conversion to Burn tensors.

use super::Backend;
use crate::error::{EngineError, Result};
use argus_kernels::image::DeviceImage;
use argus_kernels::resize::{
    DeviceValues, MTCNN_INPUT, PyramidLevel, RAW, crop_resize_on_device, pyramid_on_device,
};
use burn::backend::cuda::CudaDevice;
use burn::backend::wgpu::{CubeBackend, CubeTensor, WgpuDevice, WgpuRuntime};
use burn::tensor::{DType, Shape, Tensor, TensorPrimitive};
use burn_cubecl::{BoolElement, CubeRuntime};
use cubecl::Runtime;
use cubecl::cuda::CudaRuntime;
use cubecl::prelude::ComputeClient;

/// The CubeCL client of a Burn backend's device.
#[derive(Clone)]
pub(super) enum Client {
    /// wgpu's default adapter.
    Wgpu(ComputeClient<WgpuRuntime>),
    /// CUDA device 0.
    Cuda(ComputeClient<CudaRuntime>),
}

impl Client {
    /// The client Burn uses for `device`.
    pub(super) fn wgpu(device: &WgpuDevice) -> Client {
        Client::Wgpu(WgpuRuntime::client(device))
    }

    /// The client Burn uses for `device`.
    pub(super) fn cuda(device: &CudaDevice) -> Client {
        Client::Cuda(CudaRuntime::client(device))
    }

    fn backend(&self) -> Backend {
        match self {
            Client::Wgpu(_) => Backend::BurnWgpu,
            Client::Cuda(_) => Backend::BurnCuda,
        }
    }
}

/// An RGB image in the device memory of the Burn backend the networks run on.
pub struct DeviceFrame {
    client: Client,
    image: DeviceImage,
}

/// f32 values in device memory made by a kernel for the networks of one Burn backend.
pub struct DeviceBatch {
    backend: Backend,
    values: DeviceValues,
}

/// One network input inside a `DeviceBatch`: `shape` (NCHW) values from `offset`.
pub struct DeviceInput<'a> {
    /// The batch holding the values.
    pub batch: &'a DeviceBatch,
    /// Where the input starts, in values.
    pub offset: usize,
    /// Its NCHW shape.
    pub shape: [usize; 4],
}

impl DeviceFrame {
    /// Uploads the `width x height` interleaved RGB bytes through `client`.
    pub(super) fn upload(
        client: Client,
        rgb: &[u8],
        width: usize,
        height: usize,
    ) -> Result<DeviceFrame> {
        let image = match &client {
            Client::Wgpu(c) => DeviceImage::upload(c, rgb, width, height),
            Client::Cuda(c) => DeviceImage::upload(c, rgb, width, height),
        }
        .map_err(kernel_failed)?;
        Ok(DeviceFrame { client, image })
    }

    /// Width of the image in pixels.
    pub fn width(&self) -> usize {
        self.image.width()
    }

    /// Height of the image in pixels.
    pub fn height(&self) -> usize {
        self.image.height()
    }

    /// Every level of P-Net's pyramid, normalised NCHW at the levels' offsets, in one launch (`None` for no
    /// levels).
    pub fn pyramid(&self, levels: &[PyramidLevel]) -> Result<Option<DeviceBatch>> {
        let values = match &self.client {
            Client::Wgpu(c) => pyramid_on_device(c, &self.image, levels),
            Client::Cuda(c) => pyramid_on_device(c, &self.image, levels),
        }
        .map_err(kernel_failed)?;
        Ok(values.map(|values| self.batch(values)))
    }

    /// The crops of `boxes` (x1, y1, x2, y2) resized to `size x size` and normalised as MTCNN's input, in one
    /// launch: the indices of the boxes with a non-empty crop and their `n x 3 x size x size` tensor (`None` when
    /// there are none).
    pub fn crops(
        &self,
        boxes: &[[f32; 4]],
        size: usize,
    ) -> Result<(Vec<usize>, Option<DeviceBatch>)> {
        let (kept, values) = match &self.client {
            Client::Wgpu(c) => crop_resize_on_device(c, &self.image, boxes, size, MTCNN_INPUT),
            Client::Cuda(c) => crop_resize_on_device(c, &self.image, boxes, size, MTCNN_INPUT),
        }
        .map_err(kernel_failed)?;
        Ok((kept, values.map(|values| self.batch(values))))
    }

    /// The descriptor network's chips of a frame that stacks square samples top to bottom (as wide as one sample,
    /// as high as all of them): each sample area-resized to `size x size` with its values as they are (0..=255),
    /// `samples x 3 x size x size` in one launch, the same values as the host's `resample::area_resize`.
    pub fn chips(&self, size: usize) -> Result<DeviceBatch> {
        let side = self.width();
        let samples = self.height().checked_div(side).unwrap_or(0);
        if samples == 0 || samples * side != self.height() {
            return Err(kernel_failed(argus_kernels::KernelError::BadInput(
                format!(
                    "a {}x{} frame is not a stack of square samples",
                    self.width(),
                    self.height()
                ),
            )));
        }
        // One box per sample, in the 1-based corner convention of `crop_rect`: its whole square.
        let boxes: Vec<[f32; 4]> = (0..samples)
            .map(|i| {
                let top = (i * side) as f32;
                [1.0, top + 1.0, side as f32, top + side as f32]
            })
            .collect();
        let (kept, values) = match &self.client {
            Client::Wgpu(c) => crop_resize_on_device(c, &self.image, &boxes, size, RAW),
            Client::Cuda(c) => crop_resize_on_device(c, &self.image, &boxes, size, RAW),
        }
        .map_err(kernel_failed)?;
        match values {
            Some(values) if kept.len() == samples => Ok(self.batch(values)),
            _ => Err(kernel_failed(argus_kernels::KernelError::BadInput(
                format!("{} of {samples} samples made a chip", kept.len()),
            ))),
        }
    }

    fn batch(&self, values: DeviceValues) -> DeviceBatch {
        DeviceBatch {
            backend: self.client.backend(),
            values,
        }
    }
}

impl DeviceInput<'_> {
    /// The input as a Burn tensor on `device` of runtime `R`, over the batch's buffer (Burn copies the slice only
    /// when its offset is not aligned for the device).
    pub(super) fn tensor<R: CubeRuntime, BT: BoolElement>(
        &self,
        backend: Backend,
        device: &R::Device,
    ) -> std::result::Result<Tensor<CubeBackend<R, f32, i32, BT>, 4>, String> {
        if self.batch.backend != backend {
            return Err(format!(
                "an input made on {} given to a network on {}",
                self.batch.backend.name(),
                backend.name()
            ));
        }
        let len = self.shape.iter().product::<usize>();
        let end = self
            .offset
            .checked_add(len)
            .filter(|end| *end <= self.batch.values.len);
        let Some(end) = end else {
            return Err(format!(
                "input {:?} at {} runs past the {} values of its batch",
                self.shape, self.offset, self.batch.values.len
            ));
        };
        let flat = CubeTensor::new_contiguous(
            R::client(device),
            device.clone(),
            Shape::new([self.batch.values.len]),
            self.batch.values.handle.clone(),
            DType::F32,
        );
        let flat =
            Tensor::<CubeBackend<R, f32, i32, BT>, 1>::from_primitive(TensorPrimitive::Float(flat));
        Ok(flat.slice(self.offset..end).reshape(self.shape))
    }
}

fn kernel_failed(error: argus_kernels::KernelError) -> EngineError {
    EngineError::Inference {
        model: "network input kernels",
        reason: error.to_string(),
    }
}
