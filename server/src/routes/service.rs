//! Service routes: version and health.

use crate::error::{ApiError, ApiResult};
use crate::request::Reply;
use crate::state::AppState;
use serde_json::json;
use std::time::Instant;
use warp::http::StatusCode;

/// `GET /6/version`.
pub fn version(state: &AppState) -> ApiResult<Reply> {
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"Version": {"api": 6, "argus": env!("CARGO_PKG_VERSION"),
                           "descriptor_version": state.engine.descriptor_version(),
                           "backend": state.engine.config().backend.name(),
                           "matcher_backend": state.index.backend_name(), "index_simd": state.index.simd()}}),
    ))
}

/// `GET /6/healthcheck`: the store answers and the networks run. The body has the seed's `execution_time` and
/// where the engine, the JPEG decoder and the matcher run, each with the reason for its place.
pub fn healthcheck(state: &AppState) -> ApiResult<Reply> {
    let started = Instant::now();
    state.store.health()?;
    state
        .engine
        .health()
        .map_err(|e| ApiError::internal(format!("engine: {e}")))?;
    Ok(Reply::Json(
        StatusCode::OK,
        json!({
            "execution_time": started.elapsed().as_secs_f64(),
            "backends": {
                "engine": {
                    "backend": state.engine.config().backend.name(),
                    "precision": state.engine.config().precision.name(),
                    "reason": state.engine_reason,
                },
                "jpeg": {"decoder": state.engine.jpeg_decoder().name(), "reason": state.engine.jpeg_decoder().reason()},
                "matcher": {"backend": state.index.backend_name(), "reason": state.index_reason},
            },
        }),
    ))
}

/// `GET /metrics`: Prometheus text exposition.
pub fn metrics(state: &AppState) -> ApiResult<Reply> {
    Ok(Reply::Bytes(
        StatusCode::OK,
        "text/plain; version=0.0.4",
        state.metrics.render(
            state.index.len(),
            state.searches.stats(),
            state.engine.jpeg_decoder().fallbacks(),
            state.engine.device_memory(),
        ),
    ))
}
