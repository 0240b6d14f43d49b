//! List searches with every `GET /lists` condition, face counts, and deleting a list together with its faces.

use super::conditions::Conditions;
use super::face_queries::delete_face_rows;
use super::{LIST_COLUMNS, face_lists, list_row, owns_face, owns_list, unavailable};
use crate::{List, ListFilter, Page, Result};
use rusqlite::types::Value;
use rusqlite::{Connection, params, params_from_iter};
use uuid::Uuid;

fn list_conditions(account: Uuid, filter: &ListFilter) -> Conditions {
    let mut c = Conditions::owned_by(account);
    c.one_of_ids("list_id", filter.list_ids.as_deref());
    c.contains("user_data", filter.user_data.as_deref());
    c.compare(
        "user_data",
        "=",
        filter.user_data_eq.clone().map(Value::Text),
    );
    c.compare("create_time", ">=", filter.create_time_gte);
    c.compare("create_time", "<", filter.create_time_lt);
    c.compare("last_update_time", ">=", filter.last_update_time_gte);
    c.compare("last_update_time", "<", filter.last_update_time_lt);
    c.compare_id("list_id", ">=", filter.list_id_gte);
    c.compare_id("list_id", "<", filter.list_id_lt);
    c
}

pub(super) fn lists_matching(
    db: &Connection,
    account: Uuid,
    filter: &ListFilter,
    page: Page,
) -> Result<Vec<List>> {
    let order = if filter.by_id() {
        "list_id"
    } else {
        "create_time, rowid"
    };
    let c = list_conditions(account, filter).paged(order, page);
    let sql = format!("SELECT {LIST_COLUMNS} FROM lists WHERE {}", c.sql);
    let mut stmt = db.prepare(&sql).map_err(unavailable)?;
    let rows = stmt
        .query_map(params_from_iter(c.values), list_row)
        .map_err(unavailable)?;
    rows.collect::<rusqlite::Result<_>>().map_err(unavailable)
}

pub(super) fn count_lists_matching(
    db: &Connection,
    account: Uuid,
    filter: &ListFilter,
) -> Result<u64> {
    let c = list_conditions(account, filter);
    let n: i64 = db
        .query_row(
            &format!("SELECT COUNT(*) FROM lists WHERE {}", c.sql),
            params_from_iter(c.values),
            |r| r.get(0),
        )
        .map_err(unavailable)?;
    Ok(n.unsigned_abs())
}

pub(super) fn count_list_faces(db: &Connection, account: Uuid, list: Uuid) -> Result<u64> {
    owns_list(db, account, list)?;
    let n: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM list_faces WHERE list_id = ?1",
            [list.as_bytes()],
            |r| r.get(0),
        )
        .map_err(unavailable)?;
    Ok(n.unsigned_abs())
}

pub(super) fn delete_list_with_faces(
    db: &Connection,
    account: Uuid,
    list: Uuid,
) -> Result<Vec<Uuid>> {
    owns_list(db, account, list)?;
    let faces: Vec<Uuid> = {
        let mut stmt = db
            .prepare(
                "SELECT l.face_id FROM list_faces l JOIN faces f ON f.face_id = l.face_id
                 WHERE l.list_id = ?1 AND f.account_id = ?2",
            )
            .map_err(unavailable)?;
        let rows = stmt
            .query_map(params![list.as_bytes(), account.as_bytes()], |r| {
                super::uuid_at(r, 0)
            })
            .map_err(unavailable)?;
        rows.collect::<rusqlite::Result<_>>().map_err(unavailable)?
    };
    for face in &faces {
        delete_face_rows(db, *face)?;
    }
    db.execute(
        "DELETE FROM list_faces WHERE list_id = ?1",
        [list.as_bytes()],
    )
    .map_err(unavailable)?;
    db.execute("DELETE FROM lists WHERE list_id = ?1", [list.as_bytes()])
        .map_err(unavailable)?;
    Ok(faces)
}

pub(super) fn lists_of_face(db: &Connection, account: Uuid, face: Uuid) -> Result<Vec<Uuid>> {
    owns_face(db, account, face)?;
    face_lists(db, face)
}
