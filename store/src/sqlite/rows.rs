//! Row helpers shared by the SQLite backend's modules: error mapping, id and descriptor columns, row mappers,
//! and the ownership checks every account-scoped write starts with.

use crate::records::*;
use crate::{Result, StoreError};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

pub(super) fn unavailable(e: rusqlite::Error) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

pub(super) fn not_found(entity: &'static str, id: Uuid) -> StoreError {
    StoreError::NotFound {
        entity,
        id: id.to_string(),
    }
}

pub(super) fn uuid_at(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Uuid> {
    let bytes: Vec<u8> = row.get(i)?;
    Uuid::from_slice(&bytes).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Blob, Box::new(e))
    })
}

pub(super) fn descriptor_at(
    row: &rusqlite::Row<'_>,
    version: usize,
) -> rusqlite::Result<Option<StoredDescriptor>> {
    let v: Option<u32> = row.get(version)?;
    let bytes: Option<Vec<u8>> = row.get(version + 1)?;
    Ok(v.zip(bytes)
        .map(|(version, bytes)| StoredDescriptor { version, bytes }))
}

pub(super) fn uuids(text: &str) -> Vec<Uuid> {
    text.split(',')
        .filter_map(|s| Uuid::parse_str(s).ok())
        .collect()
}

/// Ids as the comma-separated text that `uuids` reads back.
pub(super) fn uuid_text(ids: &[Uuid]) -> String {
    ids.iter()
        .map(Uuid::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// An INSERT's error: a taken id is the caller's conflict, anything else the database's trouble.
pub(super) fn insert_error(e: rusqlite::Error, entity: &'static str, id: Uuid) -> StoreError {
    match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::Conflict {
                entity,
                field: "id",
                value: id.to_string(),
            }
        }
        other => unavailable(other),
    }
}

pub(super) const ACCOUNT_COLUMNS: &str =
    "account_id, login, password_hash, account_type, description, create_time";

pub(super) fn account_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Account> {
    let kind: String = r.get(3)?;
    let account_type = AccountType::parse(&kind).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            3,
            rusqlite::types::Type::Text,
            format!("unknown account type {kind:?}").into(),
        )
    })?;
    Ok(Account {
        account_id: uuid_at(r, 0)?,
        login: r.get(1)?,
        password_hash: r.get(2)?,
        account_type,
        description: r.get(4)?,
        create_time: r.get(5)?,
    })
}

pub(super) const LIST_COLUMNS: &str =
    "list_id, account_id, user_data, create_time, last_update_time";

pub(super) fn face_lists(db: &Connection, face: Uuid) -> Result<Vec<Uuid>> {
    let mut stmt = db
        .prepare_cached("SELECT list_id FROM list_faces WHERE face_id = ?1 ORDER BY list_id")
        .map_err(unavailable)?;
    let rows = stmt
        .query_map([face.as_bytes()], |r| uuid_at(r, 0))
        .map_err(unavailable)?;
    rows.collect::<rusqlite::Result<_>>().map_err(unavailable)
}

pub(super) fn owns_list(db: &Connection, account: Uuid, list: Uuid) -> Result<()> {
    db.query_row(
        "SELECT 1 FROM lists WHERE list_id = ?1 AND account_id = ?2",
        params![list.as_bytes(), account.as_bytes()],
        |_| Ok(()),
    )
    .optional()
    .map_err(unavailable)?
    .ok_or_else(|| not_found("list", list))
}

pub(super) fn owns_face(db: &Connection, account: Uuid, face: Uuid) -> Result<()> {
    db.query_row(
        "SELECT 1 FROM faces WHERE face_id = ?1 AND account_id = ?2",
        params![face.as_bytes(), account.as_bytes()],
        |_| Ok(()),
    )
    .optional()
    .map_err(unavailable)?
    .ok_or_else(|| not_found("face", face))
}

pub(super) const FACE_COLUMNS: &str =
    "face_id, account_id, user_data, external_id, event_id, avatar, create_time";

pub(super) fn face_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Face> {
    let event: Option<Vec<u8>> = row.get(4)?;
    Ok(Face {
        face_id: uuid_at(row, 0)?,
        account_id: uuid_at(row, 1)?,
        user_data: row.get(2)?,
        external_id: row.get(3)?,
        event_id: event.and_then(|b| Uuid::from_slice(&b).ok()),
        avatar: row.get(5)?,
        create_time: row.get(6)?,
        lists: Vec::new(),
    })
}

pub(super) fn list_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<List> {
    Ok(List {
        list_id: uuid_at(row, 0)?,
        account_id: uuid_at(row, 1)?,
        user_data: row.get(2)?,
        create_time: row.get(3)?,
        last_update_time: row.get(4)?,
    })
}
