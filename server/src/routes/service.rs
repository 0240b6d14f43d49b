//! Service routes: version and health.

use crate::error::{ApiError, ApiResult};
use crate::request::Reply;
use crate::state::AppState;
use serde_json::json;
use warp::http::StatusCode;

/// `GET /6/version`.
pub fn version(state: &AppState) -> ApiResult<Reply> {
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"Version": {"api": 6, "argus": env!("CARGO_PKG_VERSION"),
                           "descriptor_version": state.engine.descriptor_version(),
                           "backend": state.engine.config().backend.name(), "index_simd": state.index.simd()}}),
    ))
}

/// `GET /6/healthcheck`: the store answers and the networks run.
pub fn healthcheck(state: &AppState) -> ApiResult<Reply> {
    state.store.health()?;
    state
        .engine
        .health()
        .map_err(|e| ApiError::internal(format!("engine: {e}")))?;
    Ok(Reply::Empty(StatusCode::OK))
}

/// `GET /metrics`: Prometheus text exposition.
pub fn metrics(state: &AppState) -> ApiResult<Reply> {
    Ok(Reply::Bytes(
        StatusCode::OK,
        "text/plain; version=0.0.4",
        state.metrics.render(state.index.len()),
    ))
}
