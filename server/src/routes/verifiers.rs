//! Verifiers (1:1): a stored threshold; `POST /6/verifiers/{id}/verifications` detects the faces of an image and
//! compares each with the given faces, events and temporary attributes. `status` is true when the similarity is
//! strictly greater than the verifier's `verification_threshold` (catalogue §2.18).

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::request::{Reply, Request, now_ms, page, parse_id, time_text};
use crate::state::AppState;
use argus_engine::{Descriptor, DetectOptions, similarity, similarity_to_score};
use argus_store::Verifier;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;
use warp::http::StatusCode;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewVerifier {
    #[serde(default)]
    description: String,
    #[serde(default)]
    policies: Policies,
}

/// The policies this build honours. Detection estimations, extraction of basic attributes and storage policies
/// are refused at creation, not ignored at run time.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Policies {
    #[serde(default = "default_threshold")]
    verification_threshold: f32,
    #[serde(skip_serializing_if = "Option::is_none")]
    detect_policy: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    extract_policy: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    storage_policy: Option<Value>,
}

impl Default for Policies {
    fn default() -> Self {
        Policies {
            verification_threshold: default_threshold(),
            detect_policy: None,
            extract_policy: None,
            storage_policy: None,
        }
    }
}

fn default_threshold() -> f32 {
    0.9
}

/// Rejects any policy flag set to a non-zero value: this build has no estimations or storage policies for verifiers.
fn check_unsupported(name: &str, policy: &Option<Value>) -> ApiResult<()> {
    let Some(Value::Object(fields)) = policy else {
        return match policy {
            None => Ok(()),
            Some(_) => Err(ApiError::bad_json(format!(
                "Failed to validate input json. Path: 'policies.{name}', message: 'an object'"
            ))),
        };
    };
    for (key, value) in fields {
        let off = value.as_u64() == Some(0) || value.as_bool() == Some(false) || value.is_null();
        if !off {
            return Err(ApiError::unsupported(format!(
                "policies.{name}.{key} on verifiers"
            )));
        }
    }
    Ok(())
}

fn view(v: &Verifier) -> Value {
    let policies: Value = serde_json::from_str(&v.policies).unwrap_or(Value::Null);
    json!({"verifier_id": v.verifier_id, "account_id": v.account_id, "description": v.description,
           "policies": policies, "create_time": time_text(v.create_time), "last_update_time": time_text(v.create_time),
           "version": 1})
}

/// `POST /6/verifiers`.
pub fn create(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let body: NewVerifier = req.json()?;
    if body.description.len() > 128 || !(0.0..=1.0).contains(&body.policies.verification_threshold)
    {
        return Err(ApiError::bad_json(
            "Failed to validate input json: description ≤ 128, verification_threshold 0..1",
        ));
    }
    check_unsupported("detect_policy", &body.policies.detect_policy)?;
    check_unsupported("extract_policy", &body.policies.extract_policy)?;
    check_unsupported("storage_policy", &body.policies.storage_policy)?;
    let policies =
        serde_json::to_string(&body.policies).map_err(|e| ApiError::internal(e.to_string()))?;
    let verifier = Verifier {
        verifier_id: Uuid::new_v4(),
        account_id: account,
        description: body.description,
        policies,
        create_time: now_ms(),
    };
    state.store.create_verifier(&verifier)?;
    Ok(Reply::Json(
        StatusCode::CREATED,
        json!({"verifier_id": verifier.verifier_id, "url": format!("/6/verifiers/{}", verifier.verifier_id)}),
    ))
}

/// The `description` filter of `GET /6/verifiers` and its count: the store has no description search.
fn refuse_description_filter(req: &Request) -> ApiResult<()> {
    if req.query.contains_key("description") {
        return Err(ApiError::unsupported("the description filter on verifiers"));
    }
    Ok(())
}

/// `GET /6/verifiers`: a bare array, as the catalogue says.
pub fn list(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    refuse_description_filter(req)?;
    let all = state.store.verifiers(account, page(req)?)?;
    Ok(Reply::Json(
        StatusCode::OK,
        Value::Array(all.iter().map(view).collect()),
    ))
}

/// `GET /6/verifiers/count`: `{"verifiers_count": n}`.
pub fn count(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    refuse_description_filter(req)?;
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"verifiers_count": state.store.count_verifiers(account)?}),
    ))
}

/// `GET` / `HEAD /6/verifiers/{id}`.
pub fn get(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    Ok(Reply::Json(
        StatusCode::OK,
        view(
            &state
                .store
                .verifier(account, parse_id("verifier_id", id)?)?,
        ),
    ))
}

/// `DELETE /6/verifiers/{id}`.
pub fn delete(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    state
        .store
        .delete_verifier(account, parse_id("verifier_id", id)?)?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

fn ids(req: &Request, name: &str) -> ApiResult<Vec<Uuid>> {
    req.query.get(name).map_or(Ok(Vec::new()), |v| {
        v.split(',').map(|s| parse_id(name, s.trim())).collect()
    })
}

/// The `verification_threshold` of the caller's verifier `id`.
pub fn threshold(state: &AppState, account: Uuid, id: &str) -> ApiResult<f32> {
    let verifier = state
        .store
        .verifier(account, parse_id("verifier_id", id)?)?;
    Ok(serde_json::from_str::<Policies>(&verifier.policies)
        .map_err(|e| ApiError::internal(format!("stored policies: {e}")))?
        .verification_threshold)
}

/// `POST /6/verifiers/{id}/verifications`: a raw image body against `face_ids`, `event_ids` (the descriptor an
/// event keeps) and `attribute_ids`.
pub fn verify(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let threshold = threshold(state, account, id)?;
    if req.query.contains_key("external_ids") {
        return Err(ApiError::unsupported("external_ids in verifications"));
    }
    let mut candidates: Vec<(Value, Descriptor)> = Vec::new();
    for face in ids(req, "face_ids")? {
        let stored = state.store.face_descriptor(account, face)?.ok_or_else(|| {
            ApiError::bad_input(format!("Descriptor for face '{face}' was not extracted"))
        })?;
        candidates.push((
            json!({"face": {"face_id": face}}),
            Descriptor::from_bytes(&stored.bytes)?,
        ));
    }
    for event in ids(req, "event_ids")? {
        let stored = state
            .store
            .event_descriptor(account, event)?
            .ok_or_else(|| {
                ApiError::bad_input(format!("Descriptor for event '{event}' was not extracted"))
            })?;
        candidates.push((
            json!({"event": {"event_id": event}}),
            Descriptor::from_bytes(&stored.bytes)?,
        ));
    }
    for attribute in ids(req, "attribute_ids")? {
        let stored = state
            .store
            .attribute(account, attribute, now_ms())?
            .descriptor
            .ok_or_else(|| {
                ApiError::bad_input(format!(
                    "Descriptor for attribute '{attribute}' was not extracted"
                ))
            })?;
        candidates.push((
            json!({"attribute": {"attribute_id": attribute}}),
            Descriptor::from_bytes(&stored.bytes)?,
        ));
    }
    if candidates.is_empty() {
        return Err(ApiError::bad_query(
            "give face_ids, event_ids or attribute_ids to verify against",
        ));
    }
    let content_type = req.header("content-type").unwrap_or("");
    if !content_type.starts_with("image/") {
        return Err(ApiError::unsupported(format!(
            "Content-Type {content_type:?} in verifications (send image bytes)"
        )));
    }
    let image = state.engine.decode(&req.body)?;
    let faces = state.engine.detect(&image, &DetectOptions::default())?;
    let samples: Vec<_> = faces.iter().map(|f| state.engine.warp(&image, f)).collect();
    let descriptors = state.engine.extract(&samples)?;
    let mut detections = Vec::new();
    for (face, descriptor) in faces.iter().zip(&descriptors) {
        let mut verifications = Vec::new();
        for (who, candidate) in &candidates {
            let score = similarity_to_score(similarity(descriptor, candidate)?);
            let mut v = who.clone();
            v["similarity"] = json!(score);
            v["status"] = json!(score > threshold);
            verifications.push(v);
        }
        detections.push(json!({
            "face": super::detection::detection_view(face, true),
            "verifications": verifications,
        }));
    }
    Ok(Reply::Json(
        StatusCode::CREATED,
        json!({"images": [{"filename": "", "status": 1, "detections": {"face_detections": detections}}]}),
    ))
}
