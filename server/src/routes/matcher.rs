//! `POST /6/matcher/faces`: every reference (a face, a temporary attribute, or a descriptor) against every
//! candidate set (faces of the caller's account, optionally one list or some face ids), through the index.
//! Similarities are the engine's calibrated 0..1 score; `threshold` applies to that score.

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::request::{Reply, Request, now_ms};
use crate::state::AppState;
use argus_engine::{Descriptor, similarity_to_score};
use argus_index::Filter;
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashSet;
use uuid::Uuid;
use warp::http::StatusCode;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    references: Vec<Reference>,
    candidates: Vec<Candidate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Reference {
    #[serde(rename = "type")]
    kind: String,
    id: Option<Uuid>,
    data: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Candidate {
    filters: CandidateFilters,
    limit: Option<usize>,
    threshold: Option<f32>,
}

#[derive(Deserialize, serde::Serialize, Clone)]
#[serde(deny_unknown_fields)]
struct CandidateFilters {
    origin: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    list_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    face_ids: Option<Vec<Uuid>>,
}

const MAX_LIMIT: usize = 100;

fn reference_descriptor(state: &AppState, account: Uuid, r: &Reference) -> ApiResult<Descriptor> {
    let missing_id = || {
        ApiError::bad_json(format!(
            "Failed to validate input json. Path: 'references', message: 'a {} reference needs an id'",
            r.kind
        ))
    };
    let stored = match r.kind.as_str() {
        "face" => {
            let id = r.id.ok_or_else(missing_id)?;
            state
                .store
                .face_descriptor(account, id)
                .map_err(|_| ApiError::not_found(format!("no ID for reference face found: {id}")))?
                .ok_or_else(|| {
                    ApiError::bad_input(format!("Descriptor for face '{id}' was not extracted"))
                })?
        }
        "attribute" => {
            let id = r.id.ok_or_else(missing_id)?;
            state
                .store
                .attribute(account, id, now_ms())
                .map_err(|_| {
                    ApiError::not_found(format!("no ID for reference attribute found: {id}"))
                })?
                .descriptor
                .ok_or_else(|| {
                    ApiError::bad_input(format!(
                        "Descriptor for attribute '{id}' was not extracted"
                    ))
                })?
        }
        "descriptor" | "raw_descriptor" => {
            let data = r
                .data
                .as_deref()
                .ok_or_else(|| ApiError::bad_json("a descriptor reference needs data (base64)"))?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(data)
                .map_err(|_| ApiError::bad_input("descriptor data is not base64"))?;
            return Ok(Descriptor::from_bytes(&bytes)?);
        }
        "event" | "face_external_id" | "sdk_descriptor" | "xpk_file" => {
            return Err(ApiError::unsupported(format!("{} references", r.kind)));
        }
        other => {
            return Err(ApiError::bad_json(format!(
                "Failed to validate input json. Path: 'references.type', message: 'unknown type {other:?}'"
            )));
        }
    };
    Ok(Descriptor::from_bytes(&stored.bytes)?)
}

/// `POST /6/matcher/faces`.
pub fn faces(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let body: Body = req.json()?;
    if body.references.is_empty() || body.references.len() > 30 || body.candidates.len() > 30 {
        return Err(ApiError::bad_json(
            "Failed to validate input json: references 1..30, candidates 0..30",
        ));
    }
    for c in &body.candidates {
        if c.filters.origin != "faces" {
            return Err(ApiError::unsupported(format!(
                "candidates of origin {:?}",
                c.filters.origin
            )));
        }
        if c.limit.is_some_and(|l| l == 0 || l > MAX_LIMIT)
            || c.threshold.is_some_and(|t| !(0.0..=1.0).contains(&t))
        {
            return Err(ApiError::bad_json(format!(
                "Failed to validate input json: limit 1..{MAX_LIMIT}, threshold 0..1"
            )));
        }
    }
    let mut out = Vec::new();
    for r in &body.references {
        let descriptor = reference_descriptor(state, account, r)?;
        let mut matches = Vec::new();
        for c in &body.candidates {
            let filter = Filter {
                account: Some(account),
                lists: c.filters.list_id.map(|l| vec![l]),
                ids: c
                    .filters
                    .face_ids
                    .as_ref()
                    .map(|ids| ids.iter().copied().collect::<HashSet<_>>()),
                predicate: None,
            };
            let hits = state.searches.search(
                &state.index,
                &descriptor.values,
                c.limit.unwrap_or(3),
                &filter,
            )?;
            let threshold = c.threshold.unwrap_or(0.0);
            let result: Vec<Value> = hits
                .iter()
                .map(|h| (h.id, similarity_to_score(h.similarity)))
                .filter(|(_, s)| *s >= threshold)
                .map(|(id, s)| json!({"face": {"face_id": id}, "similarity": s}))
                .collect();
            matches.push(json!({"filters": c.filters, "result": result, "total": result.len()}));
        }
        out.push(json!({"reference": {"type": r.kind, "id": r.id}, "matches": matches}));
    }
    Ok(Reply::Json(StatusCode::OK, Value::Array(out)))
}
