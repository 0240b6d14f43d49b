//! The Burn backends against ONNX Runtime on the CPU, on real photos: the same faces, boxes and landmarks within
//! 1 px (also inside a region of interest), with the networks' inputs made on the device by the kernels crate;
//! scores within 1e-3; descriptors of the same samples at cosine ≥ 0.999 in fp32 and ≥ 0.995 with the descriptor
//! network in fp16. On wgpu (Mesa's lavapipe in CI) without a Vulkan driver the tests print SKIPPED, or fail when
//! `ARGUS_REQUIRE_GPU_TESTS` is set; on CUDA they skip where no NVIDIA driver and device are found, or fail when
//! `ARGUS_REQUIRE_CUDA_TESTS` is set. Selection never panics: a Burn backend that cannot run here is refused with
//! its reason.

use crate::common::{engine, models_dir, photo};
use crate::vulkan::vulkan_present;
use argus_engine::{
    Backend, BackendChoice, DetectOptions, Detection, Engine, EngineConfig, EngineError, Precision,
    Rect, choose_backend, similarity,
};
use std::time::Instant;

/// How far a Burn backend may be from ONNX Runtime on the CPU.
struct Tolerance {
    /// Box corners and landmarks, in pixels.
    px: f32,
    /// Face scores.
    score: f32,
    /// The lowest cosine between descriptors of the same sample.
    cosine: f32,
}

/// Few photos keep the run on lavapipe short: two people, an old photo, a landscape with no face.
const PHOTOS: [&str; 4] = [
    "obama.jpg",
    "biden.jpg",
    "grace_hopper.jpg",
    "ice_block.jpg",
];

/// An engine whose networks run on `backend` in `precision`.
fn engine_on(backend: Backend, precision: Precision) -> Engine {
    let mut config = EngineConfig::new(models_dir());
    config.backend = backend;
    config.precision = precision;
    Engine::open(config).unwrap_or_else(|e| panic!("{}: {e}", backend.name()))
}

/// Largest difference between the box corners and landmarks of two detections, in pixels.
fn distance(a: &Detection, b: &Detection) -> f32 {
    let corners = |d: &Detection| {
        let r = d.rect;
        [r.x, r.y, r.x + r.width, r.y + r.height]
    };
    let boxes = corners(a)
        .into_iter()
        .zip(corners(b))
        .map(|(p, q)| (p - q).abs());
    let points = a
        .landmarks5
        .iter()
        .zip(b.landmarks5)
        .map(|(p, q)| (p.x - q.x).abs().max((p.y - q.y).abs()));
    boxes.chain(points).fold(0.0, f32::max)
}

/// A region of interest around a face, half its size again on each side and off the image's origin, so that
/// the region's pixels are cut out of the image before the networks see them.
fn around(face: &Detection) -> Rect {
    let r = face.rect;
    Rect {
        x: (r.x - r.width / 2.0).max(1.0),
        y: (r.y - r.height / 2.0).max(1.0),
        width: r.width * 2.0,
        height: r.height * 2.0,
    }
}

/// Detection (of the whole image and of a region around the largest face) and extraction on `backend` in
/// `precision` against ONNX Runtime on the CPU, on `PHOTOS`, within `tolerance`.
fn matches_ort_cpu(backend: Backend, precision: Precision, tolerance: &Tolerance) {
    let reference = engine();
    let started = Instant::now();
    let burn = engine_on(backend, precision);
    let label = format!("{} {}", backend.name(), precision.name());
    println!("{label}: engine opened in {:.1?}", started.elapsed());
    let (mut worst_px, mut worst_score, mut lowest_cosine) = (0f32, 0f32, 1f32);
    for name in PHOTOS {
        let image = photo(name);
        let started = Instant::now();
        let found = burn.detect(&image, &DetectOptions::default()).unwrap();
        let detect_time = started.elapsed();
        let expected = reference.detect(&image, &DetectOptions::default()).unwrap();
        assert_eq!(
            found.len(),
            expected.len(),
            "{name}: {found:?} vs {expected:?}"
        );
        if let Some(largest) = expected.first() {
            let roi = around(largest);
            let options = DetectOptions {
                roi: Some(roi),
                ..DetectOptions::default()
            };
            let inside = burn.detect(&image, &options).unwrap();
            let wanted = reference.detect(&image, &options).unwrap();
            assert_eq!(inside.len(), wanted.len(), "{name}, roi {roi:?}");
            for (got, want) in inside.iter().zip(&wanted) {
                let px = distance(got, want);
                assert!(
                    px <= tolerance.px,
                    "{name}, roi {roi:?}: {px} px apart: {got:?} vs {want:?}"
                );
                worst_px = worst_px.max(px);
            }
        }
        let mut samples = Vec::new();
        for (got, want) in found.iter().zip(&expected) {
            let px = distance(got, want);
            assert!(
                px <= tolerance.px,
                "{name}: {px} px apart: {got:?} vs {want:?}"
            );
            let score = (got.score - want.score).abs();
            assert!(
                score <= tolerance.score,
                "{name}: scores {} vs {}",
                got.score,
                want.score
            );
            (worst_px, worst_score) = (worst_px.max(px), worst_score.max(score));
            samples.push(reference.warp(&image, want));
        }
        let started = Instant::now();
        let descriptors = burn.extract(&samples).unwrap();
        let extract_time = started.elapsed();
        for (got, want) in descriptors.iter().zip(reference.extract(&samples).unwrap()) {
            let cosine = similarity(got, &want).unwrap();
            assert!(cosine >= tolerance.cosine, "{name}: cosine {cosine}");
            lowest_cosine = lowest_cosine.min(cosine);
        }
        println!(
            "{label}: {name}: {} faces, detect {detect_time:.1?}, extract {extract_time:.1?}",
            found.len()
        );
    }
    println!(
        "{label} vs ort-cpu: largest box/landmark difference {worst_px:.4} px, largest score difference \
         {worst_score:.2e}, lowest descriptor cosine {lowest_cosine:.6}"
    );
}

const FP32: Tolerance = Tolerance {
    px: 1.0,
    score: 1e-3,
    cosine: 0.999,
};

/// Detection runs in fp32 either way (`EngineConfig::precision`), so only the descriptors may differ more.
const FP16: Tolerance = Tolerance {
    cosine: 0.995,
    ..FP32
};

#[test]
fn burn_wgpu_matches_ort_cpu() {
    if vulkan_present() {
        matches_ort_cpu(Backend::BurnWgpu, Precision::Fp32, &FP32);
    }
}

#[test]
fn burn_wgpu_in_fp16_matches_ort_cpu() {
    if vulkan_present() {
        matches_ort_cpu(Backend::BurnWgpu, Precision::Fp16, &FP16);
    }
}

#[test]
fn burn_cuda_matches_ort_cpu_where_there_is_a_driver() {
    match choose_backend(BackendChoice::Exactly(Backend::BurnCuda)) {
        Ok(_) => {
            matches_ort_cpu(Backend::BurnCuda, Precision::Fp32, &FP32);
            matches_ort_cpu(Backend::BurnCuda, Precision::Fp16, &FP16);
        }
        Err(error) => {
            assert!(
                std::env::var("ARGUS_REQUIRE_CUDA_TESTS").is_err(),
                "ARGUS_REQUIRE_CUDA_TESTS is set but burn-cuda cannot run: {error}"
            );
            eprintln!("SKIPPED: {error}");
        }
    }
}

#[test]
fn a_burn_backend_says_where_the_attribute_networks_run() {
    if !vulkan_present() {
        return;
    }
    let (backend, reason) =
        choose_backend(BackendChoice::Exactly(Backend::BurnWgpu)).expect("burn-wgpu runs here");
    assert_eq!(backend, Backend::BurnWgpu);
    assert_eq!(
        reason,
        "burn-wgpu was asked for (the attribute networks run on ort-cpu)"
    );
}

#[test]
fn burn_cuda_without_a_driver_is_refused_not_a_panic() {
    let Err(refused) = choose_backend(BackendChoice::Exactly(Backend::BurnCuda)) else {
        eprintln!("burn-cuda runs here: nothing to refuse");
        return;
    };
    let text = refused.to_string();
    assert!(text.contains("burn-cuda: "), "{text}");
    let mut config = EngineConfig::new(models_dir());
    config.backend = Backend::BurnCuda;
    match Engine::open(config) {
        Err(EngineError::RuntimeUnavailable { reason }) => {
            assert!(reason.contains("burn-cuda"), "{reason}")
        }
        Err(other) => panic!("expected RuntimeUnavailable, got {other}"),
        Ok(_) => panic!("burn-cuda opened where it was refused"),
    }
}

#[test]
fn fp16_on_onnx_runtime_is_a_bad_option() {
    let mut config = EngineConfig::new(models_dir());
    config.precision = Precision::Fp16;
    match Engine::open(config) {
        Err(EngineError::BadOption { reason }) => {
            assert!(
                reason.contains("ort-cpu runs the networks as their ONNX files are"),
                "{reason}"
            )
        }
        Err(other) => panic!("expected BadOption, got {other}"),
        Ok(_) => panic!("ort-cpu opened in fp16"),
    }
}
