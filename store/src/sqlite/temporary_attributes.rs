//! Temporary attributes: the descriptor part in `attributes`, basic attributes in `attribute_basics` under the
//! same id. A put replaces both; reads never return an expired attribute.

use super::{descriptor_at, not_found, unavailable, uuid_at, uuid_text, uuids};
use crate::{Attribute, Result, TemporaryAttribute};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

pub(super) fn put(db: &Connection, t: &TemporaryAttribute) -> Result<()> {
    let a = &t.attribute;
    db.execute(
        "INSERT OR REPLACE INTO attributes VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            a.attribute_id.as_bytes(),
            a.account_id.as_bytes(),
            a.descriptor.as_ref().map(|d| d.version),
            a.descriptor.as_ref().map(|d| d.bytes.as_slice()),
            uuid_text(&a.samples),
            a.create_time,
            a.expire_time
        ],
    )
    .map_err(unavailable)?;
    db.execute(
        "INSERT OR REPLACE INTO attribute_basics VALUES (?1, ?2, ?3, ?4)",
        params![
            a.attribute_id.as_bytes(),
            a.account_id.as_bytes(),
            t.basic_attributes,
            uuid_text(&t.basic_attributes_samples)
        ],
    )
    .map_err(unavailable)?;
    Ok(())
}

pub(super) fn get(
    db: &Connection,
    account: Uuid,
    id: Uuid,
    now_ms: i64,
) -> Result<TemporaryAttribute> {
    db.query_row(
        "SELECT a.attribute_id, a.account_id, a.descriptor_version, a.descriptor, a.samples, a.create_time,
                a.expire_time, b.basic_attributes, b.basic_attributes_samples
         FROM attributes a LEFT JOIN attribute_basics b ON b.attribute_id = a.attribute_id
         WHERE a.attribute_id = ?1 AND a.account_id = ?2 AND a.expire_time > ?3",
        params![id.as_bytes(), account.as_bytes(), now_ms],
        |r| {
            let samples: String = r.get(4)?;
            let basic_samples: Option<String> = r.get(8)?;
            Ok(TemporaryAttribute {
                attribute: Attribute {
                    attribute_id: uuid_at(r, 0)?,
                    account_id: uuid_at(r, 1)?,
                    descriptor: descriptor_at(r, 2)?,
                    samples: uuids(&samples),
                    create_time: r.get(5)?,
                    expire_time: r.get(6)?,
                },
                basic_attributes: r.get(7)?,
                basic_attributes_samples: basic_samples.as_deref().map(uuids).unwrap_or_default(),
            })
        },
    )
    .optional()
    .map_err(unavailable)?
    .ok_or_else(|| not_found("attribute", id))
}

pub(super) fn delete(db: &Connection, account: Uuid, id: Uuid) -> Result<()> {
    let n = db
        .execute(
            "DELETE FROM attributes WHERE attribute_id = ?1 AND account_id = ?2",
            params![id.as_bytes(), account.as_bytes()],
        )
        .map_err(unavailable)?;
    if n == 0 {
        return Err(not_found("attribute", id));
    }
    db.execute(
        "DELETE FROM attribute_basics WHERE attribute_id = ?1",
        [id.as_bytes()],
    )
    .map_err(unavailable)?;
    Ok(())
}

/// Removes attributes expired at `now_ms`; returns how many.
pub(super) fn purge_expired(db: &Connection, now_ms: i64) -> Result<u64> {
    db.execute(
        "DELETE FROM attribute_basics
         WHERE attribute_id IN (SELECT attribute_id FROM attributes WHERE expire_time <= ?1)",
        [now_ms],
    )
    .map_err(unavailable)?;
    let n = db
        .execute("DELETE FROM attributes WHERE expire_time <= ?1", [now_ms])
        .map_err(unavailable)?;
    Ok(n as u64)
}
