//! Events (catalogue §2.14): `POST /6/events` saves a batch of events without a handler (all or none),
//! `GET /6/events` searches them, `GET`/`HEAD`/`DELETE /6/events/{id}`. Events are shown in the stored shape of
//! nested-schemas §2.6, cut to the fields named by `target`; estimations this build does not store (age, gender,
//! emotion, mask, …) are null.

use super::event_input::NewEvent;
use super::event_query::event_query;
use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::request::{Reply, Request, now_ms, page, parse_id, stored_json, time_text};
use crate::state::AppState;
use argus_index::ItemMeta;
use argus_store::{Event, MatchedObject};
use serde::Deserialize;
use serde_json::{Value, json};
use warp::http::StatusCode;

/// The fields `target` may name (catalogue §2.14), in the order they are shown.
const TARGETS: &[&str] = &[
    "event_id",
    "account_id",
    "create_time",
    "end_time",
    "external_id",
    "handler_id",
    "stream_id",
    "source",
    "top_match",
    "match_result",
    "face_detections",
    "body_detections",
    "face_id",
    "attach_result",
    "gender",
    "age",
    "emotion",
    "ethnic_group",
    "tags",
    "user_data",
    "location",
    "mask",
    "liveness",
    "deepfake",
    "track_id",
    "body_basic_attributes",
    "upper_body",
    "lower_body",
    "accessories",
    "meta",
];

/// The most events one `POST /6/events` takes.
const MAX_BATCH: usize = 1000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewEvents {
    events: Vec<NewEvent>,
}

/// JSON text the server stored, read back.
fn view(e: &Event) -> ApiResult<Value> {
    let top_match = e.top_match.as_ref().map(|m| {
        let mut top =
            json!({"external_id": m.external_id, "label": m.label, "similarity": m.similarity});
        match m.object {
            MatchedObject::Face(id) => top["face_id"] = json!(id),
            MatchedObject::Event(id) => top["event_id"] = json!(id),
        }
        top
    });
    let l = &e.location;
    let geo = l
        .geo_position
        .map(|g| json!({"latitude": g.latitude, "longitude": g.longitude}));
    let match_result = stored_json(e.match_result.as_deref(), "event")?;
    let x = &e.estimations;
    Ok(json!({
        "event_id": e.event_id, "account_id": e.account_id, "create_time": time_text(e.create_time),
        "end_time": time_text(e.end_time), "external_id": e.external_id, "handler_id": e.handler_id,
        "stream_id": e.stream_id, "source": e.source, "top_match": top_match,
        "match_result": if match_result.is_null() { json!([]) } else { match_result },
        "face_detections": stored_json(Some(&e.face_detections), "event")?,
        "body_detections": stored_json(Some(&e.body_detections), "event")?,
        "face_id": e.face_id, "attach_result": e.attach_result,
        "gender": x.gender, "age": x.age.map(|a| a.round() as i64), "emotion": x.emotion,
        "ethnic_group": null,
        "tags": e.tags, "user_data": e.user_data,
        "location": {"city": l.city, "area": l.area, "district": l.district, "street": l.street,
                     "house_number": l.house_number, "geo_position": geo},
        "mask": null, "liveness": x.liveness, "deepfake": null, "track_id": e.track_id,
        "body_basic_attributes": null, "upper_body": null, "lower_body": null, "accessories": null,
        "meta": stored_json(e.meta.as_deref(), "event")?,
    }))
}

/// The fields named by `target` (all when absent); an unknown one is refused.
fn wanted(req: &Request) -> ApiResult<Option<Vec<&str>>> {
    let Some(target) = req.query.get("target") else {
        return Ok(None);
    };
    let names: Vec<&str> = target.split(',').map(str::trim).collect();
    match names.iter().find(|t| !TARGETS.contains(t)) {
        Some(bad) => Err(ApiError::bad_query(format!(
            "{bad:?} is not a valid target; valid targets are {TARGETS:?}"
        ))),
        None => Ok(Some(names)),
    }
}

fn shown(e: &Event, wanted: Option<&[&str]>) -> ApiResult<Value> {
    let mut v = view(e)?;
    if let (Some(names), Some(fields)) = (wanted, v.as_object_mut()) {
        fields.retain(|k, _| names.contains(&k.as_str()));
    }
    Ok(v)
}

/// What the event index keeps of an event besides its descriptor.
pub(super) fn index_meta(e: &Event) -> ItemMeta {
    ItemMeta {
        account: e.account_id,
        lists: Vec::new(),
        external_id: Some(e.external_id.clone()),
        created_at: e.create_time,
    }
}

/// Offers stored events to the live feed (`GET /6/ws`) in the catalogue's message shape.
pub(super) fn publish(state: &AppState, req: &Request, events: &[Event]) {
    for e in events {
        state.live.publish(e, || {
            json!({"event": view(e).unwrap_or(Value::Null), "handler_id": e.handler_id,
                   "event-create-time": time_text(e.create_time), "event-end-time": time_text(e.end_time),
                   "Luna-Request-id": req.header("luna-request-id")})
            .to_string()
        });
    }
}

/// `POST /6/events`: events without a handler, 1..=1000 of them; none is stored unless all are valid. These
/// events keep no descriptor (the save-event body has no descriptor field this build takes: `face_attributes`
/// answers 501), so they cannot be matched.
pub fn create(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let body: NewEvents = req.json()?;
    if body.events.is_empty() || body.events.len() > MAX_BATCH {
        return Err(ApiError::bad_json(format!(
            "Failed to validate input json. Path: 'events', message: '1..{MAX_BATCH} items'"
        )));
    }
    let now = now_ms();
    let events = body
        .events
        .into_iter()
        .enumerate()
        .map(|(i, e)| e.into_event(i, account, now))
        .collect::<ApiResult<Vec<Event>>>()?;
    state.store.create_events(&events)?;
    publish(state, req, &events);
    let created: Vec<Value> = events
        .iter()
        .map(|e| json!({"event_id": e.event_id, "url": format!("/6/events/{}", e.event_id)}))
        .collect();
    Ok(Reply::Json(StatusCode::CREATED, json!({"events": created})))
}

/// `GET /6/events`: the account's events matching the filters, newest first unless `order=asc`.
pub fn list(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let query = event_query(req)?;
    let page = page(req)?;
    let wanted = wanted(req)?;
    let other_account = req
        .query
        .get("account_id")
        .map(|v| parse_id("account_id", v))
        .transpose()?
        .is_some_and(|a| a != account);
    let events = match other_account {
        true => Vec::new(),
        false => state.store.events(account, &query, page)?,
    };
    let shown = events
        .iter()
        .map(|e| shown(e, wanted.as_deref()))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Reply::Json(StatusCode::OK, json!({"events": shown})))
}

/// `GET` and `HEAD /6/events/{id}`.
pub fn get(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let wanted = wanted(req)?;
    let event = state.store.event(account, parse_id("event_id", id)?)?;
    Ok(Reply::Json(
        StatusCode::OK,
        shown(&event, wanted.as_deref())?,
    ))
}

/// `DELETE /6/events/{id}`.
pub fn delete(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let id = parse_id("event_id", id)?;
    state.store.delete_event(account, id)?;
    state.event_index.remove(id);
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}
