//! A client-built event (the fields of "save event", catalogue §2.14) checked and turned into a stored `Event`.
//! Detections are split into the stored `face_detections` / `body_detections` (nested-schemas §2.6); the best
//! candidate of `matches` becomes the top match. Fields whose schema the catalogue does not give (`face`,
//! `face_attributes`, `body_attributes`, `aggregate_estimations`) answer 501 when they are not null.

use crate::error::{ApiError, ApiResult};
use argus_store::{Event, EventEstimations, EventLocation, GeoPosition, MatchedObject, TopMatch};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// One event as the client sends it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewEvent {
    #[serde(default)]
    detections: Vec<Map<String, Value>>,
    source: Option<String>,
    stream_id: Option<Uuid>,
    #[serde(default)]
    location: NewLocation,
    #[serde(default)]
    external_id: String,
    #[serde(default)]
    user_data: String,
    track_id: Option<String>,
    face: Option<Value>,
    matches: Option<Vec<NewMatch>>,
    face_attributes: Option<Value>,
    body_attributes: Option<Value>,
    aggregate_estimations: Option<Value>,
    #[serde(default)]
    tags: Vec<String>,
    create_time: Option<String>,
    end_time: Option<String>,
    meta: Option<Map<String, Value>>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewLocation {
    city: Option<String>,
    area: Option<String>,
    district: Option<String>,
    street: Option<String>,
    house_number: Option<String>,
    geo_position: Option<NewGeo>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewGeo {
    latitude: f64,
    longitude: f64,
}

#[derive(Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct NewMatch {
    label: String,
    candidates: Vec<Candidate>,
}

#[derive(Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct Candidate {
    #[serde(skip_serializing_if = "Option::is_none")]
    face: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<Map<String, Value>>,
    similarity: f64,
}

/// The 12022 error of a field of event `index`.
fn invalid(index: usize, path: &str, message: &str) -> ApiError {
    ApiError::bad_json(format!(
        "Failed to validate input json. Path: 'events.{index}.{path}', message: '{message}'"
    ))
}

fn at_most(index: usize, path: &str, text: Option<&str>, max: usize) -> ApiResult<()> {
    match text {
        Some(t) if t.chars().count() > max => {
            Err(invalid(index, path, &format!("at most {max} characters")))
        }
        _ => Ok(()),
    }
}

fn time(index: usize, path: &str, text: Option<&str>) -> ApiResult<Option<i64>> {
    text.map(|t| {
        chrono::DateTime::parse_from_rfc3339(t)
            .map(|t| t.timestamp_millis())
            .map_err(|_| invalid(index, path, "not an RFC 3339 date-time"))
    })
    .transpose()
}

fn track_id_ok(t: &str) -> bool {
    (1..=36).contains(&t.len())
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The stored detections of one kind (`face` or `body`): each detection's sample of that kind with the
/// detection's time, timestamp and origin.
fn detections_of(detections: &[Map<String, Value>], kind: &str) -> Value {
    let items: Vec<Value> = detections
        .iter()
        .filter_map(|d| {
            let sample = d.get("samples")?.get(kind)?;
            Some(
                json!({"sample_id": sample.get("sample_id"), "detection": sample.get("detection"),
                        "detect_time": d.get("detect_time"), "detect_ts": d.get("detect_ts"),
                        "image_origin": d.get("image_origin")}),
            )
        })
        .collect();
    Value::Array(items)
}

fn check_detections(index: usize, detections: &[Map<String, Value>]) -> ApiResult<()> {
    if detections.len() > 100 {
        return Err(invalid(index, "detections", "at most 100 items"));
    }
    for (i, d) in detections.iter().enumerate() {
        let samples = d.get("samples").and_then(Value::as_object);
        let has_sample = samples.is_some_and(|s| s.contains_key("face") || s.contains_key("body"));
        if !has_sample {
            return Err(invalid(
                index,
                &format!("detections.{i}.samples"),
                "a face or body sample is required",
            ));
        }
        if let Some(t) = d.get("detect_time") {
            time(
                index,
                &format!("detections.{i}.detect_time"),
                Some(t.as_str().unwrap_or("")),
            )?;
        }
    }
    Ok(())
}

/// The most similar candidate of all matches.
fn top_match(index: usize, matches: &[NewMatch]) -> ApiResult<Option<TopMatch>> {
    let mut best: Option<TopMatch> = None;
    for (m, item) in matches.iter().enumerate() {
        for (c, candidate) in item.candidates.iter().enumerate() {
            let path = format!("matches.{m}.candidates.{c}");
            let id_of = |object: &Map<String, Value>, key: &str| {
                object
                    .get(key)
                    .and_then(Value::as_str)
                    .and_then(|s| Uuid::parse_str(s).ok())
                    .ok_or_else(|| invalid(index, &format!("{path}.{key}"), "a UUID is required"))
            };
            let (object, fields) = match (&candidate.face, &candidate.event) {
                (Some(face), None) => (MatchedObject::Face(id_of(face, "face_id")?), face),
                (None, Some(event)) => (MatchedObject::Event(id_of(event, "event_id")?), event),
                _ => return Err(invalid(index, &path, "exactly one of face and event")),
            };
            if !(0.0..=1.0).contains(&candidate.similarity) {
                return Err(invalid(
                    index,
                    &format!("{path}.similarity"),
                    "must be in 0..1",
                ));
            }
            if best
                .as_ref()
                .is_none_or(|b| candidate.similarity > b.similarity)
            {
                best = Some(TopMatch {
                    object,
                    external_id: fields
                        .get("external_id")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    label: item.label.clone(),
                    similarity: candidate.similarity,
                });
            }
        }
    }
    Ok(best)
}

impl NewEvent {
    /// The stored event: checked field by field, `index` naming it in errors; times default to `now`.
    pub fn into_event(self, index: usize, account: Uuid, now: i64) -> ApiResult<Event> {
        for (name, given) in [
            ("face", &self.face),
            ("face_attributes", &self.face_attributes),
            ("body_attributes", &self.body_attributes),
            ("aggregate_estimations", &self.aggregate_estimations),
        ] {
            if given.as_ref().is_some_and(|v| !v.is_null()) {
                return Err(ApiError::unsupported(format!("the event field {name}")));
            }
        }
        at_most(index, "source", self.source.as_deref(), 128)?;
        at_most(index, "external_id", Some(&self.external_id), 36)?;
        at_most(index, "user_data", Some(&self.user_data), 128)?;
        if self.track_id.as_deref().is_some_and(|t| !track_id_ok(t)) {
            return Err(invalid(
                index,
                "track_id",
                "must match ^[a-zA-Z0-9_\\-]{1,36}$",
            ));
        }
        if self.tags.len() > 1000 {
            return Err(invalid(index, "tags", "at most 1000 items"));
        }
        for (i, tag) in self.tags.iter().enumerate() {
            at_most(index, &format!("tags.{i}"), Some(tag), 36)?;
        }
        let l = &self.location;
        for (name, value) in [
            ("city", &l.city),
            ("area", &l.area),
            ("district", &l.district),
            ("street", &l.street),
            ("house_number", &l.house_number),
        ] {
            at_most(index, &format!("location.{name}"), value.as_deref(), 36)?;
        }
        let off_earth = |g: &NewGeo| {
            !(-90.0..=90.0).contains(&g.latitude) || !(-180.0..=180.0).contains(&g.longitude)
        };
        if l.geo_position.as_ref().is_some_and(off_earth) {
            return Err(invalid(
                index,
                "location.geo_position",
                "latitude in -90..90, longitude in -180..180",
            ));
        }
        check_detections(index, &self.detections)?;
        let matches = self.matches.unwrap_or_default();
        if matches.len() > 30 {
            return Err(invalid(index, "matches", "at most 30 items"));
        }
        let top_match = top_match(index, &matches)?;
        let meta = self.meta.map(|m| Value::Object(m).to_string());
        if meta.as_ref().is_some_and(|m| m.len() > 2 * 1024 * 1024) {
            return Err(invalid(index, "meta", "at most 2 MB"));
        }
        let create_time = time(index, "create_time", self.create_time.as_deref())?.unwrap_or(now);
        let end_time = time(index, "end_time", self.end_time.as_deref())?.unwrap_or(create_time);
        let location = self.location;
        Ok(Event {
            // Time-ordered (version 7), so the store's indexes on event ids grow at their end.
            event_id: Uuid::now_v7(),
            account_id: account,
            handler_id: None,
            create_time,
            end_time,
            source: self.source,
            stream_id: self.stream_id,
            location: EventLocation {
                city: location.city,
                area: location.area,
                district: location.district,
                street: location.street,
                house_number: location.house_number,
                geo_position: location.geo_position.map(|g| GeoPosition {
                    latitude: g.latitude,
                    longitude: g.longitude,
                }),
            },
            tags: self.tags,
            track_id: self.track_id,
            external_id: self.external_id,
            user_data: self.user_data,
            meta,
            face_id: None,
            attach_result: Vec::new(),
            top_match,
            match_result: (!matches.is_empty()).then(|| json!(matches).to_string()),
            face_detections: detections_of(&self.detections, "face").to_string(),
            body_detections: detections_of(&self.detections, "body").to_string(),
            estimations: EventEstimations::default(),
        })
    }
}
