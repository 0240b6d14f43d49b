//! Test fixtures: the engine over the models of `make models` and the test photos. Missing models or photos fail
//! the test with the command that fetches them; they never pass silently.

use argus_engine::{DetectOptions, Detection, Engine, EngineConfig, Image};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

fn cache_dir(var: &str, leaf: &str) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
        let home = std::env::var_os("HOME").expect("HOME is set");
        PathBuf::from(home).join(".cache/argus").join(leaf)
    })
}

/// The test photos with exactly one face.
pub const PORTRAITS: [&str; 6] = [
    "obama.jpg",
    "obama2.jpg",
    "obama3.jpg",
    "biden.jpg",
    "grace_hopper.jpg",
    "astronaut.png",
];

pub fn models_dir() -> PathBuf {
    let dir = cache_dir("ARGUS_MODELS_DIR", "models");
    assert!(
        dir.join("manifest.json").is_file(),
        "no models in {}: run `make models`",
        dir.display()
    );
    dir
}

pub fn photo_bytes(name: &str) -> Vec<u8> {
    let path = cache_dir("ARGUS_PHOTOS_DIR", "photos").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}: run `make models`", path.display()))
}

pub fn engine() -> Arc<Engine> {
    static ENGINE: OnceLock<Arc<Engine>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            Arc::new(Engine::open(EngineConfig::new(models_dir())).expect("engine opens"))
        })
        .clone()
}

pub fn photo(name: &str) -> Image {
    engine().decode(&photo_bytes(name)).expect("photo decodes")
}

pub fn faces(image: &Image) -> Vec<Detection> {
    engine()
        .detect(image, &DetectOptions::default())
        .expect("detection runs")
}
