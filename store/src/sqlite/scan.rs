//! The start-up scans, for rebuilding the indexes: every face with a descriptor, and every event with one. For
//! faces, list links are read first into a map (one pass over `list_faces`), then faces stream by in one pass
//! over `faces`; ids are read in place without copying their blobs. The caller holds the connection, so no write
//! lands between the two passes. Events stream by in one pass over `event_descriptors` joined to `events`.

use super::unavailable;
use crate::{IndexedEvent, IndexedFace, Result, StoreError, StoredDescriptor};
use rusqlite::Connection;
use std::collections::HashMap;
use uuid::Uuid;

fn id_in(row: &rusqlite::Row<'_>, i: usize) -> Result<Uuid> {
    let bytes = row
        .get_ref(i)
        .and_then(|v| v.as_blob().map_err(rusqlite::Error::from))
        .map_err(unavailable)?;
    Uuid::from_slice(bytes)
        .map_err(|e| StoreError::Unavailable(format!("corrupt id in column {i}: {e}")))
}

fn list_links(db: &Connection) -> Result<HashMap<Uuid, Vec<Uuid>>> {
    let mut links: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    let mut stmt = db
        .prepare("SELECT face_id, list_id FROM list_faces ORDER BY face_id, list_id")
        .map_err(unavailable)?;
    let mut rows = stmt.query([]).map_err(unavailable)?;
    while let Some(row) = rows.next().map_err(unavailable)? {
        links
            .entry(id_in(row, 0)?)
            .or_default()
            .push(id_in(row, 1)?);
    }
    Ok(links)
}

pub(super) fn scan_face_descriptors(
    db: &Connection,
    each: &mut dyn FnMut(IndexedFace),
) -> Result<()> {
    let mut links = list_links(db)?;
    let mut stmt = db
        .prepare(
            "SELECT face_id, account_id, external_id, create_time, descriptor_version, descriptor
             FROM faces WHERE descriptor IS NOT NULL AND descriptor_version IS NOT NULL",
        )
        .map_err(unavailable)?;
    let mut rows = stmt.query([]).map_err(unavailable)?;
    while let Some(row) = rows.next().map_err(unavailable)? {
        let face_id = id_in(row, 0)?;
        each(IndexedFace {
            face_id,
            account_id: id_in(row, 1)?,
            external_id: row.get(2).map_err(unavailable)?,
            create_time: row.get(3).map_err(unavailable)?,
            lists: links.remove(&face_id).unwrap_or_default(),
            descriptor: StoredDescriptor {
                version: row.get(4).map_err(unavailable)?,
                bytes: row.get(5).map_err(unavailable)?,
            },
        });
    }
    Ok(())
}

pub(super) fn scan_event_descriptors(
    db: &Connection,
    each: &mut dyn FnMut(IndexedEvent),
) -> Result<()> {
    let mut stmt = db
        .prepare(
            "SELECT d.event_id, d.account_id, e.external_id, e.create_time, d.descriptor_version, d.descriptor
             FROM event_descriptors d JOIN events e ON e.event_id = d.event_id",
        )
        .map_err(unavailable)?;
    let mut rows = stmt.query([]).map_err(unavailable)?;
    while let Some(row) = rows.next().map_err(unavailable)? {
        each(IndexedEvent {
            event_id: id_in(row, 0)?,
            account_id: id_in(row, 1)?,
            external_id: row.get(2).map_err(unavailable)?,
            create_time: row.get(3).map_err(unavailable)?,
            descriptor: StoredDescriptor {
                version: row.get(4).map_err(unavailable)?,
                bytes: row.get(5).map_err(unavailable)?,
            },
        });
    }
    Ok(())
}
