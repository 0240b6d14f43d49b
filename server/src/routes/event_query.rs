//! The query of `GET /6/events` (catalogue §2.14) as an `EventQuery`: comma lists where the literal `null`
//! selects "not set", the geo box, the one-month default window, `meta.<path>__<op>:<type>` filters, order and
//! paging, and the estimations handlers store (`age__gte`, `age__lt`, and comma lists of codes with `null` for
//! `gender`, `emotions`, `liveness`). Filters on estimations this build never makes (mask, ethnicity, clothing, …)
//! answer 501 rather than an empty page; any other unknown parameter is refused.

use crate::error::{ApiError, ApiResult};
use crate::estimations::ESTIMATION_FILTERS;
use crate::request::{Request, id_list, now_ms, parse_id, time_query};
use argus_store::{EventQuery, GeoFilter, GeoPosition, MetaFilter, MetaOp, MetaValue, Order};
use uuid::Uuid;

/// Every other parameter `GET /6/events` takes (besides `meta.*`).
const KNOWN: &[&str] = &[
    "account_id",
    "target",
    "create_time__gte",
    "create_time__lt",
    "end_time__gte",
    "end_time__lt",
    "sources",
    "stream_ids",
    "cities",
    "areas",
    "districts",
    "streets",
    "house_numbers",
    "origin_longitude",
    "origin_latitude",
    "longitude_delta",
    "latitude_delta",
    "top_matching_candidates_label",
    "top_similar_object_ids",
    "top_similar_external_ids",
    "top_similar_object_similarity__gte",
    "top_similar_object_similarity__lt",
    "face_ids",
    "event_ids",
    "handler_ids",
    "external_ids",
    "event_id__gte",
    "event_id__lt",
    "user_data",
    "tags",
    "track_ids",
    "order",
    "page",
    "page_size",
    "age__gte",
    "age__lt",
    "gender",
    "emotions",
    "liveness",
];

/// A comma list of event codes in `0..=max` where `null` means "not estimated".
fn nullable_codes(
    req: &Request,
    name: &str,
    min: u8,
    max: u8,
) -> ApiResult<Option<Vec<Option<u8>>>> {
    let Some(v) = req.query.get(name) else {
        return Ok(None);
    };
    v.split(',')
        .map(|s| match s {
            "null" => Ok(None),
            s => match s.parse::<u8>() {
                Ok(code) if (min..=max).contains(&code) => Ok(Some(code)),
                _ => Err(ApiError::bad_query(format!(
                    "{name}: {s:?} is not null or a code in {min}..{max}"
                ))),
            },
        })
        .collect::<ApiResult<Vec<_>>>()
        .map(Some)
}

/// A comma list where `null` means "not set"; every other item at most `max` characters.
fn nullable_texts(req: &Request, name: &str, max: usize) -> ApiResult<Option<Vec<Option<String>>>> {
    let Some(v) = req.query.get(name) else {
        return Ok(None);
    };
    v.split(',')
        .map(|s| match s {
            "null" => Ok(None),
            s if s.chars().count() > max => Err(ApiError::bad_query(format!(
                "{name}: {s:?} is longer than {max} characters"
            ))),
            s => Ok(Some(s.to_string())),
        })
        .collect::<ApiResult<_>>()
        .map(Some)
}

/// A comma list of texts, each at most `max` characters.
fn texts(req: &Request, name: &str, max: usize) -> ApiResult<Option<Vec<String>>> {
    let Some(v) = req.query.get(name) else {
        return Ok(None);
    };
    v.split(',')
        .map(|s| match s.chars().count() > max {
            true => Err(ApiError::bad_query(format!(
                "{name}: {s:?} is longer than {max} characters"
            ))),
            false => Ok(s.to_string()),
        })
        .collect::<ApiResult<_>>()
        .map(Some)
}

fn nullable_ids(req: &Request, name: &str) -> ApiResult<Option<Vec<Option<Uuid>>>> {
    let Some(items) = nullable_texts(req, name, usize::MAX)? else {
        return Ok(None);
    };
    items
        .into_iter()
        .map(|s| s.map(|s| parse_id(name, &s)).transpose())
        .collect::<ApiResult<_>>()
        .map(Some)
}

fn number(req: &Request, name: &str) -> ApiResult<Option<f64>> {
    let value = req.query::<f64>(name)?;
    match value {
        Some(v) if !v.is_finite() => Err(ApiError::bad_query(format!("{name} must be a number"))),
        v => Ok(v),
    }
}

/// The geo box (catalogue §2.14) of `GET /6/events`: both origins set, or one of them `null` with no deltas, or
/// nothing.
fn geo(req: &Request) -> ApiResult<Option<GeoFilter>> {
    let origin = |name: &str| -> ApiResult<Option<Option<f64>>> {
        match req.query.get(name).map(String::as_str) {
            None => Ok(None),
            Some("null") => Ok(Some(None)),
            Some(_) => number(req, name).map(Some),
        }
    };
    geo_box(
        origin("origin_longitude")?,
        origin("origin_latitude")?,
        number(req, "longitude_delta")?,
        number(req, "latitude_delta")?,
    )
    .map_err(|(_, why)| ApiError::bad_query(why))
}

/// The geo box from its four values: an origin is absent (`None`), `null` (`Some(None)`) or a number; the deltas
/// default to 0.01 degrees. A bad value names its field.
pub(super) fn geo_box(
    longitude: Option<Option<f64>>,
    latitude: Option<Option<f64>>,
    longitude_delta: Option<f64>,
    latitude_delta: Option<f64>,
) -> Result<Option<GeoFilter>, (&'static str, String)> {
    for (name, value, limit) in [
        ("origin_longitude", longitude, 180.0),
        ("origin_latitude", latitude, 90.0),
    ] {
        if value.flatten().is_some_and(|v| v.abs() > limit) {
            return Err((name, format!("{name} must be in -{limit}..{limit}")));
        }
    }
    for (name, value) in [
        ("longitude_delta", longitude_delta),
        ("latitude_delta", latitude_delta),
    ] {
        if value.is_some_and(|v| !(0.0..=90.0).contains(&v)) {
            return Err((name, format!("{name} must be in 0..90")));
        }
    }
    let no_delta = longitude_delta.is_none() && latitude_delta.is_none();
    match (longitude, latitude) {
        (None, None) if no_delta => Ok(None),
        (Some(Some(longitude)), Some(Some(latitude))) => Ok(Some(GeoFilter::Within {
            origin: GeoPosition {
                latitude,
                longitude,
            },
            latitude_delta: latitude_delta.unwrap_or(0.01),
            longitude_delta: longitude_delta.unwrap_or(0.01),
        })),
        (Some(None), _) | (_, Some(None)) if no_delta => Ok(Some(GeoFilter::Unset)),
        _ => Err((
            "origin_longitude",
            "the geo filter needs both origin_longitude and origin_latitude (or one of them null, without deltas)"
                .into(),
        )),
    }
}

/// The `meta` comparison an operator name (`eq`, `in`, `gte`, …) stands for.
pub(super) fn meta_op(name: &str) -> Option<MetaOp> {
    Some(match name {
        "eq" => MetaOp::Eq,
        "neq" => MetaOp::Neq,
        "like" => MetaOp::Like,
        "nlike" => MetaOp::Nlike,
        "in" => MetaOp::In,
        "nin" => MetaOp::Nin,
        "gt" => MetaOp::Gt,
        "gte" => MetaOp::Gte,
        "lt" => MetaOp::Lt,
        "lte" => MetaOp::Lte,
        _ => return None,
    })
}

/// One `meta.<path>__<op>:<type>=value` parameter (`key` without the `meta.` prefix).
fn meta_filter(key: &str, value: &str) -> ApiResult<MetaFilter> {
    let bad = |why: &str| ApiError::bad_query(format!("meta.{key}: {why}"));
    let (rest, kind) = key.rsplit_once(':').unwrap_or((key, "string"));
    let (path, op) = match rest.rsplit_once("__") {
        Some((path, op)) => (path, meta_op(op).ok_or_else(|| bad("unknown operator"))?),
        None => (rest, MetaOp::Eq),
    };
    let path: Vec<String> = path.split('.').map(str::to_string).collect();
    let valid =
        |p: &String| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !path.iter().all(valid) {
        return Err(bad("field names are Latin letters, digits and underscores"));
    }
    let many = matches!(op, MetaOp::In | MetaOp::Nin);
    let raw: Vec<&str> = if many {
        value.split(',').collect()
    } else {
        vec![value]
    };
    let values = raw
        .into_iter()
        .map(|v| match (v, kind) {
            ("null", _) => Ok(MetaValue::Null),
            (v, "string") => Ok(MetaValue::Text(v.to_string())),
            (v, "integer") => v
                .parse()
                .map(MetaValue::Integer)
                .map_err(|_| bad("not an integer")),
            (v, "numeric") => match v.parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(MetaValue::Numeric(f)),
                _ => Err(bad("not a number")),
            },
            _ => Err(bad("the type is one of string, integer, numeric")),
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let has_null = values.contains(&MetaValue::Null);
    let text_only = matches!(op, MetaOp::Like | MetaOp::Nlike);
    let ordered = matches!(op, MetaOp::Gt | MetaOp::Gte | MetaOp::Lt | MetaOp::Lte);
    if (text_only && kind != "string") || ((text_only || ordered) && has_null) {
        return Err(bad("this operator does not take this type"));
    }
    Ok(MetaFilter { path, op, values })
}

/// The `GET /6/events` conditions of the request.
pub fn event_query(req: &Request) -> ApiResult<EventQuery> {
    for name in req.query.keys() {
        if ESTIMATION_FILTERS.contains(&name.as_str()) {
            return Err(ApiError::unsupported(format!("the event filter {name}")));
        }
        if !KNOWN.contains(&name.as_str()) && !name.starts_with("meta.") {
            return Err(ApiError::bad_query(format!(
                "unknown query parameter {name}"
            )));
        }
    }
    let id = |name: &str| req.query.get(name).map(|v| parse_id(name, v)).transpose();
    let order = match req.query.get("order").map(String::as_str) {
        None | Some("desc") => Order::Desc,
        Some("asc") => Order::Asc,
        Some(other) => {
            return Err(ApiError::bad_query(format!(
                "order={other:?} is not asc or desc"
            )));
        }
    };
    let mut meta: Vec<MetaFilter> = req
        .query
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("meta.").map(|k| meta_filter(k, v)))
        .collect::<ApiResult<_>>()?;
    meta.sort_by(|a, b| a.path.cmp(&b.path));
    let mut q = EventQuery {
        event_ids: id_list(req, "event_ids")?,
        event_id_gte: id("event_id__gte")?,
        event_id_lt: id("event_id__lt")?,
        create_time_gte: time_query(req, "create_time__gte")?,
        create_time_lt: time_query(req, "create_time__lt")?,
        end_time_gte: time_query(req, "end_time__gte")?,
        end_time_lt: time_query(req, "end_time__lt")?,
        handler_ids: id_list(req, "handler_ids")?,
        face_ids: id_list(req, "face_ids")?,
        external_ids: texts(req, "external_ids", 36)?,
        sources: nullable_texts(req, "sources", 128)?,
        stream_ids: nullable_ids(req, "stream_ids")?,
        track_ids: nullable_texts(req, "track_ids", 36)?,
        cities: nullable_texts(req, "cities", 36)?,
        areas: nullable_texts(req, "areas", 36)?,
        districts: nullable_texts(req, "districts", 36)?,
        streets: nullable_texts(req, "streets", 36)?,
        house_numbers: nullable_texts(req, "house_numbers", 36)?,
        geo: geo(req)?,
        tags: texts(req, "tags", 36)?,
        user_data: req.query.get("user_data").cloned(),
        top_similarity_gte: number(req, "top_similar_object_similarity__gte")?,
        top_similarity_lt: number(req, "top_similar_object_similarity__lt")?,
        top_similar_object_ids: id_list(req, "top_similar_object_ids")?,
        top_similar_external_ids: texts(req, "top_similar_external_ids", 36)?,
        top_matching_label: req.query.get("top_matching_candidates_label").cloned(),
        meta,
        age_gte: number(req, "age__gte")?,
        age_lt: number(req, "age__lt")?,
        genders: nullable_codes(req, "gender", 0, 1)?,
        emotions: nullable_codes(req, "emotions", 1, 7)?,
        liveness: nullable_codes(req, "liveness", 0, 2)?,
        order,
    };
    let windowed = q.event_ids.is_none()
        && q.event_id_gte.is_none()
        && q.event_id_lt.is_none()
        && q.create_time_gte.is_none()
        && q.create_time_lt.is_none();
    if windowed {
        let now = now_ms();
        q.create_time_gte = Some(a_month_before(now));
        q.create_time_lt = Some(now);
    }
    Ok(q)
}

/// The same time of day one calendar month earlier (the default window of `GET /events`).
fn a_month_before(ms: i64) -> i64 {
    chrono::DateTime::from_timestamp_millis(ms)
        .and_then(|t| t.checked_sub_months(chrono::Months::new(1)))
        .map_or(ms - 30 * 86_400_000, |t| t.timestamp_millis())
}
