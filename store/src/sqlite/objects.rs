//! The Image Store's images and objects: bytes in their row, with content type, metadata and expiry. Expired
//! ones are never returned and go at the next purge.

use super::{insert_error, not_found, unavailable, uuid_at};
use crate::{ObjectKind, Result, StoredObject};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

const LIVE: &str = "kind = ?1 AND object_id = ?2 AND account_id = ?3 AND (expire_time IS NULL OR expire_time > ?4)";

pub(super) fn put_object(db: &Connection, o: &StoredObject) -> Result<()> {
    db.execute(
        "INSERT INTO objects VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            o.kind.as_str(),
            o.object_id.as_bytes(),
            o.account_id.as_bytes(),
            o.bytes,
            o.content_type,
            o.meta,
            o.create_time,
            o.expire_time
        ],
    )
    .map_err(|e| insert_error(e, o.kind.as_str(), o.object_id))?;
    Ok(())
}

pub(super) fn object(
    db: &Connection,
    account: Uuid,
    kind: ObjectKind,
    id: Uuid,
    now_ms: i64,
) -> Result<StoredObject> {
    db.query_row(
        &format!(
            "SELECT object_id, account_id, bytes, content_type, meta, create_time, expire_time
             FROM objects WHERE {LIVE}"
        ),
        params![kind.as_str(), id.as_bytes(), account.as_bytes(), now_ms],
        |r| {
            Ok(StoredObject {
                object_id: uuid_at(r, 0)?,
                account_id: uuid_at(r, 1)?,
                kind,
                bytes: r.get(2)?,
                content_type: r.get(3)?,
                meta: r.get(4)?,
                create_time: r.get(5)?,
                expire_time: r.get(6)?,
            })
        },
    )
    .optional()
    .map_err(unavailable)?
    .ok_or_else(|| not_found(kind.as_str(), id))
}

pub(super) fn object_exists(
    db: &Connection,
    account: Uuid,
    kind: ObjectKind,
    id: Uuid,
    now_ms: i64,
) -> Result<bool> {
    let found = db
        .query_row(
            &format!("SELECT 1 FROM objects WHERE {LIVE}"),
            params![kind.as_str(), id.as_bytes(), account.as_bytes(), now_ms],
            |_| Ok(()),
        )
        .optional()
        .map_err(unavailable)?;
    Ok(found.is_some())
}

pub(super) fn delete_object(
    db: &Connection,
    account: Uuid,
    kind: ObjectKind,
    id: Uuid,
) -> Result<()> {
    let n = db
        .execute(
            "DELETE FROM objects WHERE kind = ?1 AND object_id = ?2 AND account_id = ?3",
            params![kind.as_str(), id.as_bytes(), account.as_bytes()],
        )
        .map_err(unavailable)?;
    if n == 0 {
        Err(not_found(kind.as_str(), id))
    } else {
        Ok(())
    }
}

pub(super) fn purge_expired_objects(db: &Connection, now_ms: i64) -> Result<u64> {
    let n = db
        .execute(
            "DELETE FROM objects WHERE expire_time IS NOT NULL AND expire_time <= ?1",
            [now_ms],
        )
        .map_err(unavailable)?;
    Ok(n as u64)
}
