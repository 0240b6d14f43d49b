//! JPEG decoding on an NVIDIA GPU with nvJPEG, loaded at run time (`libnvjpeg.so.13` or `.12` with the CUDA
//! runtime of the same major version, from given directories or the library search path). Owns the bindings
//! to the few C functions it calls, the library handle and a pool of per-thread decoding states, each with its
//! stream and device output buffer. Every status is checked; failures are reasons, never panics.

use crate::image::Image;
use crate::jpeg::GpuJpeg;
use libloading::Library;
use std::ffi::{CStr, c_char, c_int, c_void};
use std::path::PathBuf;
use std::ptr::null_mut;
use std::sync::{Arc, Mutex, PoisonError};

/// `typedef enum { NVJPEG_STATUS_SUCCESS = 0, ... } nvjpegStatus_t;` (a C enum: an `int`).
type NvjpegStatus = c_int;
/// `typedef enum cudaError cudaError_t;` with `cudaSuccess = 0` (an `int`).
type CudaError = c_int;
/// `typedef struct nvjpegHandle* nvjpegHandle_t;` (opaque).
type NvjpegHandle = *mut c_void;
/// `typedef struct nvjpegJpegState* nvjpegJpegState_t;` (opaque).
type NvjpegJpegState = *mut c_void;
/// `typedef struct CUstream_st* cudaStream_t;` (opaque).
type CudaStream = *mut c_void;

/// `#define NVJPEG_MAX_COMPONENT 4`
const MAX_COMPONENT: usize = 4;
/// `NVJPEG_OUTPUT_RGBI = 5` of `nvjpegOutputFormat_t`: interleaved RGB written to `channel[0]`.
const OUTPUT_RGBI: c_int = 5;
/// `NVJPEG_CSS_UNKNOWN = -1` of `nvjpegChromaSubsampling_t`.
const CSS_UNKNOWN: c_int = -1;
/// `cudaMemcpyDeviceToHost = 2` of `enum cudaMemcpyKind`.
const MEMCPY_DEVICE_TO_HOST: c_int = 2;

/// ```c
/// typedef struct {
///     unsigned char * channel[NVJPEG_MAX_COMPONENT];
///     size_t    pitch[NVJPEG_MAX_COMPONENT];
/// } nvjpegImage_t;
/// ```
#[repr(C)]
struct NvjpegImage {
    channel: [*mut u8; MAX_COMPONENT],
    pitch: [usize; MAX_COMPONENT],
}

/// How to get the libraries, appended to a reason that names a missing one.
const INSTALL_HINT: &str = " (install the nvidia-nvjpeg-cu13 and nvidia-cuda-runtime wheels, or the CUDA toolkit, \
                            and list the directories with their libraries in ARGUS_NVJPEG_DIR)";

/// The C functions used, from the CUDA runtime and nvJPEG, with the libraries that hold them.
struct Api {
    /// `cudaError_t cudaGetDeviceCount(int *count);`
    get_device_count: unsafe extern "C" fn(*mut c_int) -> CudaError,
    /// `const char* cudaGetErrorString(cudaError_t error);`
    get_error_string: unsafe extern "C" fn(CudaError) -> *const c_char,
    /// `cudaError_t cudaMalloc(void **devPtr, size_t size);`
    malloc: unsafe extern "C" fn(*mut *mut c_void, usize) -> CudaError,
    /// `cudaError_t cudaFree(void *devPtr);`
    free: unsafe extern "C" fn(*mut c_void) -> CudaError,
    /// `cudaError_t cudaStreamCreate(cudaStream_t *pStream);`
    stream_create: unsafe extern "C" fn(*mut CudaStream) -> CudaError,
    /// `cudaError_t cudaStreamDestroy(cudaStream_t stream);`
    stream_destroy: unsafe extern "C" fn(CudaStream) -> CudaError,
    /// `cudaError_t cudaStreamSynchronize(cudaStream_t stream);`
    stream_synchronize: unsafe extern "C" fn(CudaStream) -> CudaError,
    /// `cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t count, enum cudaMemcpyKind kind,
    /// cudaStream_t stream);`
    memcpy_async:
        unsafe extern "C" fn(*mut c_void, *const c_void, usize, c_int, CudaStream) -> CudaError,
    /// `nvjpegStatus_t nvjpegCreateSimple(nvjpegHandle_t *handle);`
    create_simple: unsafe extern "C" fn(*mut NvjpegHandle) -> NvjpegStatus,
    /// `nvjpegStatus_t nvjpegDestroy(nvjpegHandle_t handle);`
    destroy: unsafe extern "C" fn(NvjpegHandle) -> NvjpegStatus,
    /// `nvjpegStatus_t nvjpegJpegStateCreate(nvjpegHandle_t handle, nvjpegJpegState_t *jpeg_handle);`
    state_create: unsafe extern "C" fn(NvjpegHandle, *mut NvjpegJpegState) -> NvjpegStatus,
    /// `nvjpegStatus_t nvjpegJpegStateDestroy(nvjpegJpegState_t jpeg_handle);`
    state_destroy: unsafe extern "C" fn(NvjpegJpegState) -> NvjpegStatus,
    /// `nvjpegStatus_t nvjpegGetImageInfo(nvjpegHandle_t handle, const unsigned char *data, size_t length,
    /// int *nComponents, nvjpegChromaSubsampling_t *subsampling, int *widths, int *heights);`
    /// (`widths` and `heights` point at `NVJPEG_MAX_COMPONENT` ints.)
    get_image_info: unsafe extern "C" fn(
        NvjpegHandle,
        *const u8,
        usize,
        *mut c_int,
        *mut c_int,
        *mut c_int,
        *mut c_int,
    ) -> NvjpegStatus,
    /// `nvjpegStatus_t nvjpegDecode(nvjpegHandle_t handle, nvjpegJpegState_t jpeg_handle,
    /// const unsigned char *data, size_t length, nvjpegOutputFormat_t output_format,
    /// nvjpegImage_t *destination, cudaStream_t stream);`
    decode: unsafe extern "C" fn(
        NvjpegHandle,
        NvjpegJpegState,
        *const u8,
        usize,
        c_int,
        *mut NvjpegImage,
        CudaStream,
    ) -> NvjpegStatus,
    /// The library files, for the health check.
    files: String,
    // Kept loaded while the function pointers above are in use; dropped last.
    _nvjpeg: Library,
    _cudart: Library,
}

impl Api {
    /// Loads the CUDA runtime and nvJPEG of one major version (13, else 12), each from the first of `dirs`
    /// that has it, else by name, and looks up every function.
    fn load(dirs: &[PathBuf]) -> Result<Api, String> {
        let mut failures = Vec::new();
        for major in [13, 12] {
            let cudart = match open_library(dirs, &format!("libcudart.so.{major}")) {
                Ok(library) => library,
                Err(why) => {
                    failures.push(why);
                    continue;
                }
            };
            // nvJPEG needs the runtime of its version: it finds the one loaded above by its soname.
            match open_library(dirs, &format!("libnvjpeg.so.{major}")) {
                Ok(nvjpeg) => return Api::bind(cudart, nvjpeg, major),
                Err(why) => failures.push(why),
            }
        }
        Err(format!("{}{INSTALL_HINT}", failures.join("; ")))
    }

    fn bind(cudart: Library, nvjpeg: Library, major: u32) -> Result<Api, String> {
        // SAFETY: each type below is the C prototype documented for that symbol (see the field comments), and
        // the libraries stay loaded in the returned `Api` for as long as the pointers are used.
        unsafe {
            Ok(Api {
                get_device_count: symbol(&cudart, "cudaGetDeviceCount")?,
                get_error_string: symbol(&cudart, "cudaGetErrorString")?,
                malloc: symbol(&cudart, "cudaMalloc")?,
                free: symbol(&cudart, "cudaFree")?,
                stream_create: symbol(&cudart, "cudaStreamCreate")?,
                stream_destroy: symbol(&cudart, "cudaStreamDestroy")?,
                stream_synchronize: symbol(&cudart, "cudaStreamSynchronize")?,
                memcpy_async: symbol(&cudart, "cudaMemcpyAsync")?,
                create_simple: symbol(&nvjpeg, "nvjpegCreateSimple")?,
                destroy: symbol(&nvjpeg, "nvjpegDestroy")?,
                state_create: symbol(&nvjpeg, "nvjpegJpegStateCreate")?,
                state_destroy: symbol(&nvjpeg, "nvjpegJpegStateDestroy")?,
                get_image_info: symbol(&nvjpeg, "nvjpegGetImageInfo")?,
                decode: symbol(&nvjpeg, "nvjpegDecode")?,
                files: format!("libnvjpeg.so.{major} with libcudart.so.{major}"),
                _nvjpeg: nvjpeg,
                _cudart: cudart,
            })
        }
    }

    /// `Ok` for `cudaSuccess`, else the runtime's message for the code.
    fn check_cuda(&self, code: CudaError, call: &str) -> Result<(), String> {
        if code == 0 {
            return Ok(());
        }
        // SAFETY: cudaGetErrorString takes any code and returns a static NUL-terminated string (or null).
        let text = unsafe { (self.get_error_string)(code) };
        let text = if text.is_null() {
            "unknown error".into()
        } else {
            // SAFETY: non-null, NUL-terminated and static, as documented.
            unsafe { CStr::from_ptr(text) }.to_string_lossy()
        };
        Err(format!("{call} failed: {text} (cudaError {code})"))
    }
}

/// `Ok` for `NVJPEG_STATUS_SUCCESS`, else the status's name.
fn check_nvjpeg(status: NvjpegStatus, call: &str) -> Result<(), String> {
    let name = match status {
        0 => return Ok(()),
        1 => "NOT_INITIALIZED",
        2 => "INVALID_PARAMETER",
        3 => "BAD_JPEG",
        4 => "JPEG_NOT_SUPPORTED",
        5 => "ALLOCATOR_FAILURE",
        6 => "EXECUTION_FAILED",
        7 => "ARCH_MISMATCH",
        8 => "INTERNAL_ERROR",
        9 => "IMPLEMENTATION_NOT_SUPPORTED",
        10 => "INCOMPLETE_BITSTREAM",
        _ => return Err(format!("{call} failed: nvjpeg status {status}")),
    };
    Err(format!("{call} failed: NVJPEG_STATUS_{name} ({status})"))
}

/// `name` from the first of `dirs` that has it, else through the library search path.
fn open_library(dirs: &[PathBuf], name: &str) -> Result<Library, String> {
    if let Some(path) = dirs
        .iter()
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
    {
        // SAFETY: loading runs the library's initialisers only; CUDA's libraries have no other load-time effect.
        return unsafe { Library::new(&path) }.map_err(|e| format!("{}: {e}", path.display()));
    }
    // SAFETY: as above.
    unsafe { Library::new(name) }.map_err(|e| {
        if dirs.is_empty() {
            e.to_string()
        } else {
            let dirs: Vec<String> = dirs.iter().map(|dir| dir.display().to_string()).collect();
            format!("{e} (and not in {})", dirs.join(", "))
        }
    })
}

/// The function `name` of `library`, copied out as a plain function pointer.
///
/// # Safety
/// `T` must be the symbol's C prototype, and `library` must stay loaded while the pointer is used.
unsafe fn symbol<T: Copy>(library: &Library, name: &str) -> Result<T, String> {
    // SAFETY: forwarded to the caller (see above).
    unsafe { library.get::<T>(name.as_bytes()) }
        .map(|symbol| *symbol)
        .map_err(|e| format!("{name}: {e}"))
}

/// nvJPEG on CUDA device 0 (the runtime's current device).
pub struct NvJpeg {
    api: Arc<Api>,
    handle: NvjpegHandle,
    devices: c_int,
    /// Decoding states not in use; a decode takes one (or makes one) and gives it back when it succeeded.
    idle: Mutex<Vec<Worker>>,
}

// SAFETY: nvJPEG documents the library handle as shareable between threads; the per-thread types (the decoding
// states) live in `Worker`s that only one thread uses at a time, and the function table is immutable.
unsafe impl Send for NvJpeg {}
// SAFETY: as for `Send`: `&NvJpeg` only reaches the thread-safe handle and the mutex-guarded pool.
unsafe impl Sync for NvJpeg {}

impl NvJpeg {
    /// Loads the libraries (looking in `dirs` first), checks for a CUDA device and creates the nvJPEG handle;
    /// the error says what was missing.
    pub fn open(dirs: &[PathBuf]) -> Result<NvJpeg, String> {
        let api = Arc::new(Api::load(dirs)?);
        let mut devices: c_int = 0;
        // SAFETY: the pointer is to a live local int.
        let counted = unsafe { (api.get_device_count)(&mut devices) };
        api.check_cuda(counted, "cudaGetDeviceCount")
            .map_err(|why| format!("no CUDA device (is the NVIDIA driver installed?): {why}"))?;
        if devices < 1 {
            return Err("no CUDA device".into());
        }
        let mut handle: NvjpegHandle = null_mut();
        // SAFETY: the pointer is to a live local handle, written on success.
        check_nvjpeg(
            unsafe { (api.create_simple)(&mut handle) },
            "nvjpegCreateSimple",
        )?;
        Ok(NvJpeg {
            api,
            handle,
            devices,
            idle: Mutex::new(Vec::new()),
        })
    }

    /// The directories listed in `ARGUS_NVJPEG_DIR` (separated like `PATH`), where `open` looks first.
    pub fn dirs_from_env() -> Vec<PathBuf> {
        std::env::var_os("ARGUS_NVJPEG_DIR")
            .map(|dirs| std::env::split_paths(&dirs).collect())
            .unwrap_or_default()
    }

    /// The libraries and devices found, for the decoder's reason.
    pub fn describe(&self) -> String {
        format!("{}, {} CUDA device(s)", self.api.files, self.devices)
    }

    /// Width and height of a 1- or 3-component JPEG from nvJPEG's reading of its header.
    fn size(&self, bytes: &[u8]) -> Result<(u32, u32), String> {
        let mut components: c_int = 0;
        let mut subsampling: c_int = CSS_UNKNOWN;
        let mut widths = [0 as c_int; MAX_COMPONENT];
        let mut heights = [0 as c_int; MAX_COMPONENT];
        // SAFETY: `bytes` is live for the call; the outputs are live locals, the arrays NVJPEG_MAX_COMPONENT
        // long as the function requires.
        let status = unsafe {
            (self.api.get_image_info)(
                self.handle,
                bytes.as_ptr(),
                bytes.len(),
                &mut components,
                &mut subsampling,
                widths.as_mut_ptr(),
                heights.as_mut_ptr(),
            )
        };
        check_nvjpeg(status, "nvjpegGetImageInfo")?;
        if components != 1 && components != 3 {
            return Err(format!("{components} components (nvjpeg decodes 1 or 3)"));
        }
        if subsampling == CSS_UNKNOWN {
            return Err("unknown chroma subsampling".into());
        }
        match (u32::try_from(widths[0]), u32::try_from(heights[0])) {
            (Ok(width), Ok(height)) if width > 0 && height > 0 => Ok((width, height)),
            _ => Err(format!("image size {}x{}", widths[0], heights[0])),
        }
    }

    /// An idle worker, or a new one.
    fn take_worker(&self) -> Result<Worker, String> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        match idle {
            Some(worker) => Ok(worker),
            None => Worker::new(self.api.clone(), self.handle),
        }
    }
}

impl GpuJpeg for NvJpeg {
    fn name(&self) -> &'static str {
        "nvjpeg"
    }

    fn decode(&self, bytes: &[u8], max_pixels: u64) -> Result<Image, String> {
        let (width, height) = self.size(bytes)?;
        if u64::from(width) * u64::from(height) > max_pixels {
            return Err(format!(
                "{width}x{height} exceeds the limit of {max_pixels} pixels"
            ));
        }
        let mut worker = self.take_worker()?;
        // A worker that failed is dropped (its state and buffer freed) rather than reused.
        let rgb = worker.decode(self.handle, bytes, width, height)?;
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(worker);
        Image::from_rgb(width, height, rgb).map_err(|e| e.to_string())
    }
}

impl Drop for NvJpeg {
    fn drop(&mut self) {
        // The states go before the handle they were made from.
        self.idle
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        // SAFETY: the handle came from nvjpegCreateSimple and every state made from it is gone (a worker in use
        // would hold `&self`). A failure to destroy cannot be acted on here.
        let _ = unsafe { (self.api.destroy)(self.handle) };
    }
}

/// One decoding state with its stream and device output buffer, used by one thread at a time.
struct Worker {
    api: Arc<Api>,
    state: NvjpegJpegState,
    stream: CudaStream,
    buffer: *mut c_void,
    capacity: usize,
}

// SAFETY: a decoding state, stream and device allocation are not tied to the thread that made them (the CUDA
// runtime shares the device's primary context between threads); nvJPEG only asks that a state not be used by
// two threads at once, which the pool ensures.
unsafe impl Send for Worker {}

impl Worker {
    fn new(api: Arc<Api>, handle: NvjpegHandle) -> Result<Worker, String> {
        let mut worker = Worker {
            api,
            state: null_mut(),
            stream: null_mut(),
            buffer: null_mut(),
            capacity: 0,
        };
        // SAFETY: `handle` is live; the state pointer is a field written on success (freed by Drop).
        let status = unsafe { (worker.api.state_create)(handle, &mut worker.state) };
        check_nvjpeg(status, "nvjpegJpegStateCreate")?;
        // SAFETY: the stream pointer is a field written on success (destroyed by Drop).
        let created = unsafe { (worker.api.stream_create)(&mut worker.stream) };
        worker.api.check_cuda(created, "cudaStreamCreate")?;
        Ok(worker)
    }

    /// A device buffer of at least `size` bytes (the old one freed when it is too small).
    fn reserve(&mut self, size: usize) -> Result<(), String> {
        if size <= self.capacity {
            return Ok(());
        }
        self.release_buffer();
        // SAFETY: the pointer is a field written on success; its size is recorded with it.
        let allocated = unsafe { (self.api.malloc)(&mut self.buffer, size) };
        self.api.check_cuda(allocated, "cudaMalloc")?;
        self.capacity = size;
        Ok(())
    }

    fn release_buffer(&mut self) {
        if !self.buffer.is_null() {
            // SAFETY: the buffer came from cudaMalloc and no work on it is pending (every decode synchronises
            // its stream, and Drop synchronises before releasing). A failure to free cannot be acted on.
            let _ = unsafe { (self.api.free)(self.buffer) };
        }
        self.buffer = null_mut();
        self.capacity = 0;
    }

    /// Interleaved RGB of a `width` x `height` JPEG.
    fn decode(
        &mut self,
        handle: NvjpegHandle,
        bytes: &[u8],
        width: u32,
        height: u32,
    ) -> Result<Vec<u8>, String> {
        let row = width as usize * 3;
        let size = row
            .checked_mul(height as usize)
            .ok_or("image too large to address")?;
        self.reserve(size)?;
        let mut destination = NvjpegImage {
            channel: [null_mut(); MAX_COMPONENT],
            pitch: [0; MAX_COMPONENT],
        };
        destination.channel[0] = self.buffer.cast();
        destination.pitch[0] = row;
        // SAFETY: handle and state are live and this state is used by this thread only; `bytes` is live for the
        // call; channel[0] points at `size` = pitch * height device bytes, which RGBI output needs.
        let status = unsafe {
            (self.api.decode)(
                handle,
                self.state,
                bytes.as_ptr(),
                bytes.len(),
                OUTPUT_RGBI,
                &mut destination,
                self.stream,
            )
        };
        check_nvjpeg(status, "nvjpegDecode")?;
        let mut rgb = vec![0u8; size];
        // SAFETY: `rgb` has `size` bytes and outlives the copy (the stream is synchronised below before
        // anything else happens to it); the device buffer has at least `size` bytes.
        let copied = unsafe {
            (self.api.memcpy_async)(
                rgb.as_mut_ptr().cast(),
                self.buffer,
                size,
                MEMCPY_DEVICE_TO_HOST,
                self.stream,
            )
        };
        // SAFETY: the stream is live.
        let synchronised = unsafe { (self.api.stream_synchronize)(self.stream) };
        self.api.check_cuda(copied, "cudaMemcpyAsync")?;
        self.api.check_cuda(synchronised, "cudaStreamSynchronize")?;
        Ok(rgb)
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if !self.stream.is_null() {
            // SAFETY: the stream is live; waiting for it lets the buffer and state go with no work pending.
            let _ = unsafe { (self.api.stream_synchronize)(self.stream) };
        }
        self.release_buffer();
        if !self.stream.is_null() {
            // SAFETY: the stream came from cudaStreamCreate and is idle.
            let _ = unsafe { (self.api.stream_destroy)(self.stream) };
        }
        if !self.state.is_null() {
            // SAFETY: the state came from nvjpegJpegStateCreate and is used by no one else.
            let _ = unsafe { (self.api.state_destroy)(self.state) };
        }
    }
}
