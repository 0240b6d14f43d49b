//! After warm-up, descriptor batches allocate no host buffer that grows with their faces, and the device memory of
//! a Burn backend stops growing. A counting allocator watches every host allocation of this test binary (it holds
//! one test, so no other test's allocations mix in); allocations of at least `LARGE` bytes are the ones that scale
//! with images and tensors. On wgpu (lavapipe in CI) without a Vulkan driver the Burn half prints SKIPPED, or fails
//! when `ARGUS_REQUIRE_GPU_TESTS` is set.

use argus_engine::{Backend, DetectOptions, Engine, EngineConfig, Image};
use std::alloc::{GlobalAlloc, Layout, System};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use vulkan::vulkan_present;

#[path = "it/vulkan.rs"]
mod vulkan;

/// Allocations at least this large scale with images and tensors (a sample is 187,500 bytes, a chip 270,000); the
/// smaller ones are bookkeeping (queues, replies, a descriptor's 128 values).
const LARGE: usize = 16 * 1024;
/// Faces per batch.
const FACES: usize = 4;
/// Batches measured after warm-up.
const BATCHES: usize = 10;
/// What CubeCL 0.10 allocates itself for one upload from the host: `create_from_slice` copies the bytes twice
/// before the runtime writes them, and wgpu stages them once more. The Burn path uploads one stacked image per batch.
const CUBECL_UPLOAD_COPIES: usize = 3;

struct Counting;

static LARGE_ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

fn count(size: usize) {
    if size >= LARGE {
        LARGE_ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: every call goes to the system allocator unchanged; counting touches one atomic.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            count(new_size);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn cache_dir(var: &str, leaf: &str) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
        let home = std::env::var_os("HOME").expect("HOME is set");
        PathBuf::from(home).join(".cache/argus").join(leaf)
    })
}

fn engine_on(backend: Backend) -> Engine {
    let models = cache_dir("ARGUS_MODELS_DIR", "models");
    assert!(
        models.join("manifest.json").is_file(),
        "no models in {}: run `make models`",
        models.display()
    );
    let mut config = EngineConfig::new(models);
    config.backend = backend;
    Engine::open(config).unwrap_or_else(|e| panic!("{}: {e}", backend.name()))
}

/// The aligned samples of four test photos' faces.
fn samples(engine: &Engine) -> Vec<Image> {
    let names = ["obama.jpg", "biden.jpg", "grace_hopper.jpg", "obama2.jpg"];
    names[..FACES]
        .iter()
        .map(|name| {
            let path = cache_dir("ARGUS_PHOTOS_DIR", "photos").join(name);
            let bytes = std::fs::read(&path)
                .unwrap_or_else(|e| panic!("{}: {e}: run `make models`", path.display()));
            let image = engine.decode(&bytes).expect("photo decodes");
            let faces = engine
                .detect(&image, &DetectOptions::default())
                .expect("detection runs");
            engine.warp(&image, &faces[0])
        })
        .collect()
}

/// Large host allocations in `BATCHES` batches of `samples` after three to warm up, and the device memory
/// reserved after the warm-up and after the batches.
fn steady_batches(engine: &Engine, samples: &[Image]) -> (usize, Option<(u64, u64)>) {
    for _ in 0..3 {
        engine.extract(samples).expect("extraction runs");
    }
    let warm = engine.device_memory();
    let before = LARGE_ALLOCATIONS.load(Ordering::SeqCst);
    for _ in 0..BATCHES {
        let descriptors = engine.extract(samples).expect("extraction runs");
        assert_eq!(descriptors.len(), samples.len());
    }
    let large = LARGE_ALLOCATIONS.load(Ordering::SeqCst) - before;
    let reserved = warm.zip(engine.device_memory());
    (large, reserved.map(|(a, b)| (a.reserved, b.reserved)))
}

#[test]
fn descriptor_batches_reuse_their_buffers_after_warm_up() {
    let engine = engine_on(Backend::OrtCpu);
    let samples = samples(&engine);
    let (large, reserved) = steady_batches(&engine, &samples);
    eprintln!("ort-cpu: {large} large host allocations in {BATCHES} batches of {FACES} faces");
    assert_eq!(large, 0, "ort-cpu batches allocate large host buffers");
    assert_eq!(reserved, None, "ONNX Runtime has no device pool to report");
    drop(engine);

    if !vulkan_present() {
        return;
    }
    let engine = engine_on(Backend::BurnWgpu);
    let (large, reserved) = steady_batches(&engine, &samples);
    let (warm, after) = reserved.expect("burn-wgpu reports its device memory");
    eprintln!(
        "burn-wgpu: {large} large host allocations in {BATCHES} batches of {FACES} faces; device memory \
         reserved {warm} bytes after warm-up, {after} after the batches"
    );
    assert!(
        large <= BATCHES * CUBECL_UPLOAD_COPIES,
        "burn-wgpu batches allocate large host buffers beyond CubeCL's upload copies"
    );
    assert_eq!(after, warm, "the device memory pool grew after warm-up");
}
