//! A face's attribute: its descriptor stays in the `faces` row (so the start-up scan reads one table); basic
//! attributes and the sample ids live in `face_attributes`.

use super::{descriptor_at, owns_face, unavailable, uuid_text, uuids};
use crate::{FaceAttribute, Result, StoreError};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

pub(super) fn face_attribute(db: &Connection, account: Uuid, face: Uuid) -> Result<FaceAttribute> {
    owns_face(db, account, face)?;
    let found = db
        .query_row(
            "SELECT f.descriptor_version, f.descriptor, a.basic_attributes, a.descriptor_samples,
                    a.basic_attributes_samples, COALESCE(a.create_time, f.create_time), a.face_id IS NOT NULL
             FROM faces f LEFT JOIN face_attributes a ON a.face_id = f.face_id WHERE f.face_id = ?1",
            [face.as_bytes()],
            |r| {
                let descriptor_samples: Option<String> = r.get(3)?;
                let basic_samples: Option<String> = r.get(4)?;
                let has_row: bool = r.get(6)?;
                let attribute = FaceAttribute {
                    descriptor: descriptor_at(r, 0)?,
                    basic_attributes: r.get(2)?,
                    descriptor_samples: descriptor_samples.as_deref().map(uuids).unwrap_or_default(),
                    basic_attributes_samples: basic_samples.as_deref().map(uuids).unwrap_or_default(),
                    create_time: r.get(5)?,
                };
                Ok((attribute.descriptor.is_some() || has_row).then_some(attribute))
            },
        )
        .optional()
        .map_err(unavailable)?
        .flatten();
    found.ok_or_else(|| StoreError::NotFound {
        entity: "face attribute",
        id: face.to_string(),
    })
}

pub(super) fn put_face_attribute(
    db: &Connection,
    account: Uuid,
    face: Uuid,
    attribute: &FaceAttribute,
) -> Result<()> {
    owns_face(db, account, face)?;
    let descriptor = attribute.descriptor.as_ref();
    db.execute(
        "UPDATE faces SET descriptor_version = ?1, descriptor = ?2 WHERE face_id = ?3",
        params![
            descriptor.map(|d| d.version),
            descriptor.map(|d| d.bytes.as_slice()),
            face.as_bytes()
        ],
    )
    .map_err(unavailable)?;
    db.execute(
        "INSERT OR REPLACE INTO face_attributes VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            face.as_bytes(),
            account.as_bytes(),
            attribute.basic_attributes,
            uuid_text(&attribute.descriptor_samples),
            uuid_text(&attribute.basic_attributes_samples),
            attribute.create_time
        ],
    )
    .map_err(unavailable)?;
    Ok(())
}

pub(super) fn delete_face_attribute(db: &Connection, account: Uuid, face: Uuid) -> Result<()> {
    owns_face(db, account, face)?;
    db.execute(
        "UPDATE faces SET descriptor_version = NULL, descriptor = NULL WHERE face_id = ?1",
        [face.as_bytes()],
    )
    .map_err(unavailable)?;
    db.execute(
        "DELETE FROM face_attributes WHERE face_id = ?1",
        [face.as_bytes()],
    )
    .map_err(unavailable)?;
    Ok(())
}

pub(super) fn count_faces_with_attributes(db: &Connection, account: Uuid) -> Result<u64> {
    let n: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM faces f WHERE f.account_id = ?1 AND (f.descriptor IS NOT NULL
                 OR EXISTS (SELECT 1 FROM face_attributes a WHERE a.face_id = f.face_id))",
            [account.as_bytes()],
            |r| r.get(0),
        )
        .map_err(unavailable)?;
    Ok(n.unsigned_abs())
}
