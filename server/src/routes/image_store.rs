//! The Image Store: `/6/images` (original images, with `X-Luna-Meta-*` user metadata) and `/6/objects` (any
//! bytes, with the Content-Type they were sent with). Bytes are stored as they came; the server never decodes
//! them. TTLs are in days (catalogue §3.5); without `ttl` a record is kept until deleted, as this build's
//! buckets have no lifetime of their own. GET and HEAD answer `X-Luna-Expiry-Date` when there is an expiry.

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::request::{Reply, Request, now_ms, parse_id, time_text};
use crate::state::AppState;
use argus_store::{ObjectKind, StoredObject};
use serde_json::{Map, Value, json};
use uuid::Uuid;
use warp::http::StatusCode;

/// The Content-Types `POST /6/images` takes.
const IMAGE_TYPES: [&str; 5] = [
    "image/jpeg",
    "image/png",
    "image/bmp",
    "image/tiff",
    "image/x-portable-pixmap",
];
/// The TTLs in days the API allows; -1 keeps the record until deleted.
const TTL_DAYS: [i64; 14] = [1, 2, 3, 4, 5, 6, 7, 14, 30, 60, 90, 180, 365, -1];
const META_PREFIX: &str = "x-luna-meta-";

fn names(kind: ObjectKind) -> (&'static str, &'static str) {
    match kind {
        ObjectKind::Image => ("image_id", "images"),
        ObjectKind::Object => ("object_id", "objects"),
    }
}

/// The user metadata of the request's `X-Luna-Meta-<key>` headers, as a JSON object.
fn meta(req: &Request) -> ApiResult<String> {
    let mut fields = Map::new();
    for (name, value) in &req.headers {
        if let Some(key) = name.as_str().strip_prefix(META_PREFIX) {
            let value = value.to_str().map_err(|_| {
                ApiError::bad_input(format!("header {name} is not visible ASCII text"))
            })?;
            fields.insert(key.to_string(), Value::String(value.to_string()));
        }
    }
    Ok(Value::Object(fields).to_string())
}

/// `POST /6/images`, `POST /6/objects`.
pub fn create(state: &AppState, req: &Request, kind: ObjectKind) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let content_type = req.header("content-type").unwrap_or("").trim();
    let accepted = match kind {
        ObjectKind::Image => IMAGE_TYPES.contains(&content_type),
        ObjectKind::Object => !content_type.is_empty(),
    };
    if !accepted {
        return Err(ApiError::bad_input(match kind {
            ObjectKind::Image => {
                format!("Content-Type {content_type:?} is not one of {IMAGE_TYPES:?}")
            }
            ObjectKind::Object => "a Content-Type header is required".to_string(),
        }));
    }
    if req.body.is_empty() {
        return Err(ApiError::bad_input("Request does not contain data"));
    }
    let ttl = req.query::<i64>("ttl")?.unwrap_or(-1);
    if !TTL_DAYS.contains(&ttl) {
        return Err(ApiError::bad_query(format!(
            "ttl={ttl}: must be one of {TTL_DAYS:?} (days)"
        )));
    }
    let now = now_ms();
    let object = StoredObject {
        object_id: Uuid::new_v4(),
        account_id: account,
        kind,
        bytes: req.body.to_vec(),
        content_type: content_type.to_string(),
        meta: match kind {
            ObjectKind::Image => meta(req)?,
            ObjectKind::Object => "{}".to_string(),
        },
        create_time: now,
        expire_time: StoredObject::expiry_for_ttl_days(now, ttl),
    };
    state.store.put_object(&object)?;
    let (id_field, path) = names(kind);
    Ok(Reply::Json(
        StatusCode::CREATED,
        json!({id_field: object.object_id, "url": format!("/6/{path}/{}", object.object_id)}),
    ))
}

/// `GET` / `HEAD /6/images/{id}` (`with_meta=1` adds the `X-Luna-Meta-*` headers), `/6/objects/{id}`.
pub fn get(state: &AppState, req: &Request, kind: ObjectKind, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let with_meta = match (kind, req.query::<u8>("with_meta")?) {
        (_, None | Some(0)) => false,
        (ObjectKind::Image, Some(1)) => true,
        (_, Some(v)) => {
            return Err(ApiError::bad_query(format!(
                "with_meta={v}: must be 0 or 1 (images only)"
            )));
        }
    };
    let id = parse_id(names(kind).0, id)?;
    let object = state.store.object(account, kind, id, now_ms())?;
    let mut headers = Vec::new();
    if let Some(expiry) = object.expire_time {
        headers.push(("X-Luna-Expiry-Date".to_string(), time_text(expiry)));
    }
    if with_meta {
        let stored: Map<String, Value> = serde_json::from_str(&object.meta)
            .map_err(|e| ApiError::internal(format!("stored metadata: {e}")))?;
        for (key, value) in stored {
            let value = value.as_str().unwrap_or_default().to_string();
            headers.push((format!("X-Luna-Meta-{key}"), value));
        }
    }
    Ok(Reply::Stored {
        content_type: object.content_type,
        headers,
        bytes: object.bytes,
    })
}

/// `DELETE /6/images/{id}`, `/6/objects/{id}`.
pub fn delete(state: &AppState, req: &Request, kind: ObjectKind, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let id = parse_id(names(kind).0, id)?;
    state.store.delete_object(account, kind, id)?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}
