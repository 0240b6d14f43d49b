//! What every handler shares: the engine, the store, one index of face descriptors and one of event
//! descriptors, both kept in step with the store (store first, then index) and rebuilt from it at start-up.
//! Both indexes run on the same backend; the event index's items carry the event's account, external id and
//! creation time (no lists).

use crate::settings::Settings;
use argus_engine::{Descriptor, Engine, EngineConfig};
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
}

impl AppState {
    /// Opens the store and the engine and fills the index from the store.
    pub fn open(settings: Settings) -> anyhow::Result<Arc<AppState>> {
        let store = SqliteStore::open(&settings.data_dir)?;
        let settings_dir = settings.data_dir.clone();
        let mut config = EngineConfig::new(settings.models_dir.clone());
        config.max_pixels = settings.max_image_pixels;
        config.max_batch = settings.max_batch;
        let engine = Engine::open(config)?;
        let config = IndexConfig {
            dim: argus_engine::descriptor::DESCRIPTOR_LEN,
            storage: Storage::F32,
        };
        let (index, index_reason) = Index::open(config, index_backend(&settings.backend)?)?;
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
        let event_index = event_index(&store, config, &settings.backend)?;
        let metrics = crate::metrics::Metrics::new()?;
        metrics.set_backend("engine", engine.config().backend.name());
        metrics.set_backend("matcher", index.backend_name());
        let live = crate::live::LiveFeed::new(metrics.live_counters());
        Ok(Arc::new(AppState {
            settings,
            engine,
            store: Box::new(store),
            index,
            index_reason,
            searches: SearchCombiner::default(),
            event_index,
            metrics,
            jwt_secret: crate::jwt::load_secret(&settings_dir)?,
            live,
            basic_cache: crate::basic_cache::BasicCache::default(),
        }))
    }
}

/// The index of event descriptors, filled from the store; an unreadable descriptor is skipped and counted.
fn event_index(store: &dyn Store, config: IndexConfig, backend: &str) -> anyhow::Result<Index> {
    let (index, _) = Index::open(config, index_backend(backend)?)?;
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

/// The index backend for the `--backend` setting: the engine has only its CPU backend so far, so `cuda` and `wgpu`
/// move the matcher alone.
fn index_backend(setting: &str) -> anyhow::Result<IndexBackend> {
    Ok(match setting {
        "auto" => IndexBackend::Auto,
        "cpu" => IndexBackend::Cpu,
        "cuda" => IndexBackend::Cuda,
        "wgpu" => IndexBackend::Wgpu,
        other => anyhow::bail!("unknown backend {other:?}: use auto, cpu, cuda or wgpu"),
    })
}
