//! `POST /6/events/stats` (catalogue §2.14): `targets` (`{column, aggregator}`, with the catalogue's table of
//! which aggregator a column allows), `filters` (`{column, operator, value}`), one `period` (`{start, end}`)
//! and `group_by` (an interval `<N>m|h|d|w` or a calendar frequency such as `hourOfDay`). The answer is
//! `{"fields": [...], "stats": [[...], ...]}`: the time bucket first when grouping by time (`period_start` as
//! RFC 3339, or the frequency's name), then one field per target, named `<aggregator>_<column>` (the column's
//! own name for `group_by`). The estimations handlers store (`age`, `gender`, `emotion`, `liveness`) take every
//! aggregator, and filters `eq`/`in` on the codes (null: not estimated) and `gte`/`lt` on the age. Columns of
//! estimations this build never stores, `tags`, `geo_position` and `meta`
//! aggregations, and calendar months and years answer `501 19001`.

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::request::{Reply, Request, time_text};
use crate::state::AppState;
use argus_store::{
    Aggregator, CalendarField, EventQuery, MetaFilter, MetaOp, MetaValue, StatColumn, StatValue,
    StatsRequest, TimeBucket,
};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;
use warp::http::StatusCode;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    #[serde(default = "default_targets")]
    targets: Vec<Target>,
    #[serde(default)]
    filters: Vec<FilterItem>,
    #[serde(default)]
    period: Vec<Period>,
    group_by: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Target {
    column: String,
    aggregator: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FilterItem {
    column: String,
    operator: String,
    value: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Period {
    start: Option<String>,
    end: Option<String>,
}

fn default_targets() -> Vec<Target> {
    vec![Target {
        column: "event_id".into(),
        aggregator: "count".into(),
    }]
}

fn invalid(path: &str, message: &str) -> ApiError {
    ApiError::bad_json(format!(
        "Failed to validate input json. Path: '{path}', message: '{message}'"
    ))
}

fn aggregator(name: &str, path: &str) -> ApiResult<Aggregator> {
    Ok(match name {
        "count" => Aggregator::Count,
        "max" => Aggregator::Max,
        "min" => Aggregator::Min,
        "avg" => Aggregator::Avg,
        "group_by" => Aggregator::GroupBy,
        other => return Err(invalid(path, &format!("unknown aggregator {other:?}"))),
    })
}

/// The column of a target, refusing what the catalogue's table forbids and what this build cannot compute.
fn target(t: &Target, i: usize) -> ApiResult<(StatColumn, Aggregator)> {
    let path = format!("targets.{i}");
    let agg = aggregator(&t.aggregator, &format!("{path}.aggregator"))?;
    let Some(column) = StatColumn::named(&t.column) else {
        return Err(ApiError::unsupported(format!(
            "statistics on the column {:?}",
            t.column
        )));
    };
    let allowed = match column {
        StatColumn::TopSimilarObjectSimilarity => agg != Aggregator::GroupBy,
        StatColumn::CreateTime | StatColumn::EndTime => {
            matches!(agg, Aggregator::Count | Aggregator::Max | Aggregator::Min)
        }
        c if c.is_estimation() => true,
        _ => matches!(agg, Aggregator::Count | Aggregator::GroupBy),
    };
    if !allowed {
        return Err(invalid(
            &path,
            &format!("{} is not allowed on {}", t.aggregator, t.column),
        ));
    }
    Ok((column, agg))
}

fn bucket(text: &str) -> ApiResult<TimeBucket> {
    let frequency = match text {
        "monthOfYear" => Some(CalendarField::MonthOfYear),
        "weekOfYear" => Some(CalendarField::WeekOfYear),
        "dayOfYear" => Some(CalendarField::DayOfYear),
        "dayOfMonth" => Some(CalendarField::DayOfMonth),
        "dayOfWeek" => Some(CalendarField::DayOfWeek),
        "hourOfDay" => Some(CalendarField::HourOfDay),
        "minuteOfHour" => Some(CalendarField::MinuteOfHour),
        _ => None,
    };
    if let Some(f) = frequency {
        return Ok(TimeBucket::Frequency(f));
    }
    let bad = || invalid("group_by", "an interval <N>m|h|d|w|M|y or a frequency");
    let unit_at = text.len().checked_sub(1).ok_or_else(bad)?;
    let (n, unit) = text.split_at(unit_at);
    let n: i64 = n.parse().ok().filter(|n| *n > 0).ok_or_else(bad)?;
    let unit_ms = match unit {
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        "M" | "y" => {
            return Err(ApiError::unsupported(
                "group_by in calendar months or years",
            ));
        }
        _ => return Err(bad()),
    };
    n.checked_mul(unit_ms)
        .map(TimeBucket::Interval)
        .ok_or_else(bad)
}

fn text_values(value: &Value, path: &str) -> ApiResult<Vec<Option<String>>> {
    let one = |v: &Value| match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        _ => Err(invalid(path, "a string or null")),
    };
    match value {
        Value::Array(items) => items.iter().map(one).collect(),
        v => Ok(vec![one(v)?]),
    }
}

/// Estimation codes in `min..=max` or null ("not estimated"), one or an array.
fn code_values(value: &Value, path: &str, (min, max): (u8, u8)) -> ApiResult<Vec<Option<u8>>> {
    let one = |v: &Value| match v {
        Value::Null => Ok(None),
        v => v
            .as_u64()
            .filter(|code| (u64::from(min)..=u64::from(max)).contains(code))
            .map(|code| Some(code as u8))
            .ok_or_else(|| invalid(path, &format!("codes {min}..{max} or null"))),
    };
    match value {
        Value::Array(items) => items.iter().map(one).collect(),
        v => Ok(vec![one(v)?]),
    }
}

fn id_values(value: &Value, path: &str) -> ApiResult<Vec<Uuid>> {
    text_values(value, path)?
        .into_iter()
        .map(|t| {
            t.and_then(|t| Uuid::parse_str(&t).ok())
                .ok_or_else(|| invalid(path, "UUIDs"))
        })
        .collect()
}

fn meta_filter(path: &str, f: &FilterItem, at: &str) -> ApiResult<MetaFilter> {
    let op = super::event_query::meta_op(&f.operator)
        .ok_or_else(|| invalid(at, &format!("unknown operator {:?}", f.operator)))?;
    let value = |v: &Value| match v {
        Value::Null => Ok(MetaValue::Null),
        Value::String(s) => Ok(MetaValue::Text(s.clone())),
        Value::Number(n) => Ok(n
            .as_i64()
            .map(MetaValue::Integer)
            .unwrap_or_else(|| MetaValue::Numeric(n.as_f64().unwrap_or(0.0)))),
        _ => Err(invalid(at, "a string, number or null")),
    };
    let values = match (&f.value, op) {
        (Value::Array(items), MetaOp::In | MetaOp::Nin) => {
            items.iter().map(value).collect::<ApiResult<_>>()?
        }
        (v, _) => vec![value(v)?],
    };
    let parts: Vec<String> = path.split('.').map(str::to_string).collect();
    let valid =
        |p: &String| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !parts.iter().all(valid) {
        return Err(invalid(
            at,
            "meta field names are letters, digits and underscores",
        ));
    }
    Ok(MetaFilter {
        path: parts,
        op,
        values,
    })
}

/// Adds one filter item to the query; each column may be filtered once.
fn add_filter(q: &mut EventQuery, f: &FilterItem, i: usize) -> ApiResult<()> {
    let at = format!("filters.{i}");
    if let Some(path) = f.column.strip_prefix("meta.") {
        q.meta.push(meta_filter(path, f, &at)?);
        return Ok(());
    }
    let op = f.operator.as_str();
    let listed = matches!(op, "eq" | "in");
    let unsupported =
        || ApiError::unsupported(format!("the statistics filter {} {}", f.column, f.operator));
    let twice = || invalid(&at, &format!("{} is filtered twice", f.column));
    macro_rules! once {
        ($field:expr, $value:expr) => {{
            if $field.is_some() {
                return Err(twice());
            }
            $field = Some($value);
        }};
    }
    match (f.column.as_str(), listed) {
        ("event_id", true) => once!(q.event_ids, id_values(&f.value, &at)?),
        ("handler_id", true) => once!(q.handler_ids, id_values(&f.value, &at)?),
        ("face_id", true) => once!(q.face_ids, id_values(&f.value, &at)?),
        ("top_similar_object_id", true) => {
            once!(q.top_similar_object_ids, id_values(&f.value, &at)?)
        }
        ("external_id", true) => once!(
            q.external_ids,
            text_values(&f.value, &at)?.into_iter().flatten().collect()
        ),
        ("top_similar_external_id", true) => once!(
            q.top_similar_external_ids,
            text_values(&f.value, &at)?.into_iter().flatten().collect()
        ),
        ("source", true) => once!(q.sources, text_values(&f.value, &at)?),
        ("track_id", true) => once!(q.track_ids, text_values(&f.value, &at)?),
        ("city", true) => once!(q.cities, text_values(&f.value, &at)?),
        ("area", true) => once!(q.areas, text_values(&f.value, &at)?),
        ("district", true) => once!(q.districts, text_values(&f.value, &at)?),
        ("street", true) => once!(q.streets, text_values(&f.value, &at)?),
        ("house_number", true) => once!(q.house_numbers, text_values(&f.value, &at)?),
        ("stream_id", true) => once!(
            q.stream_ids,
            text_values(&f.value, &at)?
                .into_iter()
                .map(|t| t.map(|t| Uuid::parse_str(&t)).transpose())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| invalid(&at, "UUIDs or null"))?
        ),
        ("top_matching_candidates_label", _) if op == "eq" => match &f.value {
            Value::String(label) => once!(q.top_matching_label, label.clone()),
            _ => return Err(invalid(&at, "a string")),
        },
        ("gender", true) => once!(q.genders, code_values(&f.value, &at, (0, 1))?),
        ("emotion", true) => once!(q.emotions, code_values(&f.value, &at, (1, 7))?),
        ("liveness", true) => once!(q.liveness, code_values(&f.value, &at, (0, 2))?),
        ("age", _) if op == "gte" || op == "lt" => {
            let v = f.value.as_f64().ok_or_else(|| invalid(&at, "a number"))?;
            if op == "gte" {
                once!(q.age_gte, v)
            } else {
                once!(q.age_lt, v)
            }
        }
        ("top_similar_object_similarity", _) if op == "gte" || op == "lt" => {
            let v = f.value.as_f64().ok_or_else(|| invalid(&at, "a number"))?;
            if op == "gte" {
                once!(q.top_similarity_gte, v)
            } else {
                once!(q.top_similarity_lt, v)
            }
        }
        _ => return Err(unsupported()),
    }
    Ok(())
}

fn time(text: &Option<String>, path: &str) -> ApiResult<Option<i64>> {
    text.as_deref()
        .map(|t| {
            chrono::DateTime::parse_from_rfc3339(t)
                .map(|t| t.timestamp_millis())
                .map_err(|_| invalid(path, "an RFC 3339 time"))
        })
        .transpose()
}

fn answer_value(v: StatValue, time_column: bool) -> Value {
    match v {
        StatValue::Null => Value::Null,
        StatValue::Integer(n) if time_column => json!(time_text(n)),
        StatValue::Integer(n) => json!(n),
        StatValue::Real(x) => json!(x),
        StatValue::Text(t) => json!(t),
    }
}

/// `POST /6/events/stats`.
pub fn stats(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let body: Body = req.json()?;
    let targets = body
        .targets
        .iter()
        .enumerate()
        .map(|(i, t)| target(t, i))
        .collect::<ApiResult<Vec<_>>>()?;
    if targets.iter().all(|(_, a)| *a == Aggregator::GroupBy) {
        return Err(invalid(
            "targets",
            "at least one aggregator other than group_by",
        ));
    }
    let mut query = EventQuery::default();
    for (i, f) in body.filters.iter().enumerate() {
        add_filter(&mut query, f, i)?;
    }
    match body.period.as_slice() {
        [] => {}
        [p] => {
            query.create_time_gte = time(&p.start, "period.0.start")?;
            query.create_time_lt = time(&p.end, "period.0.end")?;
        }
        _ => return Err(invalid("period", "one period only")),
    }
    let time_bucket = body.group_by.as_deref().map(bucket).transpose()?;
    let table = state.store.event_stats(
        account,
        &query,
        &StatsRequest {
            targets: targets.clone(),
            bucket: time_bucket,
        },
    )?;
    let mut fields = Vec::new();
    let mut time_columns = Vec::new();
    if let Some(b) = time_bucket {
        fields.push(match (b, body.group_by.as_deref()) {
            (TimeBucket::Interval(_), _) => "period_start".to_string(),
            (TimeBucket::Frequency(_), name) => name.unwrap_or_default().to_string(),
        });
        time_columns.push(matches!(b, TimeBucket::Interval(_)));
    }
    for ((column, agg), t) in targets.iter().zip(&body.targets) {
        fields.push(match agg {
            Aggregator::GroupBy => t.column.clone(),
            _ => format!("{}_{}", t.aggregator, t.column),
        });
        let is_time = matches!(column, StatColumn::CreateTime | StatColumn::EndTime);
        time_columns.push(is_time && matches!(agg, Aggregator::Max | Aggregator::Min));
    }
    let stats: Vec<Value> = table
        .rows
        .into_iter()
        .map(|row| {
            Value::Array(
                row.into_iter()
                    .zip(&time_columns)
                    .map(|(v, t)| answer_value(v, *t))
                    .collect(),
            )
        })
        .collect();
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"fields": fields, "stats": stats}),
    ))
}
