//! A face's attribute (catalogue §2.10): `PUT` from a temporary attribute, `GET` (raw descriptor as base64,
//! `targets`), `DELETE`, its samples, and the count of faces that have one. The index follows every change: a
//! face whose descriptor goes is no longer matched, one that gets a descriptor is (store first, then index).

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::request::{Reply, Request, now_ms, parse_id, stored_json, targets, time_text};
use crate::state::AppState;
use argus_engine::Descriptor;
use argus_index::ItemMeta;
use argus_store::FaceAttribute;
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;
use warp::http::StatusCode;

const TARGETS: [&str; 5] = [
    "create_time",
    "basic_attributes",
    "basic_attributes_samples",
    "face_descriptor",
    "face_descriptor_samples",
];

/// The `PUT` body: a temporary attribute id. The external-data variant (descriptors, basic attributes and
/// their samples given inline) is named so that it is refused as unsupported rather than as unknown fields.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PutAttribute {
    attribute_id: Option<Uuid>,
    face_descriptors: Option<Value>,
    face_descriptor_samples: Option<Value>,
    basic_attributes: Option<Value>,
    basic_attributes_samples: Option<Value>,
}

/// `PUT /6/faces/{id}/attributes`: replaces all of the face's attribute data with a temporary attribute's.
pub fn put(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let face_id = parse_id("face_id", id)?;
    let body: PutAttribute = req.json()?;
    if body.face_descriptors.is_some()
        || body.face_descriptor_samples.is_some()
        || body.basic_attributes.is_some()
        || body.basic_attributes_samples.is_some()
    {
        return Err(ApiError::unsupported(
            "external attribute data in PUT /6/faces/{face_id}/attributes (give an attribute_id)",
        ));
    }
    let attribute_id = body.attribute_id.ok_or_else(|| {
        ApiError::bad_json(
            "Failed to validate input json. Path: 'attribute_id', message: 'required'",
        )
    })?;
    let face = state.store.face(account, face_id)?;
    let temporary = state
        .store
        .temporary_attribute(account, attribute_id, now_ms())?;
    let descriptor = temporary
        .attribute
        .descriptor
        .as_ref()
        .map(|d| Descriptor::from_bytes(&d.bytes))
        .transpose()?;
    let attribute = FaceAttribute {
        descriptor: temporary.attribute.descriptor,
        basic_attributes: temporary.basic_attributes,
        descriptor_samples: temporary.attribute.samples,
        basic_attributes_samples: temporary.basic_attributes_samples,
        create_time: now_ms(),
    };
    state
        .store
        .put_face_attribute(account, face_id, &attribute)?;
    match descriptor {
        Some(d) => {
            let meta = ItemMeta {
                account,
                lists: face.lists,
                external_id: Some(face.external_id),
                created_at: face.create_time,
            };
            state.index.upsert(face_id, &d.values, meta)?;
        }
        None => {
            state.index.remove(face_id);
        }
    }
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

/// `GET /6/faces/{id}/attributes`: `{"attributes": {...}}`, the descriptor in this build's raw layout.
pub fn get(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let face_id = parse_id("face_id", id)?;
    match req.query.get("descriptor_format").map(String::as_str) {
        None | Some("raw") => {}
        Some("sdk") => return Err(ApiError::unsupported("descriptor_format sdk")),
        Some(other) => {
            return Err(ApiError::bad_query(format!(
                "descriptor_format={other:?}: must be raw or sdk"
            )));
        }
    }
    let version = req.query::<u32>("descriptor_version")?;
    let a = state.store.face_attribute(account, face_id)?;
    if let Some(v) = version
        && a.descriptor.as_ref().is_some_and(|d| d.version != v)
    {
        return Err(ApiError::not_found(format!(
            "Face descriptor of version {v} is not found for object with id '{face_id}'"
        )));
    }
    let basic = stored_json(a.basic_attributes.as_deref(), "basic attributes")?;
    let descriptor = a
        .descriptor
        .as_ref()
        .map(|d| base64::engine::general_purpose::STANDARD.encode(&d.bytes));
    let view = json!({"create_time": time_text(a.create_time), "basic_attributes": basic,
                      "basic_attributes_samples": a.basic_attributes_samples, "face_descriptor": descriptor,
                      "face_descriptor_samples": a.descriptor_samples});
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"attributes": targets(req, &TARGETS, view)?}),
    ))
}

/// `DELETE /6/faces/{id}/attributes`: the descriptor goes, and the face leaves the index.
pub fn delete(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let face_id = parse_id("face_id", id)?;
    state.store.delete_face_attribute(account, face_id)?;
    state.index.remove(face_id);
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

/// `GET /6/faces/{id}/attributes/samples`: `{"samples": [...]}`, descriptor samples then basic-attribute ones.
pub fn samples(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let a = state
        .store
        .face_attribute(account, parse_id("face_id", id)?)?;
    let mut samples = a.descriptor_samples;
    for s in a.basic_attributes_samples {
        if !samples.contains(&s) {
            samples.push(s);
        }
    }
    Ok(Reply::Json(StatusCode::OK, json!({"samples": samples})))
}

/// `GET /6/faces/attributes/count`: `{"faces_count": n}`, faces with a descriptor or basic attributes.
pub fn count(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"faces_count": state.store.count_faces_with_attributes(account)?}),
    ))
}
