//! What every handler shares: the engine, the store, one index of face descriptors and one of event
//! descriptors, both kept in step with the store (store first, then index) and rebuilt from it at start-up.
//! Both indexes run on the same backend; the event index's items carry the event's account, external id and
//! creation time (no lists).

use crate::settings::Settings;
use argus_engine::{
    Backend, BackendChoice, Descriptor, Engine, EngineConfig, JpegChoice, Precision, choose_backend,
};
use argus_index::{Index, IndexBackend, IndexConfig, ItemMeta, SearchCombiner, Storage};
use argus_store::{SqliteStore, Store};
use std::sync::Arc;
use std::time::Instant;

/// Shared state of the server.
pub struct AppState {
    /// Effective settings.
    pub settings: Settings,
    /// Pixels to descriptors.
    pub engine: Engine,
    /// Why the networks run where they do (shown by the health check).
    pub engine_reason: String,
    /// Durable records.
    pub store: Box<dyn Store>,
    /// Face descriptors of every account, for 1:N matching.
    pub index: Index,
    /// Why the index runs where it does (shown by the health check).
    pub index_reason: String,
    /// Merges concurrent searches of `index` into batched scans; every 1:N search goes through it.
    pub searches: SearchCombiner,
    /// Event descriptors of every account, for matching against events.
    pub event_index: Index,
    /// Request counters and latencies.
    pub metrics: crate::metrics::Metrics,
    /// The key Bearer tokens are signed with.
    pub jwt_secret: Vec<u8>,
    /// Subscribers of `GET /6/ws`.
    pub live: crate::live::LiveFeed,
    /// Basic credentials that verified.
    pub basic_cache: crate::basic_cache::BasicCache,
    /// Handler callbacks on their way out.
    pub callbacks: crate::callbacks::CallbackSender,
}

impl AppState {
    /// Opens the store and the engine and fills the index from the store.
    pub fn open(settings: Settings) -> anyhow::Result<Arc<AppState>> {
        let store = SqliteStore::open(&settings.data_dir)?;
        let settings_dir = settings.data_dir.clone();
        let placement = placement(&settings.backend)?;
        let (networks, engine_reason) = choose_backend(placement.networks)?;
        tracing::info!(
            backend = networks.name(),
            reason = engine_reason.as_str(),
            "networks placed"
        );
        let mut config = EngineConfig::new(settings.models_dir.clone());
        config.max_pixels = settings.max_image_pixels;
        config.max_batch = settings.max_batch;
        config.backend = networks;
        config.precision = Precision::from_name(&settings.precision).unwrap_or_default();
        // JPEGs on nvJPEG where it loads (a JPEG it fails on is decoded on the CPU), unless `--backend cpu`.
        config.jpeg = match settings.backend.as_str() {
            "cpu" => JpegChoice::Cpu,
            _ => JpegChoice::Auto,
        };
        let engine = Engine::open(config)?;
        tracing::info!(
            decoder = engine.jpeg_decoder().name(),
            reason = engine.jpeg_decoder().reason(),
            "JPEG decoder chosen"
        );
        let config = IndexConfig {
            dim: argus_engine::descriptor::DESCRIPTOR_LEN,
            storage: match settings.index_storage.as_str() {
                "f16" => Storage::F16,
                "i8" => Storage::I8,
                _ => Storage::F32,
            },
        };
        let (index, index_reason) = Index::open(config, placement.matcher)?;
        if placement.matcher_on_gpu && index.backend_name() == "cpu" {
            anyhow::bail!(
                "--backend {} needs the matcher on a GPU: {index_reason}",
                settings.backend
            );
        }
        tracing::info!(
            backend = index.backend_name(),
            reason = index_reason.as_str(),
            "matcher index opened"
        );
        let started = Instant::now();
        let mut failures = 0usize;
        store.scan_face_descriptors(&mut |face| {
            let loaded = Descriptor::from_bytes(&face.descriptor.bytes)
                .ok()
                .and_then(|d| {
                    let meta = ItemMeta {
                        account: face.account_id,
                        lists: face.lists,
                        external_id: Some(face.external_id),
                        created_at: face.create_time,
                    };
                    index.upsert(face.face_id, &d.values, meta).ok()
                });
            if loaded.is_none() {
                failures += 1;
            }
        })?;
        let secs = started.elapsed().as_secs_f64();
        tracing::info!(
            faces = index.len(),
            unreadable = failures,
            seconds = secs,
            rate = index.len() as f64 / secs.max(1e-9),
            backend = index.backend_name(),
            "index rebuilt from the store"
        );
        let event_index = event_index(&store, config, placement.matcher)?;
        let metrics = crate::metrics::Metrics::new()?;
        metrics.set_backend("engine", engine.config().backend.name());
        metrics.set_backend("jpeg", engine.jpeg_decoder().name());
        metrics.set_backend("matcher", index.backend_name());
        let live = crate::live::LiveFeed::new(metrics.live_counters());
        let callbacks = crate::callbacks::CallbackSender::start(metrics.callback_counters())?;
        Ok(Arc::new(AppState {
            settings,
            engine,
            engine_reason,
            store: Box::new(store),
            index,
            index_reason,
            searches: SearchCombiner::default(),
            event_index,
            metrics,
            jwt_secret: crate::jwt::load_secret(&settings_dir)?,
            live,
            basic_cache: crate::basic_cache::BasicCache::default(),
            callbacks,
        }))
    }
}

/// The index of event descriptors, filled from the store; an unreadable descriptor is skipped and counted.
fn event_index(
    store: &dyn Store,
    config: IndexConfig,
    backend: IndexBackend,
) -> anyhow::Result<Index> {
    let (index, _) = Index::open(config, backend)?;
    let started = Instant::now();
    let mut failures = 0usize;
    store.scan_event_descriptors(&mut |event| {
        let loaded = Descriptor::from_bytes(&event.descriptor.bytes)
            .ok()
            .and_then(|d| {
                let meta = ItemMeta {
                    account: event.account_id,
                    lists: Vec::new(),
                    external_id: Some(event.external_id),
                    created_at: event.create_time,
                };
                index.upsert(event.event_id, &d.values, meta).ok()
            });
        if loaded.is_none() {
            failures += 1;
        }
    })?;
    tracing::info!(
        events = index.len(),
        unreadable = failures,
        seconds = started.elapsed().as_secs_f64(),
        backend = index.backend_name(),
        "event index rebuilt from the store"
    );
    Ok(index)
}

/// Where the `--backend` setting puts the networks and the matcher.
struct Placement {
    networks: BackendChoice,
    matcher: IndexBackend,
    /// The matcher must not fall back to the CPU.
    matcher_on_gpu: bool,
}

/// `auto`: the best of each; `cpu`: both on the CPU; `gpu`: both on a GPU or no start; `cuda` / `wgpu`: the
/// networks on Burn and the matcher on that runtime, or no start; `ort-cuda` / `ort-tensorrt`: the networks on
/// that ONNX Runtime provider, the matcher as `auto`.
fn placement(setting: &str) -> anyhow::Result<Placement> {
    use BackendChoice::{Auto, Exactly, Gpu};
    let (networks, matcher, matcher_on_gpu) = match setting {
        "auto" => (Auto, IndexBackend::Auto, false),
        "cpu" => (Exactly(Backend::OrtCpu), IndexBackend::Cpu, false),
        "gpu" => (Gpu, IndexBackend::Auto, true),
        "cuda" => (Exactly(Backend::BurnCuda), IndexBackend::Cuda, true),
        "wgpu" => (Exactly(Backend::BurnWgpu), IndexBackend::Wgpu, true),
        "ort-cuda" => (Exactly(Backend::OrtCuda), IndexBackend::Auto, false),
        "ort-tensorrt" => (Exactly(Backend::OrtTensorRt), IndexBackend::Auto, false),
        other => anyhow::bail!(
            "unknown backend {other:?}: use {}",
            crate::settings::BACKENDS.join(", ")
        ),
    };
    Ok(Placement {
        networks,
        matcher,
        matcher_on_gpu,
    })
}
