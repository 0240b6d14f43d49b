//! Samples (face warps, stored by `/6/detector` or uploaded ready-made): upload, read, delete; `POST /6/extractor`
//! turns samples into temporary attributes with a descriptor and, when asked, age and gender; `POST /6/attributes`
//! makes one from a descriptor.
//! The server hands bytes to the engine and stores the bytes it gets back; it never touches pixels.

use super::detection::flag;
use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::request::{Reply, Request, now_ms, parse_id, stored_json, time_text};
use crate::routes::estimation;
use crate::state::AppState;
use argus_engine::Descriptor;
use argus_engine::Wanted;
use argus_engine::attributes::basic::{BasicAttributes, mean as basic_mean};
use argus_store::{Attribute, StoredDescriptor, TemporaryAttribute};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;
use warp::http::StatusCode;

fn image_body(req: &Request) -> ApiResult<&[u8]> {
    let content_type = req.header("content-type").unwrap_or("");
    let raw = content_type.starts_with("image/") || content_type == "application/octet-stream";
    if !raw {
        return Err(ApiError::unsupported(format!(
            "Content-Type {content_type:?} (send the image bytes as image/*)"
        )));
    }
    Ok(&req.body)
}

/// `POST /6/samples/faces`: a ready warp.
pub fn upload(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let sample = state.engine.decode_sample(image_body(req)?)?;
    let id = Uuid::new_v4();
    state
        .store
        .put_sample(account, id, &state.engine.encode_sample(&sample), now_ms())?;
    Ok(Reply::Json(
        StatusCode::CREATED,
        json!({"sample_id": id, "url": format!("/6/samples/faces/{id}")}),
    ))
}

/// `GET` / `HEAD /6/samples/faces/{id}`.
pub fn get(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let bytes = state.store.sample(account, parse_id("sample_id", id)?)?;
    Ok(Reply::Bytes(StatusCode::OK, "image/png", bytes))
}

/// `DELETE /6/samples/faces/{id}`.
pub fn delete(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    state
        .store
        .delete_sample(account, parse_id("sample_id", id)?)?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

/// `POST /6/extractor`: a temporary attribute with a descriptor for each sample, and with
/// `extract_basic_attributes=1` its age and gender. With `aggregate_attributes=1` the samples are one person's and
/// make one attribute: the descriptor is the normalised mean of theirs, age and gender the mean of theirs.
pub fn extract(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let with_basic = flag(req, "extract_basic_attributes", false)?;
    let aggregate = flag(req, "aggregate_attributes", false)?;
    let ttl = req.query::<i64>("ttl")?.unwrap_or(300);
    if !(1..=86_400).contains(&ttl) {
        return Err(ApiError::bad_query("ttl must be in 1..86400 seconds"));
    }
    let ids: Vec<Uuid> = req.json()?;
    if ids.is_empty() || ids.len() > 8 {
        return Err(ApiError::bad_json(
            "Failed to validate input json. Path: '', message: '1..8 sample ids'",
        ));
    }
    let mut samples = Vec::with_capacity(ids.len());
    for id in &ids {
        let bytes = state
            .store
            .sample(account, *id)
            .map_err(|_| ApiError::bad_input(format!("Sample with id {id} not found")))?;
        samples.push(state.engine.decode_sample(&bytes)?);
    }
    let descriptors = state.engine.extract(&samples)?;
    let wanted = Wanted {
        basic_attributes: with_basic,
        ..Wanted::default()
    };
    let basics: Vec<Option<BasicAttributes>> = state
        .engine
        .estimate(&samples, wanted)?
        .into_iter()
        .map(|a| a.basic_attributes)
        .collect();
    let groups: Vec<Vec<usize>> = if aggregate {
        vec![(0..ids.len()).collect()]
    } else {
        (0..ids.len()).map(|i| vec![i]).collect()
    };
    let now = now_ms();
    let mut out = Vec::new();
    for group in groups {
        let sample_ids: Vec<Uuid> = group.iter().map(|&i| ids[i]).collect();
        let descriptor = mean_descriptor(group.iter().map(|&i| &descriptors[i]))?;
        let basic = basic_mean(&group.iter().filter_map(|&i| basics[i]).collect::<Vec<_>>());
        let basic_view = basic.map(estimation::basic_view);
        let attribute = TemporaryAttribute {
            attribute: Attribute {
                attribute_id: Uuid::new_v4(),
                account_id: account,
                descriptor: Some(StoredDescriptor {
                    version: descriptor.version,
                    bytes: descriptor.to_bytes(),
                }),
                samples: sample_ids.clone(),
                create_time: now,
                expire_time: now + ttl * 1000,
            },
            basic_attributes: basic_view.as_ref().map(Value::to_string),
            basic_attributes_samples: if basic.is_some() {
                sample_ids.clone()
            } else {
                Vec::new()
            },
        };
        state.store.put_temporary_attribute(&attribute)?;
        let id = attribute.attribute.attribute_id;
        let mut view = json!({"attribute_id": id, "url": format!("/6/attributes/{id}"), "samples": sample_ids});
        if let Some(b) = basic_view {
            view["basic_attributes"] = b;
        }
        out.push(view);
    }
    Ok(Reply::Json(StatusCode::CREATED, Value::Array(out)))
}

/// The normalised mean of one person's descriptors (a single descriptor is itself).
pub(super) fn mean_descriptor<'a>(
    descriptors: impl Iterator<Item = &'a Descriptor>,
) -> ApiResult<Descriptor> {
    let mut sum: Vec<f32> = Vec::new();
    let mut version = None;
    for d in descriptors {
        if sum.is_empty() {
            sum = vec![0.0; d.values.len()];
        }
        sum.iter_mut().zip(&d.values).for_each(|(s, v)| *s += v);
        version = Some(d.version);
    }
    let version = version.ok_or_else(|| ApiError::internal("no descriptor to aggregate"))?;
    Ok(Descriptor::from_raw(version, sum)?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAttribute {
    face_descriptors: Option<Vec<ExternalDescriptor>>,
    #[serde(default)]
    face_descriptor_samples: Vec<Uuid>,
    basic_attributes: Option<Value>,
    #[serde(default)]
    basic_attributes_samples: Vec<Uuid>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExternalDescriptor {
    descriptor: String,
    version: u32,
}

/// `POST /6/attributes`: a temporary attribute from a descriptor computed elsewhere (base64, this build's layout or
/// bare f32 values, of this build's version).
pub fn create_attribute(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let body: NewAttribute = req.json()?;
    if body.basic_attributes.is_some() || !body.basic_attributes_samples.is_empty() {
        return Err(ApiError::unsupported("basic_attributes"));
    }
    let descriptors = body.face_descriptors.unwrap_or_default();
    let [given] = descriptors.as_slice() else {
        return Err(ApiError::bad_json(
            "Failed to validate input json. Path: 'face_descriptors', message: 'exactly one descriptor'",
        ));
    };
    if given.version != state.engine.descriptor_version() {
        return Err(ApiError::bad_input(format!(
            "Descriptor version {} is not registered in the system",
            given.version
        )));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&given.descriptor)
        .map_err(|_| ApiError::bad_input("descriptor is not base64"))?;
    let descriptor = argus_engine::Descriptor::from_bytes(&bytes)?;
    if descriptor.version != given.version {
        return Err(ApiError::bad_input(
            "the descriptor's header and version disagree",
        ));
    }
    let ttl = req.query::<i64>("ttl")?.unwrap_or(300);
    if !(1..=86_400).contains(&ttl) {
        return Err(ApiError::bad_query("ttl must be in 1..86400 seconds"));
    }
    let now = now_ms();
    let attribute = Attribute {
        attribute_id: Uuid::new_v4(),
        account_id: account,
        descriptor: Some(StoredDescriptor {
            version: descriptor.version,
            bytes: descriptor.to_bytes(),
        }),
        samples: body.face_descriptor_samples,
        create_time: now,
        expire_time: now + ttl * 1000,
    };
    state.store.put_attribute(&attribute)?;
    Ok(Reply::Json(
        StatusCode::CREATED,
        json!({"attribute_id": attribute.attribute_id, "url": format!("/6/attributes/{}", attribute.attribute_id)}),
    ))
}

/// `GET` / `HEAD /6/attributes/{id}`.
pub fn attribute(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let t = state
        .store
        .temporary_attribute(account, parse_id("attribute_id", id)?, now_ms())?;
    let basic = stored_json(t.basic_attributes.as_deref(), "basic attributes")?;
    let a = t.attribute;
    let descriptor = a
        .descriptor
        .as_ref()
        .map(|d| base64::engine::general_purpose::STANDARD.encode(&d.bytes));
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"attribute_id": a.attribute_id, "account_id": a.account_id, "create_time": time_text(a.create_time),
               "face_descriptor": descriptor, "face_descriptor_version": a.descriptor.map(|d| d.version),
               "face_descriptor_samples": a.samples, "basic_attributes": basic,
               "basic_attributes_samples": t.basic_attributes_samples}),
    ))
}

/// `DELETE /6/attributes/{id}`.
pub fn delete_attribute(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    state
        .store
        .delete_attribute(account, parse_id("attribute_id", id)?)?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}
