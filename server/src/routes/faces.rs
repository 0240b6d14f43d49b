//! Faces: create (from a temporary attribute's descriptor, into lists), get, list with filters, delete.
//! Every write goes to the store first and then to the index.

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::request::{Reply, Request, id_list, now_ms, page, parse_id, time_text};
use crate::state::AppState;
use argus_engine::Descriptor;
use argus_index::ItemMeta;
use argus_store::{Face, FaceAttribute, FaceFilter, FacePatch};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;
use warp::http::StatusCode;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AttributeRef {
    attribute_id: Uuid,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewFace {
    attribute: Option<AttributeRef>,
    #[serde(default)]
    external_id: String,
    #[serde(default)]
    user_data: String,
    #[serde(default)]
    avatar: String,
    #[serde(default)]
    lists: Vec<Uuid>,
    event_id: Option<Uuid>,
}

pub(crate) fn view(f: &Face) -> Value {
    json!({"face_id": f.face_id, "account_id": f.account_id, "event_id": f.event_id, "user_data": f.user_data,
           "external_id": f.external_id, "avatar": f.avatar, "create_time": time_text(f.create_time), "lists": f.lists})
}

/// `POST /6/faces`.
pub fn create(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let body: NewFace = req.json()?;
    if body.external_id.len() > 36 || body.user_data.len() > 128 || body.avatar.len() > 256 {
        return Err(ApiError::bad_json(
            "Failed to validate input json: external_id ≤ 36, user_data ≤ 128, avatar ≤ 256 characters",
        ));
    }
    let temporary = body
        .attribute
        .map(|a| {
            state
                .store
                .temporary_attribute(account, a.attribute_id, now_ms())
        })
        .transpose()?;
    let descriptor = match &temporary {
        None => None,
        Some(t) => Some(t.attribute.descriptor.clone().ok_or_else(|| {
            ApiError::bad_input(format!(
                "Descriptor for attribute '{}' was not extracted",
                t.attribute.attribute_id
            ))
        })?),
    };
    let face = Face {
        face_id: Uuid::new_v4(),
        account_id: account,
        user_data: body.user_data,
        external_id: body.external_id,
        event_id: body.event_id,
        avatar: body.avatar,
        create_time: now_ms(),
        lists: body.lists,
    };
    let parsed = descriptor
        .as_ref()
        .map(|d| Descriptor::from_bytes(&d.bytes))
        .transpose()?;
    match temporary.filter(|t| t.basic_attributes.is_some()) {
        // Basic attributes go with the face, with the samples of both, as `PUT /faces/{id}/attributes` keeps them.
        Some(t) => state.store.create_face_with_attribute(
            &face,
            &FaceAttribute {
                descriptor: descriptor.clone(),
                basic_attributes: t.basic_attributes,
                descriptor_samples: t.attribute.samples,
                basic_attributes_samples: t.basic_attributes_samples,
                create_time: face.create_time,
            },
        )?,
        None => state.store.create_face(&face, descriptor.as_ref())?,
    }
    if let Some(d) = parsed {
        let meta = ItemMeta {
            account,
            lists: face.lists.clone(),
            external_id: Some(face.external_id.clone()),
            created_at: face.create_time,
        };
        state.index.upsert(face.face_id, &d.values, meta)?;
    }
    Ok(Reply::Json(
        StatusCode::CREATED,
        json!({"face_id": face.face_id, "external_id": face.external_id, "url": format!("/6/faces/{}", face.face_id)}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatchFace {
    user_data: Option<String>,
    external_id: Option<String>,
    #[serde(default, deserialize_with = "present")]
    event_id: Option<Option<Uuid>>,
    avatar: Option<String>,
}

/// Tells a field given as `null` (Some(None)) from an absent one (None).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<Uuid>>, D::Error> {
    Option::<Uuid>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeleteFaces {
    face_ids: Vec<Uuid>,
}

fn filter(req: &Request) -> ApiResult<FaceFilter> {
    Ok(FaceFilter {
        list_id: req
            .query
            .get("list_id")
            .map(|v| parse_id("list_id", v))
            .transpose()?,
        face_ids: id_list(req, "face_ids")?,
        external_ids: req
            .query
            .get("external_ids")
            .map(|v| v.split(',').map(str::to_string).collect()),
    })
}

/// `GET /6/faces`.
pub fn list(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let faces = state.store.faces(account, &filter(req)?, page(req)?)?;
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"faces": faces.iter().map(view).collect::<Vec<_>>()}),
    ))
}

/// `GET /6/faces/{id}`.
pub fn get(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    Ok(Reply::Json(
        StatusCode::OK,
        view(&state.store.face(account, parse_id("face_id", id)?)?),
    ))
}

/// `DELETE /6/faces/{id}`.
pub fn delete(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let face = parse_id("face_id", id)?;
    state.store.delete_face(account, face)?;
    state.index.remove(face);
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

/// `GET /6/faces/count`.
pub fn count(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"faces_count": state.store.count_faces(account, &filter(req)?)?}),
    ))
}

/// `PATCH /6/faces/{id}`: user_data, external_id, event_id (or null), avatar.
pub fn patch(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let face = parse_id("face_id", id)?;
    let body: PatchFace = req.json()?;
    if body.user_data.is_none()
        && body.external_id.is_none()
        && body.event_id.is_none()
        && body.avatar.is_none()
    {
        return Err(ApiError::bad_json(
            "Failed to validate input json. Path: '', message: 'nothing to change'",
        ));
    }
    let too_long = |v: &Option<String>, n: usize| v.as_ref().is_some_and(|s| s.len() > n);
    if too_long(&body.external_id, 36)
        || too_long(&body.user_data, 128)
        || too_long(&body.avatar, 256)
    {
        return Err(ApiError::bad_json(
            "Failed to validate input json: external_id ≤ 36, user_data ≤ 128, avatar ≤ 256 characters",
        ));
    }
    let patch = FacePatch {
        user_data: body.user_data,
        external_id: body.external_id.clone(),
        event_id: body.event_id,
        avatar: body.avatar,
    };
    state.store.update_face(account, face, &patch)?;
    if let (Some(external_id), Some((mut meta, vector))) = (body.external_id, state.index.get(face))
    {
        meta.external_id = Some(external_id);
        state.index.upsert(face, &vector, meta)?;
    }
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

/// `DELETE /6/faces`: several faces; with `ignore=1` unknown ids are skipped, otherwise nothing is deleted.
pub fn delete_many(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let body: DeleteFaces = req.json()?;
    if body.face_ids.is_empty() {
        return Err(ApiError::bad_json(
            "Failed to validate input json. Path: 'face_ids', message: 'empty'",
        ));
    }
    let ignore = matches!(req.query::<u8>("ignore")?, Some(1));
    let found = state.store.faces(
        account,
        &FaceFilter {
            face_ids: Some(body.face_ids.clone()),
            ..FaceFilter::default()
        },
        argus_store::Page {
            page: 1,
            page_size: u32::MAX,
        },
    )?;
    if !ignore
        && found.len()
            != body
                .face_ids
                .iter()
                .collect::<std::collections::HashSet<_>>()
                .len()
    {
        return Err(ApiError::not_found("One or more faces not found"));
    }
    for face in found {
        state.store.delete_face(account, face.face_id)?;
        state.index.remove(face.face_id);
    }
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}
