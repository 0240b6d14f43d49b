//! `POST /6/matcher/faces`: every reference (a face, an event, a temporary attribute, the faces of an external
//! id, or a descriptor) against every candidate set (faces of the caller's account, optionally one list or some
//! face ids, through the face index; or events of the caller's account with the event filters of
//! `event_candidates`, through the event index). Similarities are the engine's calibrated 0..1 score;
//! `threshold` applies to that score. A `face_external_id` reference stands for every face of the account with
//! that external id that has a descriptor (at most `MAX_EXTERNAL_FACES`, oldest first): each answers as one
//! reference, `{"type": "face_external_id", "id": <external id>, "face_id": <face>}`.

use super::event_candidates::EventCandidates;
use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::request::{Reply, Request, now_ms, parse_id};
use crate::state::AppState;
use argus_engine::{Descriptor, similarity_to_score};
use argus_index::Filter;
use argus_store::{FaceFilter, Page};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Map, Value, json};
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
    /// A UUID, or the external id of a `face_external_id` reference.
    id: Option<String>,
    data: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Candidate {
    /// Echoed as given; checked by origin (`FaceFilters` or `EventCandidates`).
    filters: Map<String, Value>,
    limit: Option<usize>,
    threshold: Option<f32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaceFilters {
    #[serde(rename = "origin")]
    _origin: String,
    list_id: Option<Uuid>,
    face_ids: Option<Vec<Uuid>>,
}

/// A candidate set, checked.
enum Origin {
    Faces(FaceFilters),
    Events(EventCandidates),
}

const MAX_LIMIT: usize = 100;

/// The most faces one `face_external_id` reference stands for.
const MAX_EXTERNAL_FACES: u32 = 100;

fn origin(state: &AppState, account: Uuid, index: usize, c: &Candidate) -> ApiResult<Origin> {
    let path = format!("candidates.{index}.filters");
    let invalid = |message: String| {
        ApiError::bad_json(format!(
            "Failed to validate input json. Path: '{path}', message: '{message}'"
        ))
    };
    match c.filters.get("origin").and_then(Value::as_str) {
        Some("faces") => {
            let filters: FaceFilters = serde_json::from_value(Value::Object(c.filters.clone()))
                .map_err(|e| invalid(e.to_string()))?;
            Ok(Origin::Faces(filters))
        }
        Some("events") => Ok(Origin::Events(EventCandidates::new(
            state, account, index, &c.filters,
        )?)),
        Some("attributes") => Err(ApiError::unsupported("candidates of origin \"attributes\"")),
        Some(other) => Err(invalid(format!(
            "origin {other:?} is not one of faces, events, attributes"
        ))),
        None => Err(invalid("origin is required".into())),
    }
}

/// The UUID of a reference.
fn reference_id(r: &Reference) -> ApiResult<Uuid> {
    let id = r.id.as_deref().ok_or_else(|| {
        ApiError::bad_json(format!(
            "Failed to validate input json. Path: 'references', message: 'a {} reference needs an id'",
            r.kind
        ))
    })?;
    parse_id("id", id)
}

/// The references one reference stands for, each as shown in the response with its descriptor.
fn references(
    state: &AppState,
    account: Uuid,
    r: &Reference,
) -> ApiResult<Vec<(Value, Descriptor)>> {
    if r.kind != "face_external_id" {
        let descriptor = reference_descriptor(state, account, r)?;
        return Ok(vec![(json!({"type": r.kind, "id": r.id}), descriptor)]);
    }
    let external_id = r.id.as_deref().ok_or_else(|| {
        ApiError::bad_json(
            "Failed to validate input json. Path: 'references', message: 'a face_external_id reference needs an id'",
        )
    })?;
    let filter = FaceFilter {
        external_ids: Some(vec![external_id.to_string()]),
        ..FaceFilter::default()
    };
    let page = Page {
        page: 1,
        page_size: MAX_EXTERNAL_FACES,
    };
    let faces = state.store.faces(account, &filter, page)?;
    if faces.is_empty() {
        return Err(ApiError::not_found(format!(
            "No one face found with external id {external_id}"
        )));
    }
    let mut out = Vec::new();
    for face in faces {
        if let Some(stored) = state.store.face_descriptor(account, face.face_id)? {
            let view = json!({"type": r.kind, "id": external_id, "face_id": face.face_id});
            out.push((view, Descriptor::from_bytes(&stored.bytes)?));
        }
    }
    if out.is_empty() {
        return Err(ApiError::bad_input(format!(
            "Descriptor for face_external_id '{external_id}' was not extracted"
        )));
    }
    Ok(out)
}

fn reference_descriptor(state: &AppState, account: Uuid, r: &Reference) -> ApiResult<Descriptor> {
    let stored = match r.kind.as_str() {
        "face" => {
            let id = reference_id(r)?;
            state
                .store
                .face_descriptor(account, id)
                .map_err(|_| ApiError::not_found(format!("no ID for reference face found: {id}")))?
                .ok_or_else(|| {
                    ApiError::bad_input(format!("Descriptor for face '{id}' was not extracted"))
                })?
        }
        "event" => {
            let id = reference_id(r)?;
            state
                .store
                .event_descriptor(account, id)
                .map_err(|_| ApiError::not_found(format!("no ID for reference event found: {id}")))?
                .ok_or_else(|| {
                    ApiError::bad_input(format!("Descriptor for event '{id}' was not extracted"))
                })?
        }
        "attribute" => {
            let id = reference_id(r)?;
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
        "event_external_id" | "event_track_id" | "sdk_descriptor" | "xpk_file" => {
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
    let mut origins = Vec::with_capacity(body.candidates.len());
    for (i, c) in body.candidates.iter().enumerate() {
        if c.limit.is_some_and(|l| l == 0 || l > MAX_LIMIT)
            || c.threshold.is_some_and(|t| !(0.0..=1.0).contains(&t))
        {
            return Err(ApiError::bad_json(format!(
                "Failed to validate input json: limit 1..{MAX_LIMIT}, threshold 0..1"
            )));
        }
        origins.push(origin(state, account, i, c)?);
    }
    let mut resolved = Vec::new();
    for r in &body.references {
        resolved.extend(references(state, account, r)?);
    }
    let mut out = Vec::new();
    for (reference, descriptor) in &resolved {
        let mut matches = Vec::new();
        for (c, origin) in body.candidates.iter().zip(&origins) {
            let faces = match origin {
                Origin::Faces(faces) => faces,
                Origin::Events(events) => {
                    let limit = c.limit.unwrap_or(3);
                    let threshold = c.threshold.unwrap_or(0.0);
                    let result = events.matches(state, account, descriptor, limit, threshold)?;
                    matches.push(
                        json!({"filters": c.filters, "result": result, "total": result.len()}),
                    );
                    continue;
                }
            };
            let filter = Filter {
                account: Some(account),
                lists: faces.list_id.map(|l| vec![l]),
                ids: faces
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
        out.push(json!({"reference": reference, "matches": matches}));
    }
    Ok(Reply::Json(StatusCode::OK, Value::Array(out)))
}
