//! Choosing a GPU runtime at run time (CUDA when a driver is present, else wgpu, else a typed
//! error with the reasons) and the small read-back helpers the launchers share. CubeCL panics
//! when it cannot open a device; this module probes first and also catches such a panic, so no
//! panic reaches a caller.

use std::panic::{AssertUnwindSafe, PanicHookInfo, catch_unwind};
use std::sync::Arc;

use cubecl::cuda::{CudaDevice, CudaRuntime};
use cubecl::prelude::*;
use cubecl::server::Handle;
use cubecl::wgpu::{WgpuDevice, WgpuRuntime};

use crate::{KernelError, Result};

/// A CubeCL client on the runtime that was found.
pub enum GpuBackend {
    /// NVIDIA GPU through the CUDA driver (kernels compiled by NVRTC).
    Cuda(ComputeClient<CudaRuntime>),
    /// Any Vulkan/Metal/DX12 device through wgpu (lavapipe in CI).
    Wgpu(ComputeClient<WgpuRuntime>),
}

impl GpuBackend {
    /// "cuda" or "wgpu".
    pub fn name(&self) -> &'static str {
        match self {
            GpuBackend::Cuda(_) => "cuda",
            GpuBackend::Wgpu(_) => "wgpu",
        }
    }
}

/// CUDA when the driver library loads and a device opens, else wgpu; otherwise
/// [`KernelError::NoGpuRuntime`] with the reason for each runtime.
pub fn select_backend() -> Result<GpuBackend> {
    let cuda_reason = match cuda_client() {
        Ok(client) => return Ok(GpuBackend::Cuda(client)),
        Err(reason) => reason,
    };
    match wgpu_client() {
        Ok(client) => Ok(GpuBackend::Wgpu(client)),
        Err(reason) => Err(KernelError::NoGpuRuntime(format!(
            "cuda: {cuda_reason}; wgpu: {reason}"
        ))),
    }
}

/// Which GPU runtimes a caller accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GpuPreference {
    /// CUDA, else a hardware Vulkan/Metal/DX12 adapter through wgpu; never a software adapter
    /// (Mesa's lavapipe runs kernels correctly but slower than the CPU index).
    Auto,
    /// CUDA only.
    Cuda,
    /// wgpu's default adapter, software adapters included (what the CI tests use).
    Wgpu,
}

/// Opens the runtime `preference` allows; [`KernelError::NoGpuRuntime`] says why each candidate failed.
pub fn open_backend(preference: GpuPreference) -> Result<GpuBackend> {
    let none = |reasons: String| Err(KernelError::NoGpuRuntime(reasons));
    match preference {
        GpuPreference::Cuda => cuda_client().map(GpuBackend::Cuda).or_else(none),
        GpuPreference::Wgpu => wgpu_client().map(GpuBackend::Wgpu).or_else(none),
        GpuPreference::Auto => {
            let cuda_reason = match cuda_client() {
                Ok(client) => return Ok(GpuBackend::Cuda(client)),
                Err(reason) => reason,
            };
            match hardware_wgpu_client() {
                Ok(client) => Ok(GpuBackend::Wgpu(client)),
                Err(reason) => none(format!("cuda: {cuda_reason}; wgpu: {reason}")),
            }
        }
    }
}

/// A client on the first discrete, integrated or virtual GPU wgpu finds (not a software adapter).
pub fn hardware_wgpu_client() -> std::result::Result<ComputeClient<WgpuRuntime>, String> {
    let kinds = [
        WgpuDevice::DiscreteGpu(0),
        WgpuDevice::IntegratedGpu(0),
        WgpuDevice::VirtualGpu(0),
    ];
    let mut reasons = Vec::new();
    for device in kinds {
        let opened = quietly(|| catch_unwind(AssertUnwindSafe(|| WgpuRuntime::client(&device))));
        match opened {
            Ok(client) => return Ok(client),
            Err(panic) => reasons.push(format!("{device:?}: {}", panic_text(&panic))),
        }
    }
    Err(format!("no hardware adapter ({})", reasons.join("; ")))
}

/// Whether the CUDA driver library (`libcuda.so.1`) can be loaded on this machine.
pub fn cuda_driver_present() -> bool {
    // SAFETY: loading the driver library runs its initialisers only; it is unloaded right away.
    unsafe { libloading::Library::new("libcuda.so.1") }.is_ok()
}

/// Whether the CUDA headers CubeCL compiles kernels against exist (CubeCL panics at the first
/// kernel compile otherwise): `$CUDA_PATH/include`, else `/usr/local/cuda/include` or
/// `/opt/cuda/include`, the places CubeCL looks.
pub fn cuda_headers_present() -> bool {
    let root = match std::env::var_os("CUDA_PATH") {
        Some(path) => std::path::PathBuf::from(path),
        None => ["/usr/local/cuda", "/opt/cuda"]
            .iter()
            .map(std::path::PathBuf::from)
            .find(|path| path.exists())
            .unwrap_or_default(),
    };
    root.join("include").join("cuda.h").exists()
        || root.join("include").join("cuda_fp16.h").exists()
}

/// A client on CUDA device 0, or why there is none.
pub fn cuda_client() -> std::result::Result<ComputeClient<CudaRuntime>, String> {
    if !cuda_driver_present() {
        return Err("libcuda.so.1 not found (no NVIDIA driver)".to_string());
    }
    if !cuda_headers_present() {
        return Err(
            "CUDA headers not found: CubeCL's NVRTC step needs $CUDA_PATH/include (or \
             /usr/local/cuda); point CUDA_PATH at the nvidia-cuda-nvcc wheel's nvidia/cu13"
                .to_string(),
        );
    }
    quietly(|| {
        catch_unwind(AssertUnwindSafe(|| {
            CudaRuntime::client(&CudaDevice::new(0))
        }))
    })
    .map_err(|panic| format!("CUDA device 0 did not open: {}", panic_text(&panic)))
}

/// A client on the default wgpu adapter, or why there is none.
pub fn wgpu_client() -> std::result::Result<ComputeClient<WgpuRuntime>, String> {
    quietly(|| {
        catch_unwind(AssertUnwindSafe(|| {
            WgpuRuntime::client(&WgpuDevice::DefaultDevice)
        }))
    })
    .map_err(|panic| format!("no wgpu adapter: {}", panic_text(&panic)))
}

/// Runs a device probe without printing the panics it provokes: CubeCL panics on its device
/// threads (named `DSD-…`) and on the calling thread when a device does not open, and the
/// caller already turns that into a reason. Panics of other threads meanwhile are printed as usual.
fn quietly<T>(probe: impl FnOnce() -> T) -> T {
    type Hook = Arc<dyn Fn(&PanicHookInfo<'_>) + Send + Sync>;
    let previous: Hook = Arc::from(std::panic::take_hook());
    let forward = previous.clone();
    let prober = std::thread::current().id();
    std::panic::set_hook(Box::new(move |info| {
        let current = std::thread::current();
        let probing =
            current.id() == prober || current.name().is_some_and(|name| name.starts_with("DSD-"));
        if !probing {
            forward(info);
        }
    }));
    let out = probe();
    drop(std::panic::take_hook());
    std::panic::set_hook(Box::new(move |info| previous(info)));
    out
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// Fails with `BadInput` unless `len` is a multiple of a non-zero `dim`.
pub(crate) fn check_len(what: &str, len: usize, dim: usize) -> Result<()> {
    if dim == 0 || !len.is_multiple_of(dim) {
        return Err(KernelError::BadInput(format!(
            "{what} has {len} values, not a multiple of dimension {dim}"
        )));
    }
    Ok(())
}

fn read_bytes<R: Runtime>(
    client: &ComputeClient<R>,
    handle: Handle,
    kernel: &'static str,
) -> Result<Vec<u8>> {
    client
        .read_one(handle)
        .map(|bytes| bytes.to_vec())
        .map_err(|e| KernelError::Internal {
            kernel,
            detail: e.to_string(),
        })
}

/// Reads a whole f32 buffer back (waits for the kernels writing it).
pub(crate) fn read_f32<R: Runtime>(
    client: &ComputeClient<R>,
    handle: Handle,
    kernel: &'static str,
) -> Result<Vec<f32>> {
    let bytes = read_bytes(client, handle, kernel)?;
    Ok(bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect())
}

/// Reads a whole u32 buffer back.
pub(crate) fn read_u32<R: Runtime>(
    client: &ComputeClient<R>,
    handle: Handle,
    kernel: &'static str,
) -> Result<Vec<u32>> {
    let bytes = read_bytes(client, handle, kernel)?;
    Ok(bytes
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect())
}

/// Reads an f32 and a u32 buffer back in one round trip (one wait for the kernels writing them).
pub(crate) fn read_f32_u32<R: Runtime>(
    client: &ComputeClient<R>,
    floats: Handle,
    words: Handle,
    kernel: &'static str,
) -> Result<(Vec<f32>, Vec<u32>)> {
    let mut read =
        cubecl::reader::read_sync(client.read_async(vec![floats, words])).map_err(|e| {
            KernelError::Internal {
                kernel,
                detail: e.to_string(),
            }
        })?;
    let (Some(words), Some(floats)) = (read.pop(), read.pop()) else {
        return Err(KernelError::Internal {
            kernel,
            detail: "short read-back".to_string(),
        });
    };
    let floats = floats
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let words = words
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    Ok((floats, words))
}

/// Reads a whole i8 buffer back.
pub(crate) fn read_i8<R: Runtime>(
    client: &ComputeClient<R>,
    handle: Handle,
    kernel: &'static str,
) -> Result<Vec<i8>> {
    let bytes = read_bytes(client, handle, kernel)?;
    Ok(bytes.into_iter().map(|b| b as i8).collect())
}
