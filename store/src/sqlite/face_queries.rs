//! Face creation, searches with every `GET /faces` condition, and face deletion with everything hanging off a
//! face.

use super::conditions::Conditions;
use super::{FACE_COLUMNS, face_lists, face_row, insert_error, owns_face, owns_list, unavailable};
use crate::{Face, FaceQuery, Page, Result, StoredDescriptor};
use rusqlite::types::Value;
use rusqlite::{Connection, params, params_from_iter};
use uuid::Uuid;

fn face_conditions(account: Uuid, query: &FaceQuery) -> Conditions {
    let base = &query.base;
    let mut c = Conditions::owned_by(account);
    c.raw_with_id(
        "face_id IN (SELECT face_id FROM list_faces WHERE list_id = ?)",
        base.list_id,
    );
    c.one_of_ids("face_id", base.face_ids.as_deref());
    let external_ids = base
        .external_ids
        .as_ref()
        .map(|ids| ids.iter().cloned().map(Value::Text).collect());
    c.one_of("external_id", external_ids);
    c.contains("user_data", query.user_data.as_deref());
    c.compare_id("event_id", "=", query.event_id);
    c.compare("create_time", ">=", query.create_time_gte);
    c.compare("create_time", "<", query.create_time_lt);
    c.compare_id("face_id", ">=", query.face_id_gte);
    c.compare_id("face_id", "<", query.face_id_lt);
    c
}

pub(super) fn faces_matching(
    db: &Connection,
    account: Uuid,
    query: &FaceQuery,
    page: Page,
) -> Result<Vec<Face>> {
    let order = if query.by_id() {
        "face_id"
    } else {
        "create_time, rowid"
    };
    let c = face_conditions(account, query).paged(order, page);
    let sql = format!("SELECT {FACE_COLUMNS} FROM faces WHERE {}", c.sql);
    let mut stmt = db.prepare(&sql).map_err(unavailable)?;
    let rows = stmt
        .query_map(params_from_iter(c.values), face_row)
        .map_err(unavailable)?;
    let mut faces: Vec<Face> = rows.collect::<rusqlite::Result<_>>().map_err(unavailable)?;
    for face in &mut faces {
        face.lists = face_lists(db, face.face_id)?;
    }
    Ok(faces)
}

pub(super) fn count_faces_matching(
    db: &Connection,
    account: Uuid,
    query: &FaceQuery,
) -> Result<u64> {
    let c = face_conditions(account, query);
    let n: i64 = db
        .query_row(
            &format!("SELECT COUNT(*) FROM faces WHERE {}", c.sql),
            params_from_iter(c.values),
            |r| r.get(0),
        )
        .map_err(unavailable)?;
    Ok(n.unsigned_abs())
}

/// Deletes a face's rows everywhere: list links, attribute data, the face (with its descriptor).
pub(super) fn delete_face_rows(db: &Connection, face: Uuid) -> Result<()> {
    for table in ["list_faces", "face_attributes", "faces"] {
        db.execute(
            &format!("DELETE FROM {table} WHERE face_id = ?1"),
            [face.as_bytes()],
        )
        .map_err(unavailable)?;
    }
    Ok(())
}

/// Deletes those of `ids` that are the account's; returns them.
pub(super) fn delete_faces(db: &Connection, account: Uuid, ids: &[Uuid]) -> Result<Vec<Uuid>> {
    let mut deleted = Vec::new();
    for id in ids {
        if owns_face(db, account, *id).is_ok() && !deleted.contains(id) {
            delete_face_rows(db, *id)?;
            deleted.push(*id);
        }
    }
    Ok(deleted)
}

/// Inserts a face, its descriptor and its list links; the lists must be the face's account's.
pub(super) fn insert_face(
    db: &Connection,
    f: &Face,
    descriptor: Option<&StoredDescriptor>,
) -> Result<()> {
    for list in &f.lists {
        owns_list(db, f.account_id, *list)?;
    }
    db.execute(
        "INSERT INTO faces VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            f.face_id.as_bytes(),
            f.account_id.as_bytes(),
            f.user_data,
            f.external_id,
            f.event_id.map(|e| e.as_bytes().to_vec()),
            f.avatar,
            f.create_time,
            descriptor.map(|d| d.version),
            descriptor.map(|d| d.bytes.as_slice()),
        ],
    )
    .map_err(|e| insert_error(e, "face", f.face_id))?;
    for list in &f.lists {
        db.execute(
            "INSERT OR IGNORE INTO list_faces VALUES (?1, ?2)",
            params![list.as_bytes(), f.face_id.as_bytes()],
        )
        .map_err(unavailable)?;
    }
    Ok(())
}
