//! The `events` candidates of `POST /6/matcher/faces`: their `filters` (the `GET /6/events` conditions, in JSON
//! types) checked and turned into an index filter over the event index, and the hits shown as
//! `{"event": {...}, "similarity"}` items. Conditions the event index holds per item (account, ids, creation
//! time, external id) are evaluated inside the scan; any other condition is first resolved by the store to the
//! set of event ids that meet it. The caller's account always scopes the search: an `account_id` filter naming
//! another account selects nothing. The estimations handlers store are filtered as `GET /6/events` does
//! (`age__gte`, `age__lt`, and code lists with null for `gender`, `emotions`, `liveness`), and the geo box as
//! `GET /6/events` takes it (numbers, or `null` for "no position"); filters on estimations this build does not
//! make and `meta` answer 501 (19001); an unknown field answers 12022.

use super::event_query::geo_box;
use crate::error::{ApiError, ApiResult};
use crate::estimations::ESTIMATION_FILTERS;
use crate::request::time_text;
use crate::state::AppState;
use argus_engine::{Descriptor, similarity_to_score};
use argus_index::Filter;
use argus_store::{EventQuery, StoreError};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::HashSet;
use std::sync::Arc;
use uuid::Uuid;

/// The filters of an `events` candidate as the client sends them.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventFilters {
    #[serde(rename = "origin")]
    _origin: String,
    account_id: Option<Uuid>,
    event_ids: Option<Vec<Uuid>>,
    #[serde(rename = "event_id__gte")]
    event_id_gte: Option<Uuid>,
    #[serde(rename = "event_id__lt")]
    event_id_lt: Option<Uuid>,
    #[serde(rename = "create_time__gte")]
    create_time_gte: Option<String>,
    #[serde(rename = "create_time__lt")]
    create_time_lt: Option<String>,
    #[serde(rename = "end_time__gte")]
    end_time_gte: Option<String>,
    #[serde(rename = "end_time__lt")]
    end_time_lt: Option<String>,
    handler_ids: Option<Vec<Uuid>>,
    face_ids: Option<Vec<Uuid>>,
    external_ids: Option<Vec<String>>,
    sources: Option<Vec<Option<String>>>,
    stream_ids: Option<Vec<Option<Uuid>>>,
    track_ids: Option<Vec<Option<String>>>,
    cities: Option<Vec<Option<String>>>,
    areas: Option<Vec<Option<String>>>,
    districts: Option<Vec<Option<String>>>,
    streets: Option<Vec<Option<String>>>,
    house_numbers: Option<Vec<Option<String>>>,
    tags: Option<Vec<String>>,
    user_data: Option<String>,
    #[serde(rename = "top_similar_object_similarity__gte")]
    top_similarity_gte: Option<f64>,
    #[serde(rename = "top_similar_object_similarity__lt")]
    top_similarity_lt: Option<f64>,
    top_similar_object_ids: Option<Vec<Uuid>>,
    top_similar_external_ids: Option<Vec<String>>,
    top_matching_candidates_label: Option<String>,
    #[serde(rename = "age__gte")]
    age_gte: Option<f64>,
    #[serde(rename = "age__lt")]
    age_lt: Option<f64>,
    gender: Option<Vec<Option<u8>>>,
    emotions: Option<Vec<Option<u8>>>,
    liveness: Option<Vec<Option<u8>>>,
    #[serde(default, deserialize_with = "present")]
    origin_longitude: Option<Option<f64>>,
    #[serde(default, deserialize_with = "present")]
    origin_latitude: Option<Option<f64>>,
    longitude_delta: Option<f64>,
    latitude_delta: Option<f64>,
}

/// A field that is present: `null` is `Some(None)`, absent (the default) is `None`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<f64>>, D::Error> {
    Option::<f64>::deserialize(d).map(Some)
}

/// An `events` candidate ready to search: the index filter, or nothing when it can select no event.
pub struct EventCandidates {
    filter: Option<Filter>,
}

fn invalid(index: usize, field: &str, message: &str) -> ApiError {
    ApiError::bad_json(format!(
        "Failed to validate input json. Path: 'candidates.{index}.filters.{field}', message: '{message}'"
    ))
}

fn time(index: usize, field: &str, text: Option<&str>) -> ApiResult<Option<i64>> {
    text.map(|t| {
        chrono::DateTime::parse_from_rfc3339(t)
            .map(|t| t.timestamp_millis())
            .map_err(|_| invalid(index, field, "not an RFC 3339 date-time"))
    })
    .transpose()
}

/// True when the conditions other than ids, creation time and external ids are all absent, so that the event
/// index alone can answer.
fn index_answers(q: &EventQuery) -> bool {
    let EventQuery {
        event_ids: _,
        create_time_gte: _,
        create_time_lt: _,
        external_ids: _,
        order: _,
        event_id_gte,
        event_id_lt,
        end_time_gte,
        end_time_lt,
        handler_ids,
        face_ids,
        sources,
        stream_ids,
        track_ids,
        cities,
        areas,
        districts,
        streets,
        house_numbers,
        geo,
        tags,
        user_data,
        top_similarity_gte,
        top_similarity_lt,
        top_similar_object_ids,
        top_similar_external_ids,
        top_matching_label,
        meta,
        age_gte,
        age_lt,
        genders,
        emotions,
        liveness,
    } = q;
    event_id_gte.is_none()
        && event_id_lt.is_none()
        && end_time_gte.is_none()
        && end_time_lt.is_none()
        && handler_ids.is_none()
        && face_ids.is_none()
        && sources.is_none()
        && stream_ids.is_none()
        && track_ids.is_none()
        && cities.is_none()
        && areas.is_none()
        && districts.is_none()
        && streets.is_none()
        && house_numbers.is_none()
        && geo.is_none()
        && tags.is_none()
        && user_data.is_none()
        && top_similarity_gte.is_none()
        && top_similarity_lt.is_none()
        && top_similar_object_ids.is_none()
        && top_similar_external_ids.is_none()
        && top_matching_label.is_none()
        && meta.is_empty()
        && age_gte.is_none()
        && age_lt.is_none()
        && genders.is_none()
        && emotions.is_none()
        && liveness.is_none()
}

/// The conditions of the filters as an `EventQuery` (no default time window: a matcher candidate without a
/// time bound covers every event), and the `account_id` filter.
fn event_query(
    index: usize,
    filters: &Map<String, Value>,
) -> ApiResult<(EventQuery, Option<Uuid>)> {
    for name in filters.keys() {
        if ESTIMATION_FILTERS.contains(&name.as_str()) || name.starts_with("meta.") {
            return Err(ApiError::unsupported(format!(
                "the event candidate filter {name}"
            )));
        }
    }
    let f: EventFilters = serde_path_to_error::deserialize(Value::Object(filters.clone()))
        .map_err(|e| invalid(index, &e.path().to_string(), &e.inner().to_string()))?;
    for (name, texts, max) in [
        ("external_ids", &f.external_ids, 36),
        ("tags", &f.tags, 36),
        ("top_similar_external_ids", &f.top_similar_external_ids, 36),
    ] {
        if texts.iter().flatten().any(|t| t.chars().count() > max) {
            return Err(invalid(index, name, &format!("at most {max} characters")));
        }
    }
    for (name, codes, max) in [
        ("gender", &f.gender, 1),
        ("liveness", &f.liveness, 2),
        ("emotions", &f.emotions, 7),
    ] {
        let min = u8::from(name == "emotions");
        if codes
            .iter()
            .flatten()
            .flatten()
            .any(|c| !(min..=max).contains(c))
        {
            return Err(invalid(
                index,
                name,
                &format!("codes in {min}..{max} or null"),
            ));
        }
    }
    let similarity = |name: &str, v: Option<f64>| match v {
        Some(v) if !(0.0..=1.0).contains(&v) => Err(invalid(index, name, "must be in 0..1")),
        v => Ok(v),
    };
    let query = EventQuery {
        event_ids: f.event_ids,
        event_id_gte: f.event_id_gte,
        event_id_lt: f.event_id_lt,
        create_time_gte: time(index, "create_time__gte", f.create_time_gte.as_deref())?,
        create_time_lt: time(index, "create_time__lt", f.create_time_lt.as_deref())?,
        end_time_gte: time(index, "end_time__gte", f.end_time_gte.as_deref())?,
        end_time_lt: time(index, "end_time__lt", f.end_time_lt.as_deref())?,
        handler_ids: f.handler_ids,
        face_ids: f.face_ids,
        external_ids: f.external_ids,
        sources: f.sources,
        stream_ids: f.stream_ids,
        track_ids: f.track_ids,
        cities: f.cities,
        areas: f.areas,
        districts: f.districts,
        streets: f.streets,
        house_numbers: f.house_numbers,
        geo: geo_box(
            f.origin_longitude,
            f.origin_latitude,
            f.longitude_delta,
            f.latitude_delta,
        )
        .map_err(|(field, why)| invalid(index, field, &why))?,
        tags: f.tags,
        user_data: f.user_data,
        top_similarity_gte: similarity("top_similar_object_similarity__gte", f.top_similarity_gte)?,
        top_similarity_lt: similarity("top_similar_object_similarity__lt", f.top_similarity_lt)?,
        top_similar_object_ids: f.top_similar_object_ids,
        top_similar_external_ids: f.top_similar_external_ids,
        top_matching_label: f.top_matching_candidates_label,
        meta: Vec::new(),
        age_gte: f.age_gte,
        age_lt: f.age_lt,
        genders: f.gender,
        emotions: f.emotions,
        liveness: f.liveness,
        order: Default::default(),
    };
    Ok((query, f.account_id))
}

impl EventCandidates {
    /// Checks candidate `index`'s filters and prepares the search of the caller's events.
    pub fn new(
        state: &AppState,
        account: Uuid,
        index: usize,
        filters: &Map<String, Value>,
    ) -> ApiResult<EventCandidates> {
        let (query, account_filter) = event_query(index, filters)?;
        if account_filter.is_some_and(|a| a != account) {
            return Ok(EventCandidates { filter: None });
        }
        let ids: Option<HashSet<Uuid>> = if index_answers(&query) {
            query
                .event_ids
                .as_ref()
                .map(|ids| ids.iter().copied().collect())
        } else {
            Some(
                state
                    .store
                    .event_ids(account, &query)?
                    .into_iter()
                    .collect(),
            )
        };
        let (gte, lt) = (query.create_time_gte, query.create_time_lt);
        let external_ids = query.external_ids.clone();
        let predicate = move |meta: &argus_index::ItemMeta| {
            gte.is_none_or(|t| meta.created_at >= t)
                && lt.is_none_or(|t| meta.created_at < t)
                && external_ids.as_ref().is_none_or(|wanted| {
                    meta.external_id
                        .as_ref()
                        .is_some_and(|e| wanted.contains(e))
                })
        };
        Ok(EventCandidates {
            filter: Some(Filter {
                account: Some(account),
                lists: None,
                ids,
                predicate: Some(Arc::new(predicate)),
            }),
        })
    }

    /// The `limit` events most similar to the descriptor with a score of at least `threshold`, best first, as
    /// `{"event": {...}, "similarity"}` items. An event deleted since the search is left out.
    pub fn matches(
        &self,
        state: &AppState,
        account: Uuid,
        descriptor: &Descriptor,
        limit: usize,
        threshold: f32,
    ) -> ApiResult<Vec<Value>> {
        let Some(filter) = &self.filter else {
            return Ok(Vec::new());
        };
        if filter.ids.as_ref().is_some_and(HashSet::is_empty) {
            return Ok(Vec::new());
        }
        let hits = state
            .event_index
            .search(&descriptor.values, limit, filter)?;
        let mut out = Vec::with_capacity(hits.len());
        for hit in hits {
            let similarity = similarity_to_score(hit.similarity);
            if similarity < threshold {
                continue;
            }
            let event = match state.store.event(account, hit.id) {
                Ok(event) => event,
                Err(StoreError::NotFound { .. }) => continue,
                Err(e) => return Err(e.into()),
            };
            out.push(json!({
                "event": {"event_id": event.event_id, "handler_id": event.handler_id,
                          "external_id": event.external_id, "user_data": event.user_data,
                          "source": event.source, "tags": event.tags, "face_id": event.face_id,
                          "create_time": time_text(event.create_time)},
                "similarity": similarity,
            }));
        }
        Ok(out)
    }
}
