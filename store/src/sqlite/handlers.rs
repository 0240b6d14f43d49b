//! Handler rows: create, read, search, count, replace, delete; always within one account.

use super::conditions::Conditions;
use super::{insert_error, not_found, unavailable, uuid_at};
use crate::{Handler, HandlerFilter, Page, Result};
use rusqlite::types::Value;
use rusqlite::{Connection, Row, params, params_from_iter};
use uuid::Uuid;

const COLUMNS: &str =
    "handler_id, account_id, description, handler_type, policies, create_time, last_update_time";

fn handler_row(r: &Row<'_>) -> rusqlite::Result<Handler> {
    Ok(Handler {
        handler_id: uuid_at(r, 0)?,
        account_id: uuid_at(r, 1)?,
        description: r.get(2)?,
        handler_type: r.get(3)?,
        policies: r.get(4)?,
        create_time: r.get(5)?,
        last_update_time: r.get(6)?,
    })
}

fn conditions(account: Uuid, filter: &HandlerFilter) -> Conditions {
    let mut c = Conditions::owned_by(account);
    c.compare("handler_type", "=", filter.handler_type.map(i64::from));
    c.contains("description", filter.description.as_deref());
    c
}

pub(super) fn create_handler(db: &Connection, h: &Handler) -> Result<()> {
    db.execute(
        &format!("INSERT INTO handlers ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
        params![
            h.handler_id.as_bytes(),
            h.account_id.as_bytes(),
            h.description,
            h.handler_type,
            h.policies,
            h.create_time,
            h.last_update_time
        ],
    )
    .map_err(|e| insert_error(e, "handler", h.handler_id))?;
    Ok(())
}

pub(super) fn handler(db: &Connection, account: Uuid, id: Uuid) -> Result<Handler> {
    let mut c = Conditions::owned_by(account);
    c.compare("handler_id", "=", Some(Value::Blob(id.as_bytes().to_vec())));
    let sql = format!("SELECT {COLUMNS} FROM handlers WHERE {}", c.sql);
    let mut stmt = db.prepare(&sql).map_err(unavailable)?;
    let mut rows = stmt
        .query_map(params_from_iter(c.values), handler_row)
        .map_err(unavailable)?;
    match rows.next() {
        Some(row) => row.map_err(unavailable),
        None => Err(not_found("handler", id)),
    }
}

pub(super) fn handlers(
    db: &Connection,
    account: Uuid,
    filter: &HandlerFilter,
    page: Page,
) -> Result<Vec<Handler>> {
    let c = conditions(account, filter).paged("create_time, rowid", page);
    let sql = format!("SELECT {COLUMNS} FROM handlers WHERE {}", c.sql);
    let mut stmt = db.prepare(&sql).map_err(unavailable)?;
    let rows = stmt
        .query_map(params_from_iter(c.values), handler_row)
        .map_err(unavailable)?;
    rows.collect::<rusqlite::Result<_>>().map_err(unavailable)
}

pub(super) fn count_handlers(
    db: &Connection,
    account: Uuid,
    filter: &HandlerFilter,
) -> Result<u64> {
    let c = conditions(account, filter);
    let n: i64 = db
        .query_row(
            &format!("SELECT COUNT(*) FROM handlers WHERE {}", c.sql),
            params_from_iter(c.values),
            |r| r.get(0),
        )
        .map_err(unavailable)?;
    Ok(n.unsigned_abs())
}

/// Replaces description, type and policies of the caller's handler; the creation time stays.
pub(super) fn replace_handler(db: &Connection, h: &Handler) -> Result<()> {
    let n = db
        .execute(
            "UPDATE handlers SET description = ?1, handler_type = ?2, policies = ?3, last_update_time = ?4
             WHERE handler_id = ?5 AND account_id = ?6",
            params![
                h.description,
                h.handler_type,
                h.policies,
                h.last_update_time,
                h.handler_id.as_bytes(),
                h.account_id.as_bytes()
            ],
        )
        .map_err(unavailable)?;
    if n == 0 {
        return Err(not_found("handler", h.handler_id));
    }
    Ok(())
}
