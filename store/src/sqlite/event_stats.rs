//! `event_stats`: one aggregate query over the events an `EventQuery` selects. Column names and time-bucket
//! expressions come from the enums below, never from the caller; values go through placeholders.

use super::event_conditions::{estimated, event_conditions, event_source};
use super::unavailable;
use crate::{
    Aggregator, CalendarField, EventQuery, Result, StatColumn, StatValue, StatsRequest, StatsTable,
    TimeBucket,
};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, params_from_iter};
use uuid::Uuid;

fn column_sql(c: StatColumn) -> String {
    let plain = match c {
        StatColumn::EventId => "event_id",
        StatColumn::ExternalId => "external_id",
        StatColumn::HandlerId => "handler_id",
        StatColumn::StreamId => "stream_id",
        StatColumn::Source => "source",
        StatColumn::FaceId => "face_id",
        StatColumn::UserData => "user_data",
        StatColumn::City => "city",
        StatColumn::Area => "area",
        StatColumn::District => "district",
        StatColumn::Street => "street",
        StatColumn::HouseNumber => "house_number",
        StatColumn::TrackId => "track_id",
        StatColumn::TopMatchingCandidatesLabel => "top_match_label",
        StatColumn::TopSimilarObjectId => "top_match_id",
        StatColumn::TopSimilarExternalId => "top_match_external_id",
        StatColumn::TopSimilarObjectSimilarity => "top_similarity",
        StatColumn::CreateTime => "create_time",
        StatColumn::EndTime => "end_time",
        StatColumn::Age => return estimated("age"),
        StatColumn::Gender => return estimated("gender"),
        StatColumn::Emotion => return estimated("emotion"),
        StatColumn::Liveness => return estimated("liveness"),
    };
    plain.to_string()
}

fn bucket_sql(b: TimeBucket) -> String {
    match b {
        TimeBucket::Interval(ms) => format!("((create_time / {ms}) * {ms})", ms = ms.max(1)),
        TimeBucket::Frequency(field) => {
            let format = match field {
                CalendarField::MonthOfYear => "%m",
                CalendarField::WeekOfYear => "%W",
                CalendarField::DayOfYear => "%j",
                CalendarField::DayOfMonth => "%d",
                CalendarField::DayOfWeek => "%w",
                CalendarField::HourOfDay => "%H",
                CalendarField::MinuteOfHour => "%M",
            };
            format!("CAST(strftime('{format}', create_time / 1000, 'unixepoch') AS INTEGER)")
        }
    }
}

fn value_at(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<StatValue> {
    Ok(match row.get_ref(i)? {
        ValueRef::Null => StatValue::Null,
        ValueRef::Integer(n) => StatValue::Integer(n),
        ValueRef::Real(x) => StatValue::Real(x),
        ValueRef::Text(t) => StatValue::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => match Uuid::from_slice(b) {
            Ok(id) => StatValue::Text(id.to_string()),
            Err(_) => StatValue::Null,
        },
    })
}

pub(super) fn event_stats(
    db: &Connection,
    account: Uuid,
    query: &EventQuery,
    request: &StatsRequest,
) -> Result<StatsTable> {
    let mut select = Vec::new();
    let mut groups = Vec::new();
    if let Some(b) = request.bucket {
        select.push(bucket_sql(b));
        groups.push((select.len()).to_string());
    }
    for (column, aggregator) in &request.targets {
        let col = column_sql(*column);
        select.push(match aggregator {
            Aggregator::Count => format!("COUNT({col})"),
            Aggregator::Max => format!("MAX({col})"),
            Aggregator::Min => format!("MIN({col})"),
            Aggregator::Avg => format!("AVG({col})"),
            Aggregator::GroupBy => col,
        });
        if *aggregator == Aggregator::GroupBy {
            groups.push(select.len().to_string());
        }
    }
    let c = event_conditions(account, query);
    let mut sql = format!(
        "SELECT {} FROM {} WHERE {}",
        select.join(", "),
        event_source(query),
        c.sql
    );
    if !groups.is_empty() {
        sql += &format!(" GROUP BY {0} ORDER BY {0}", groups.join(", "));
    }
    let mut stmt = db.prepare(&sql).map_err(unavailable)?;
    let width = select.len();
    let rows = stmt
        .query_map(params_from_iter(c.values), |row| {
            (0..width).map(|i| value_at(row, i)).collect()
        })
        .map_err(unavailable)?;
    Ok(StatsTable {
        rows: rows.collect::<rusqlite::Result<_>>().map_err(unavailable)?,
    })
}
