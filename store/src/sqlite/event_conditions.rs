//! The WHERE clause of an event search: every `EventQuery` condition as SQL with its values bound, never spliced.
//! `meta` conditions read the stored JSON text with `json_extract(meta, ?)`, the path bound like any value; a
//! field that is absent or JSON null matches only a `Null` comparison (and `neq`/`nin` exclude it, as SQL does).
//! `like` is SQLite's LIKE: `%` and `_` are wildcards and ASCII letters compare without case. A path with a
//! field name that is not Latin letters, digits and underscores matches nothing.

use super::conditions::Conditions;
use crate::{EventQuery, GeoFilter, MetaFilter, MetaOp, MetaValue};
use rusqlite::types::Value;
use uuid::Uuid;

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn id(id: &Uuid) -> Value {
    Value::Blob(id.as_bytes().to_vec())
}

/// `column IN (…)` over the given values, where a `None` value selects rows with the column unset.
fn one_of_or_unset(c: &mut Conditions, column: &str, values: Option<Vec<Option<Value>>>) {
    let Some(values) = values else { return };
    let unset = values.iter().any(Option::is_none);
    let set: Vec<Value> = values.into_iter().flatten().collect();
    let marks = vec!["?"; set.len()].join(",");
    c.sql += &match (unset, set.is_empty()) {
        (true, true) => format!(" AND {column} IS NULL"),
        (true, false) => format!(" AND ({column} IS NULL OR {column} IN ({marks}))"),
        (false, _) => format!(" AND {column} IN ({marks})"),
    };
    c.values.extend(set);
}

fn texts(values: &Option<Vec<Option<String>>>) -> Option<Vec<Option<Value>>> {
    values
        .as_ref()
        .map(|v| v.iter().map(|s| s.as_deref().map(text)).collect())
}

/// The JSON path `$."a"."b"` of a meta field.
fn json_path(path: &[String]) -> String {
    let quoted: Vec<String> = path.iter().map(|p| format!(".\"{p}\"")).collect();
    format!("${}", quoted.concat())
}

fn meta_value(v: &MetaValue) -> Value {
    match v {
        MetaValue::Null => Value::Null,
        MetaValue::Text(s) => text(s),
        MetaValue::Integer(i) => Value::Integer(*i),
        MetaValue::Numeric(f) => Value::Real(*f),
    }
}

fn meta_condition(c: &mut Conditions, f: &MetaFilter) {
    let name =
        |p: &String| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !f.path.iter().all(name) {
        c.sql += " AND 0";
        return;
    }
    let has_null = f.values.contains(&MetaValue::Null);
    let set: Vec<Value> = f
        .values
        .iter()
        .filter(|v| **v != MetaValue::Null)
        .map(meta_value)
        .collect();
    let marks = vec!["?"; set.len()].join(",");
    let first = || vec![f.values.first().map_or(Value::Null, meta_value)];
    // `{f}` stands for the field; every occurrence binds the path, before the values that follow it.
    let (template, values) = match (f.op, has_null) {
        (MetaOp::Eq, true) => ("{f} IS NULL".to_string(), Vec::new()),
        (MetaOp::Neq, true) => ("{f} IS NOT NULL".to_string(), Vec::new()),
        (MetaOp::In, true) => (format!("({{f}} IS NULL OR {{f}} IN ({marks}))"), set),
        (MetaOp::Nin, true) => (
            format!("({{f}} IS NOT NULL AND {{f}} NOT IN ({marks}))"),
            set,
        ),
        (MetaOp::In, false) => (format!("{{f}} IN ({marks})"), set),
        (MetaOp::Nin, false) => (format!("{{f}} NOT IN ({marks})"), set),
        (MetaOp::Eq, false) => ("{f} = ?".to_string(), first()),
        (MetaOp::Neq, false) => ("{f} != ?".to_string(), first()),
        (MetaOp::Like, _) => ("{f} LIKE ?".to_string(), first()),
        (MetaOp::Nlike, _) => ("{f} NOT LIKE ?".to_string(), first()),
        (MetaOp::Gt, _) => ("{f} > ?".to_string(), first()),
        (MetaOp::Gte, _) => ("{f} >= ?".to_string(), first()),
        (MetaOp::Lt, _) => ("{f} < ?".to_string(), first()),
        (MetaOp::Lte, _) => ("{f} <= ?".to_string(), first()),
    };
    let uses = template.matches("{f}").count();
    c.sql += &format!(" AND {}", template.replace("{f}", "json_extract(meta, ?)"));
    let path = Value::Text(json_path(&f.path));
    c.values.extend(std::iter::repeat_n(path, uses));
    c.values.extend(values);
}

/// What an event search reads from: with a tag, the tag's events are looked up by id (see `event_conditions`);
/// otherwise SQLite picks the index.
pub(super) fn event_source(q: &EventQuery) -> &'static str {
    match q.tags.as_ref().is_some_and(|tags| !tags.is_empty()) {
        true => "events INDEXED BY events_by_id",
        false => "events",
    }
}

/// One estimated value of the event, or NULL when it has none.
pub(super) fn estimated(column: &str) -> String {
    format!("(SELECT x.{column} FROM event_estimations x WHERE x.event_id = events.event_id)")
}

/// The conditions on the face's estimated age, gender, emotion and liveness.
fn estimation_conditions(c: &mut Conditions, q: &EventQuery) {
    c.compare(&estimated("age"), ">=", q.age_gte);
    c.compare(&estimated("age"), "<", q.age_lt);
    let codes = |values: &Option<Vec<Option<u8>>>| {
        values.as_ref().map(|v| {
            v.iter()
                .map(|code| code.map(|code| Value::Integer(i64::from(code))))
                .collect()
        })
    };
    one_of_or_unset(c, &estimated("gender"), codes(&q.genders));
    one_of_or_unset(c, &estimated("emotion"), codes(&q.emotions));
    one_of_or_unset(c, &estimated("liveness"), codes(&q.liveness));
}

/// Every condition of the query on the account's events.
pub(super) fn event_conditions(account: Uuid, q: &EventQuery) -> Conditions {
    let mut c = Conditions::owned_by(account);
    c.one_of_ids("event_id", q.event_ids.as_deref());
    c.compare_id("event_id", ">=", q.event_id_gte);
    c.compare_id("event_id", "<", q.event_id_lt);
    c.compare("create_time", ">=", q.create_time_gte);
    c.compare("create_time", "<", q.create_time_lt);
    c.compare("end_time", ">=", q.end_time_gte);
    c.compare("end_time", "<", q.end_time_lt);
    c.one_of_ids("handler_id", q.handler_ids.as_deref());
    c.one_of_ids("face_id", q.face_ids.as_deref());
    let external_ids = q
        .external_ids
        .as_ref()
        .map(|ids| ids.iter().map(|s| text(s)).collect());
    c.one_of("external_id", external_ids);
    one_of_or_unset(&mut c, "source", texts(&q.sources));
    let streams = q
        .stream_ids
        .as_ref()
        .map(|ids| ids.iter().map(|s| s.as_ref().map(id)).collect());
    one_of_or_unset(&mut c, "stream_id", streams);
    one_of_or_unset(&mut c, "track_id", texts(&q.track_ids));
    one_of_or_unset(&mut c, "city", texts(&q.cities));
    one_of_or_unset(&mut c, "area", texts(&q.areas));
    one_of_or_unset(&mut c, "district", texts(&q.districts));
    one_of_or_unset(&mut c, "street", texts(&q.streets));
    one_of_or_unset(&mut c, "house_number", texts(&q.house_numbers));
    match q.geo {
        None => {}
        Some(GeoFilter::Unset) => c.sql += " AND latitude IS NULL",
        Some(GeoFilter::Within {
            origin,
            latitude_delta,
            longitude_delta,
        }) => {
            c.sql += " AND longitude BETWEEN ? AND ? AND latitude BETWEEN ? AND ?";
            c.values.extend([
                Value::Real(origin.longitude - longitude_delta),
                Value::Real(origin.longitude + longitude_delta),
                Value::Real(origin.latitude - latitude_delta),
                Value::Real(origin.latitude + latitude_delta),
            ]);
        }
    }
    let mut tags = q.tags.iter().flatten();
    if let Some(first) = tags.next() {
        // The events with the first tag in the time range, read from `event_tag_times` in key order; the query
        // is forced onto `events_by_id` (`event_source`) so that these ids drive it.
        c.sql += " AND event_id IN (SELECT event_id FROM event_tag_times WHERE account_id = ? AND tag = ?";
        c.values.extend([id(&account), text(first)]);
        c.compare("create_time", ">=", q.create_time_gte);
        c.compare("create_time", "<", q.create_time_lt);
        c.sql += ")";
    }
    for tag in tags {
        c.sql += " AND EXISTS (SELECT 1 FROM event_tags t WHERE t.event_id = events.event_id AND t.tag = ?)";
        c.values.push(text(tag));
    }
    estimation_conditions(&mut c, q);
    c.contains("user_data", q.user_data.as_deref());
    c.compare("top_similarity", ">=", q.top_similarity_gte);
    c.compare("top_similarity", "<", q.top_similarity_lt);
    c.one_of_ids("top_match_id", q.top_similar_object_ids.as_deref());
    let top_external = q
        .top_similar_external_ids
        .as_ref()
        .map(|ids| ids.iter().map(|s| text(s)).collect());
    c.one_of("top_match_external_id", top_external);
    c.compare(
        "top_match_label",
        "=",
        q.top_matching_label.as_deref().map(text),
    );
    for f in &q.meta {
        meta_condition(&mut c, f);
    }
    c
}
