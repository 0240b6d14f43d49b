//! Events in SQLite: one row per event in `events` (location, geo position and the top match in columns so
//! they can be searched and indexed; detections, match results and meta as JSON text) and its tags in
//! `event_tags`, its face descriptor (if any) in `event_descriptors`, its face's estimations (if any) in
//! `event_estimations`. A batch is written by the caller's one transaction, so it is stored whole or not at all.

use super::event_conditions::{event_conditions, event_source};
use super::{not_found, unavailable, uuid_at, uuid_text, uuids};
use crate::{
    Event, EventDescriptor, EventEstimations, EventLocation, EventQuery, GeoPosition,
    MatchedObject, Order, Page, Result, StoredDescriptor, TopMatch,
};
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use uuid::Uuid;

const EVENT_COLUMNS: &str = "event_id, account_id, handler_id, create_time, end_time, source, stream_id, \
    city, area, district, street, house_number, latitude, longitude, track_id, external_id, user_data, meta, \
    face_id, attach_result, top_match_kind, top_match_id, top_match_external_id, top_match_label, top_similarity, \
    match_result, face_detections, body_detections";

fn blob(id: Option<Uuid>) -> Option<Vec<u8>> {
    id.map(|id| id.as_bytes().to_vec())
}

fn optional_uuid_at(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<Uuid>> {
    let bytes: Option<Vec<u8>> = row.get(i)?;
    bytes
        .map(|b| {
            Uuid::from_slice(&b).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    i,
                    rusqlite::types::Type::Blob,
                    Box::new(e),
                )
            })
        })
        .transpose()
}

/// Inserts one event and its tags; a taken id is a conflict.
pub(super) fn insert_event(db: &Connection, e: &Event) -> Result<()> {
    let l = &e.location;
    let (kind, object) = match e.top_match.as_ref().map(|m| m.object) {
        None => (None, None),
        Some(MatchedObject::Face(id)) => (Some("face"), Some(id)),
        Some(MatchedObject::Event(id)) => (Some("event"), Some(id)),
    };
    let top = e.top_match.as_ref();
    db.prepare_cached(&format!(
        "INSERT INTO events ({EVENT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, \
         ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)"
    ))
    .map_err(unavailable)?
    .execute(params![
        e.event_id.as_bytes(),
        e.account_id.as_bytes(),
        blob(e.handler_id),
        e.create_time,
        e.end_time,
        e.source,
        blob(e.stream_id),
        l.city,
        l.area,
        l.district,
        l.street,
        l.house_number,
        l.geo_position.map(|g| g.latitude),
        l.geo_position.map(|g| g.longitude),
        e.track_id,
        e.external_id,
        e.user_data,
        e.meta,
        blob(e.face_id),
        uuid_text(&e.attach_result),
        kind,
        blob(object),
        top.and_then(|m| m.external_id.as_deref()),
        top.map(|m| m.label.as_str()),
        top.map(|m| m.similarity),
        e.match_result,
        e.face_detections,
        e.body_detections,
    ])
    .map_err(|err| super::insert_error(err, "event", e.event_id))?;
    let x = &e.estimations;
    if !x.is_empty() {
        db.prepare_cached("INSERT INTO event_estimations VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            .map_err(unavailable)?
            .execute(params![
                e.event_id.as_bytes(),
                e.account_id.as_bytes(),
                x.age,
                x.gender,
                x.emotion,
                x.liveness
            ])
            .map_err(unavailable)?;
    }
    let mut tag = db
        .prepare_cached("INSERT INTO event_tags VALUES (?1, ?2, ?3)")
        .map_err(unavailable)?;
    let mut tag_time = db
        .prepare_cached("INSERT OR IGNORE INTO event_tag_times VALUES (?1, ?2, ?3, ?4)")
        .map_err(unavailable)?;
    for (position, t) in e.tags.iter().enumerate() {
        tag.execute(params![e.event_id.as_bytes(), position as i64, t])
            .map_err(unavailable)?;
        tag_time
            .execute(params![
                e.account_id.as_bytes(),
                t,
                e.create_time,
                e.event_id.as_bytes()
            ])
            .map_err(unavailable)?;
    }
    Ok(())
}

fn top_match_at(row: &rusqlite::Row<'_>) -> rusqlite::Result<Option<TopMatch>> {
    let kind: Option<String> = row.get(20)?;
    let Some(id) = optional_uuid_at(row, 21)? else {
        return Ok(None);
    };
    let object = match kind.as_deref() {
        Some("event") => MatchedObject::Event(id),
        _ => MatchedObject::Face(id),
    };
    Ok(Some(TopMatch {
        object,
        external_id: row.get(22)?,
        label: row.get::<_, Option<String>>(23)?.unwrap_or_default(),
        similarity: row.get::<_, Option<f64>>(24)?.unwrap_or_default(),
    }))
}

fn event_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Event> {
    let latitude: Option<f64> = row.get(12)?;
    let longitude: Option<f64> = row.get(13)?;
    let attach: String = row.get(19)?;
    Ok(Event {
        event_id: uuid_at(row, 0)?,
        account_id: uuid_at(row, 1)?,
        handler_id: optional_uuid_at(row, 2)?,
        create_time: row.get(3)?,
        end_time: row.get(4)?,
        source: row.get(5)?,
        stream_id: optional_uuid_at(row, 6)?,
        location: EventLocation {
            city: row.get(7)?,
            area: row.get(8)?,
            district: row.get(9)?,
            street: row.get(10)?,
            house_number: row.get(11)?,
            geo_position: latitude
                .zip(longitude)
                .map(|(latitude, longitude)| GeoPosition {
                    latitude,
                    longitude,
                }),
        },
        tags: Vec::new(),
        track_id: row.get(14)?,
        external_id: row.get(15)?,
        user_data: row.get(16)?,
        meta: row.get(17)?,
        face_id: optional_uuid_at(row, 18)?,
        attach_result: uuids(&attach),
        top_match: top_match_at(row)?,
        match_result: row.get(25)?,
        face_detections: row.get(26)?,
        body_detections: row.get(27)?,
        estimations: EventEstimations::default(),
    })
}

/// Fills in what an event row keeps in other tables: its tags and its estimations.
fn with_tags(db: &Connection, mut e: Event) -> Result<Event> {
    let mut stmt = db
        .prepare_cached("SELECT tag FROM event_tags WHERE event_id = ?1 ORDER BY position")
        .map_err(unavailable)?;
    let rows = stmt
        .query_map([e.event_id.as_bytes()], |r| r.get(0))
        .map_err(unavailable)?;
    e.tags = rows.collect::<rusqlite::Result<_>>().map_err(unavailable)?;
    e.estimations = db
        .prepare_cached(
            "SELECT age, gender, emotion, liveness FROM event_estimations WHERE event_id = ?1",
        )
        .map_err(unavailable)?
        .query_row([e.event_id.as_bytes()], |r| {
            Ok(EventEstimations {
                age: r.get(0)?,
                gender: r.get(1)?,
                emotion: r.get(2)?,
                liveness: r.get(3)?,
            })
        })
        .optional()
        .map_err(unavailable)?
        .unwrap_or_default();
    Ok(e)
}

/// An event of the account.
pub(super) fn event(db: &Connection, account: Uuid, id: Uuid) -> Result<Event> {
    let found = db
        .query_row(
            &format!("SELECT {EVENT_COLUMNS} FROM events WHERE event_id = ?1 AND account_id = ?2"),
            params![id.as_bytes(), account.as_bytes()],
            event_row,
        )
        .optional()
        .map_err(unavailable)?
        .ok_or_else(|| not_found("event", id))?;
    with_tags(db, found)
}

/// The account's events matching the query, in the query's order.
pub(super) fn events(
    db: &Connection,
    account: Uuid,
    query: &EventQuery,
    page: Page,
) -> Result<Vec<Event>> {
    let order = match (query.by_id(), query.order) {
        (true, Order::Asc) => "event_id",
        (true, Order::Desc) => "event_id DESC",
        (false, Order::Asc) => "create_time, event_id",
        (false, Order::Desc) => "create_time DESC, event_id DESC",
    };
    let c = event_conditions(account, query).paged(order, page);
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM {} WHERE {}",
        event_source(query),
        c.sql
    );
    let mut stmt = db.prepare(&sql).map_err(unavailable)?;
    let rows = stmt
        .query_map(params_from_iter(c.values), event_row)
        .map_err(unavailable)?;
    let found: Vec<Event> = rows.collect::<rusqlite::Result<_>>().map_err(unavailable)?;
    found.into_iter().map(|e| with_tags(db, e)).collect()
}

/// How many of the account's events match the query.
pub(super) fn count_events(db: &Connection, account: Uuid, query: &EventQuery) -> Result<u64> {
    let c = event_conditions(account, query);
    let n: i64 = db
        .query_row(
            &format!(
                "SELECT COUNT(*) FROM {} WHERE {}",
                event_source(query),
                c.sql
            ),
            params_from_iter(c.values),
            |r| r.get(0),
        )
        .map_err(unavailable)?;
    Ok(n.unsigned_abs())
}

/// Stores the descriptors of events of `batch` (inserted before, in the same transaction); a descriptor whose
/// event is not in the batch is NotFound, a second one for the same event a conflict.
pub(super) fn insert_descriptors(
    db: &Connection,
    batch: &[Event],
    descriptors: &[EventDescriptor],
) -> Result<()> {
    let mut stmt = db
        .prepare_cached("INSERT INTO event_descriptors VALUES (?1, ?2, ?3, ?4)")
        .map_err(unavailable)?;
    for d in descriptors {
        let event = batch
            .iter()
            .find(|e| e.event_id == d.event_id)
            .ok_or_else(|| not_found("event", d.event_id))?;
        stmt.execute(params![
            d.event_id.as_bytes(),
            event.account_id.as_bytes(),
            d.descriptor.version,
            d.descriptor.bytes,
        ])
        .map_err(|err| super::insert_error(err, "event descriptor", d.event_id))?;
    }
    Ok(())
}

/// The descriptor of an event of the account; NotFound when the account has no such event.
pub(super) fn event_descriptor(
    db: &Connection,
    account: Uuid,
    id: Uuid,
) -> Result<Option<StoredDescriptor>> {
    let found = db
        .query_row(
            "SELECT d.descriptor_version, d.descriptor FROM events e
             LEFT JOIN event_descriptors d ON d.event_id = e.event_id
             WHERE e.event_id = ?1 AND e.account_id = ?2",
            params![id.as_bytes(), account.as_bytes()],
            |r| super::descriptor_at(r, 0),
        )
        .optional()
        .map_err(unavailable)?;
    found.ok_or_else(|| not_found("event", id))
}

/// The ids of the account's events matching the query.
pub(super) fn event_ids(db: &Connection, account: Uuid, query: &EventQuery) -> Result<Vec<Uuid>> {
    let c = event_conditions(account, query);
    let mut stmt = db
        .prepare(&format!("SELECT event_id FROM events WHERE {}", c.sql))
        .map_err(unavailable)?;
    let rows = stmt
        .query_map(params_from_iter(c.values), |r| uuid_at(r, 0))
        .map_err(unavailable)?;
    rows.collect::<rusqlite::Result<_>>().map_err(unavailable)
}

/// Deletes those of `ids` that are the account's, with their tags and descriptors; returns them.
pub(super) fn delete_events(db: &Connection, account: Uuid, ids: &[Uuid]) -> Result<Vec<Uuid>> {
    let mut deleted = Vec::new();
    for id in ids {
        if deleted.contains(id) {
            continue;
        }
        let n = db
            .execute(
                "DELETE FROM events WHERE event_id = ?1 AND account_id = ?2",
                params![id.as_bytes(), account.as_bytes()],
            )
            .map_err(unavailable)?;
        if n > 0 {
            for table in [
                "event_tags",
                "event_tag_times",
                "event_descriptors",
                "event_estimations",
            ] {
                db.execute(
                    &format!("DELETE FROM {table} WHERE event_id = ?1"),
                    [id.as_bytes()],
                )
                .map_err(unavailable)?;
            }
            deleted.push(*id);
        }
    }
    Ok(deleted)
}

/// Deletes one event of the account; NotFound when it has no such event.
pub(super) fn delete_event(db: &Connection, account: Uuid, id: Uuid) -> Result<()> {
    match delete_events(db, account, &[id])?.is_empty() {
        true => Err(not_found("event", id)),
        false => Ok(()),
    }
}
