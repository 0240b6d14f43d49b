//! Matching of descriptors given in the body, with no stored object involved: `POST /6/matcher/raw` (every
//! reference against every candidate) and `POST /6/verifiers/{id}/raw` (the same, with the verifier's
//! `status`). An entity is `{"id": "<any text>", "type": "raw_descriptor", "data": "<base64>"}`, the data in this
//! build's descriptor layout (README, "Descriptors") or bare f32 values; `sdk_descriptor` and `xpk_file` are
//! vendor containers this build cannot read (`501 19001`).

use super::verifiers;
use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::request::{Reply, Request};
use crate::state::AppState;
use argus_engine::{Descriptor, similarity, similarity_to_score};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Value, json};
use warp::http::StatusCode;

/// The most references, and the most candidates, one request may carry.
const MAX_ENTITIES: usize = 1000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    references: Vec<Entity>,
    candidates: Vec<Entity>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entity {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: String,
}

fn descriptors(entities: &[Entity], field: &str) -> ApiResult<Vec<Descriptor>> {
    if entities.is_empty() || entities.len() > MAX_ENTITIES {
        return Err(ApiError::bad_json(format!(
            "Failed to validate input json. Path: '{field}', message: '1..{MAX_ENTITIES} descriptors'"
        )));
    }
    entities
        .iter()
        .enumerate()
        .map(|(i, e)| match e.kind.as_str() {
            "raw_descriptor" => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(&e.data)
                    .map_err(|_| {
                        ApiError::bad_input(format!("{field}[{i}].data is not base64"))
                    })?;
                Ok(Descriptor::from_bytes(&bytes)?)
            }
            "sdk_descriptor" | "xpk_file" => Err(ApiError::unsupported(format!(
                "{} entities (vendor descriptor containers)",
                e.kind
            ))),
            other => Err(ApiError::bad_json(format!(
                "Failed to validate input json. Path: '{field}.{i}.type', message: 'unknown type {other:?}'"
            ))),
        })
        .collect()
}

/// Every reference against every candidate: `{"matches": [{"reference_id", "matches": [...]}]}`, each
/// candidate entry from `entry(candidate_id, score)`.
fn match_all(req: &Request, entry: impl Fn(&str, f32) -> Value) -> ApiResult<Reply> {
    let body: Body = req.json()?;
    let references = descriptors(&body.references, "references")?;
    let candidates = descriptors(&body.candidates, "candidates")?;
    let mut out = Vec::with_capacity(references.len());
    for (reference, r) in body.references.iter().zip(&references) {
        let mut matches = Vec::with_capacity(candidates.len());
        for (candidate, c) in body.candidates.iter().zip(&candidates) {
            matches.push(entry(&candidate.id, similarity_to_score(similarity(r, c)?)));
        }
        out.push(json!({"reference_id": reference.id, "matches": matches}));
    }
    Ok(Reply::Json(StatusCode::OK, json!({ "matches": out })))
}

/// `POST /6/matcher/raw` (Basic or `Luna-Account-Id`, no token).
pub fn matcher(state: &AppState, req: &Request) -> ApiResult<Reply> {
    auth::account_without_token(state, req)?;
    match_all(
        req,
        |id, score| json!({"candidate_id": id, "similarity": score}),
    )
}

/// `POST /6/verifiers/{id}/raw`: `status` is true when the similarity is greater than the threshold.
pub fn verify(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let threshold = verifiers::threshold(state, account, id)?;
    match_all(
        req,
        |id, score| json!({"candidate_id": id, "similarity": score, "status": score > threshold}),
    )
}
