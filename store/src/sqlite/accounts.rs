//! Account searches, changes, and the cascade that deletes an account with everything it owns.

use super::conditions::Conditions;
use super::{ACCOUNT_COLUMNS, account_row, not_found, unavailable, uuid_at};
use crate::{Account, AccountFilter, AccountPatch, DeletedAccount, Page, Result, StoreError};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use uuid::Uuid;

/// Tables whose rows belong to one account, child tables before the ones they hang off.
const OWNED_TABLES: [&str; 15] = [
    "event_descriptors",
    "event_estimations",
    "events",
    "event_tag_times",
    "face_attributes",
    "attribute_basics",
    "faces",
    "lists",
    "tokens",
    "verifiers",
    "handlers",
    "attributes",
    "samples",
    "objects",
    "accounts",
];

fn account_conditions(filter: &AccountFilter) -> Conditions {
    let mut c = Conditions::none();
    c.compare_id("account_id", "=", filter.account_id);
    c.compare("login", "=", filter.login.clone().map(Value::Text));
    let kind = filter.account_type.map(|k| Value::Text(k.as_str().into()));
    c.compare("account_type", "=", kind);
    c.contains("description", filter.description.as_deref());
    c.compare("create_time", ">=", filter.create_time_gte);
    c.compare("create_time", "<", filter.create_time_lt);
    c
}

pub(super) fn accounts(
    db: &Connection,
    filter: &AccountFilter,
    page: Page,
) -> Result<Vec<Account>> {
    let c = account_conditions(filter).paged("create_time, rowid", page);
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE {}", c.sql);
    let mut stmt = db.prepare(&sql).map_err(unavailable)?;
    let rows = stmt
        .query_map(params_from_iter(c.values), account_row)
        .map_err(unavailable)?;
    rows.collect::<rusqlite::Result<_>>().map_err(unavailable)
}

pub(super) fn count_accounts(db: &Connection, filter: &AccountFilter) -> Result<u64> {
    let c = account_conditions(filter);
    let n: i64 = db
        .query_row(
            &format!("SELECT COUNT(*) FROM accounts WHERE {}", c.sql),
            params_from_iter(c.values),
            |r| r.get(0),
        )
        .map_err(unavailable)?;
    Ok(n.unsigned_abs())
}

fn account_exists(db: &Connection, id: Uuid) -> Result<()> {
    db.query_row(
        "SELECT 1 FROM accounts WHERE account_id = ?1",
        [id.as_bytes()],
        |_| Ok(()),
    )
    .optional()
    .map_err(unavailable)?
    .ok_or_else(|| not_found("account", id))
}

pub(super) fn update_account(db: &Connection, id: Uuid, patch: &AccountPatch) -> Result<()> {
    account_exists(db, id)?;
    if let Some(login) = &patch.login {
        let holder: Option<Vec<u8>> = db
            .query_row(
                "SELECT account_id FROM accounts WHERE login = ?1",
                [login],
                |r| r.get(0),
            )
            .optional()
            .map_err(unavailable)?;
        if holder.is_some_and(|holder| holder != id.as_bytes()) {
            return Err(StoreError::Conflict {
                entity: "account",
                field: "login",
                value: login.clone(),
            });
        }
    }
    db.execute(
        "UPDATE accounts SET login = COALESCE(?1, login), password_hash = COALESCE(?2, password_hash),
                             account_type = COALESCE(?3, account_type), description = COALESCE(?4, description)
         WHERE account_id = ?5",
        params![
            patch.login,
            patch.password_hash,
            patch.account_type.map(|k| k.as_str()),
            patch.description,
            id.as_bytes()
        ],
    )
    .map_err(unavailable)?;
    Ok(())
}

/// The ids in column `key` of the account's rows of `table`.
fn owned_ids(db: &Connection, table: &str, key: &str, account: Uuid) -> Result<Vec<Uuid>> {
    let mut stmt = db
        .prepare(&format!("SELECT {key} FROM {table} WHERE account_id = ?1"))
        .map_err(unavailable)?;
    let rows = stmt
        .query_map([account.as_bytes()], |r| uuid_at(r, 0))
        .map_err(unavailable)?;
    rows.collect::<rusqlite::Result<_>>().map_err(unavailable)
}

pub(super) fn delete_account(db: &Connection, id: Uuid) -> Result<DeletedAccount> {
    account_exists(db, id)?;
    let deleted = DeletedAccount {
        faces: owned_ids(db, "faces", "face_id", id)?,
        events: owned_ids(db, "event_descriptors", "event_id", id)?,
    };
    db.execute(
        "DELETE FROM event_tags WHERE event_id IN (SELECT event_id FROM events WHERE account_id = ?1)",
        [id.as_bytes()],
    )
    .map_err(unavailable)?;
    db.execute(
        "DELETE FROM list_faces WHERE face_id IN (SELECT face_id FROM faces WHERE account_id = ?1)
                                   OR list_id IN (SELECT list_id FROM lists WHERE account_id = ?1)",
        [id.as_bytes()],
    )
    .map_err(unavailable)?;
    for table in OWNED_TABLES {
        db.execute(
            &format!("DELETE FROM {table} WHERE account_id = ?1"),
            [id.as_bytes()],
        )
        .map_err(unavailable)?;
    }
    Ok(deleted)
}
