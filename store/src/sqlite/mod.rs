//! The embedded backend: one SQLite file in the data directory, WAL journal, every write in one transaction.
//! A write returns only once its commit is flushed to disk (`group_sync`: one fsync shared by concurrent
//! writers), so an acknowledged write survives a crash. One writing connection behind a mutex (SQLite serialises
//! writers anyway) and a few read connections (`readers`).

use crate::events::*;
use crate::queries::*;
use crate::records::*;
use crate::{Handler, HandlerFilter};
use crate::{Result, Store, StoreError};
use rows::*;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use uuid::Uuid;

mod accounts;
mod checkpointer;
mod conditions;
mod event_conditions;
mod event_stats;
mod events;
mod face_attributes;
mod face_queries;
mod group_sync;
mod handlers;
mod list_queries;
mod objects;
mod readers;
mod rows;
mod scan;
mod schema;
mod temporary_attributes;

/// SQLite-backed `Store`.
pub struct SqliteStore {
    connection: Mutex<Connection>,
    readers: readers::Readers,
    sync: group_sync::GroupSync,
    _checkpointer: checkpointer::Checkpointer,
}

impl SqliteStore {
    /// Opens (creating if needed) `argus.sqlite3` in the data directory.
    pub fn open(data_dir: &Path) -> Result<SqliteStore> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| StoreError::Unavailable(format!("{}: {e}", data_dir.display())))?;
        let connection = Connection::open(data_dir.join("argus.sqlite3")).map_err(unavailable)?;
        // busy_timeout: a write that finds the database locked by another connection (the checkpoint thread's)
        // waits for it, up to 5 s, instead of failing at once.
        connection
            .execute_batch(
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; \
                 PRAGMA wal_autocheckpoint=0; PRAGMA cache_size=-65536; PRAGMA busy_timeout=5000;",
            )
            .map_err(unavailable)?;
        connection
            .execute_batch(schema::SCHEMA)
            .map_err(unavailable)?;
        let store = SqliteStore {
            connection: Mutex::new(connection),
            readers: readers::Readers::open(&data_dir.join("argus.sqlite3"))?,
            sync: group_sync::GroupSync::new(data_dir.join("argus.sqlite3-wal")),
            _checkpointer: checkpointer::Checkpointer::start(&data_dir.join("argus.sqlite3"))?,
        };
        // The schema's own writes, and the WAL's directory entry, are on disk before the first request.
        store.sync.wait(store.sync.committed())?;
        std::fs::File::open(data_dir)
            .and_then(|dir| dir.sync_all())
            .map_err(|e| StoreError::Unavailable(format!("{}: {e}", data_dir.display())))?;
        Ok(store)
    }

    /// A connection for reads.
    fn db(&self) -> MutexGuard<'_, Connection> {
        self.readers.get()
    }

    fn writer(&self) -> Result<MutexGuard<'_, Connection>> {
        self.connection
            .lock()
            .map_err(|_| StoreError::Unavailable("a previous store call panicked".into()))
    }

    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let (out, ticket) = {
            let mut db = self.writer()?;
            // IMMEDIATE takes the write lock at BEGIN, where SQLite waits for it (busy_timeout); a deferred
            // transaction would take it at its first write, after its first read, where SQLite fails at once.
            let tx = db
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(unavailable)?;
            let out = f(&tx)?;
            tx.commit().map_err(unavailable)?;
            (out, self.sync.committed())
        };
        self.sync.wait(ticket)?;
        Ok(out)
    }
}

impl Store for SqliteStore {
    fn health(&self) -> Result<()> {
        self.writer()?
            .query_row("SELECT 1", [], |_| Ok(()))
            .map_err(unavailable)
    }

    fn create_account(&self, a: &Account) -> Result<()> {
        self.write(|tx| {
            let taken: Option<i64> = tx
                .query_row("SELECT 1 FROM accounts WHERE login = ?1", [&a.login], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(unavailable)?;
            if taken.is_some() {
                return Err(StoreError::Conflict {
                    entity: "account",
                    field: "login",
                    value: a.login.clone(),
                });
            }
            tx.execute(
                "INSERT INTO accounts VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    a.account_id.as_bytes(),
                    a.login,
                    a.password_hash,
                    a.account_type.as_str(),
                    a.description,
                    a.create_time
                ],
            )
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _)
                    if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    StoreError::Conflict {
                        entity: "account",
                        field: "account_id",
                        value: a.account_id.to_string(),
                    }
                }
                other => unavailable(other),
            })?;
            Ok(())
        })
    }

    fn account(&self, id: Uuid) -> Result<Account> {
        self.account_where("account_id = ?1", &[&id.as_bytes().as_slice()])?
            .ok_or_else(|| not_found("account", id))
    }

    fn account_by_login(&self, login: &str) -> Result<Account> {
        self.account_where("login = ?1", &[&login])?
            .ok_or_else(|| StoreError::NotFound {
                entity: "account",
                id: login.to_string(),
            })
    }

    fn create_token(&self, t: &Token) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO tokens VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    t.token_id.as_bytes(),
                    t.account_id.as_bytes(),
                    t.permissions,
                    t.description,
                    t.expiration_time,
                    t.visibility_area,
                    t.create_time
                ],
            )
            .map_err(|e| insert_error(e, "token", t.token_id))?;
            Ok(())
        })
    }

    fn token(&self, account: Uuid, id: Uuid) -> Result<Token> {
        self.token_where(
            "token_id = ?1 AND account_id = ?2",
            &[&id.as_bytes().as_slice(), &account.as_bytes().as_slice()],
        )?
        .into_iter()
        .next()
        .ok_or_else(|| not_found("token", id))
    }

    fn token_by_id(&self, id: Uuid) -> Result<Token> {
        self.token_where("token_id = ?1", &[&id.as_bytes().as_slice()])?
            .into_iter()
            .next()
            .ok_or_else(|| not_found("token", id))
    }

    fn tokens(&self, account: Uuid, page: Page) -> Result<Vec<Token>> {
        self.token_where(
            "account_id = ?1 ORDER BY create_time, rowid LIMIT ?2 OFFSET ?3",
            &[
                &account.as_bytes().as_slice(),
                &page.page_size,
                &page.offset(),
            ],
        )
    }

    fn delete_token(&self, account: Uuid, id: Uuid) -> Result<()> {
        self.delete_owned("tokens", "token_id", "token", account, id)
    }

    fn create_verifier(&self, v: &Verifier) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO verifiers VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    v.verifier_id.as_bytes(),
                    v.account_id.as_bytes(),
                    v.description,
                    v.policies,
                    v.create_time
                ],
            )
            .map_err(|e| insert_error(e, "verifier", v.verifier_id))?;
            Ok(())
        })
    }

    fn verifier(&self, account: Uuid, id: Uuid) -> Result<Verifier> {
        self.verifier_where(
            "verifier_id = ?1 AND account_id = ?2",
            &[&id.as_bytes().as_slice(), &account.as_bytes().as_slice()],
        )?
        .into_iter()
        .next()
        .ok_or_else(|| not_found("verifier", id))
    }

    fn verifiers(&self, account: Uuid, page: Page) -> Result<Vec<Verifier>> {
        self.verifier_where(
            "account_id = ?1 ORDER BY create_time, rowid LIMIT ?2 OFFSET ?3",
            &[
                &account.as_bytes().as_slice(),
                &page.page_size,
                &page.offset(),
            ],
        )
    }

    fn delete_verifier(&self, account: Uuid, id: Uuid) -> Result<()> {
        self.delete_owned("verifiers", "verifier_id", "verifier", account, id)
    }

    fn create_list(&self, l: &List) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO lists VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    l.list_id.as_bytes(),
                    l.account_id.as_bytes(),
                    l.user_data,
                    l.create_time,
                    l.last_update_time
                ],
            )
            .map_err(|e| insert_error(e, "list", l.list_id))?;
            Ok(())
        })
    }

    fn list(&self, account: Uuid, id: Uuid) -> Result<List> {
        self.db()
            .query_row(
                &format!("SELECT {LIST_COLUMNS} FROM lists WHERE list_id = ?1 AND account_id = ?2"),
                params![id.as_bytes(), account.as_bytes()],
                list_row,
            )
            .optional()
            .map_err(unavailable)?
            .ok_or_else(|| not_found("list", id))
    }

    fn lists(&self, account: Uuid, page: Page) -> Result<Vec<List>> {
        self.lists_matching(account, &ListFilter::default(), page)
    }

    fn count_lists(&self, account: Uuid) -> Result<u64> {
        self.count_lists_matching(account, &ListFilter::default())
    }

    fn update_list(&self, account: Uuid, id: Uuid, user_data: &str, now_ms: i64) -> Result<()> {
        self.write(|tx| {
            owns_list(tx, account, id)?;
            tx.execute(
                "UPDATE lists SET user_data = ?1, last_update_time = ?2 WHERE list_id = ?3",
                params![user_data, now_ms, id.as_bytes()],
            )
            .map_err(unavailable)?;
            Ok(())
        })
    }

    fn delete_list(&self, account: Uuid, id: Uuid) -> Result<()> {
        self.write(|tx| {
            owns_list(tx, account, id)?;
            tx.execute("DELETE FROM list_faces WHERE list_id = ?1", [id.as_bytes()])
                .map_err(unavailable)?;
            tx.execute("DELETE FROM lists WHERE list_id = ?1", [id.as_bytes()])
                .map_err(unavailable)?;
            Ok(())
        })
    }

    fn create_face(&self, f: &Face, descriptor: Option<&StoredDescriptor>) -> Result<()> {
        self.write(|tx| face_queries::insert_face(tx, f, descriptor))
    }

    fn create_faces(&self, faces: &[(Face, Option<StoredDescriptor>)]) -> Result<()> {
        self.write(|tx| {
            for (face, descriptor) in faces {
                face_queries::insert_face(tx, face, descriptor.as_ref())?;
            }
            Ok(())
        })
    }

    fn create_face_with_attribute(&self, f: &Face, attribute: &FaceAttribute) -> Result<()> {
        self.write(|tx| {
            face_queries::insert_face(tx, f, attribute.descriptor.as_ref())?;
            face_attributes::put_face_attribute(tx, f.account_id, f.face_id, attribute)
        })
    }

    fn face(&self, account: Uuid, id: Uuid) -> Result<Face> {
        let db = self.db();
        let mut face = db
            .query_row(
                &format!("SELECT {FACE_COLUMNS} FROM faces WHERE face_id = ?1 AND account_id = ?2"),
                params![id.as_bytes(), account.as_bytes()],
                face_row,
            )
            .optional()
            .map_err(unavailable)?
            .ok_or_else(|| not_found("face", id))?;
        face.lists = face_lists(&db, id)?;
        Ok(face)
    }

    fn faces(&self, account: Uuid, filter: &FaceFilter, page: Page) -> Result<Vec<Face>> {
        let query = FaceQuery {
            base: filter.clone(),
            ..FaceQuery::default()
        };
        self.faces_matching(account, &query, page)
    }

    fn count_faces(&self, account: Uuid, filter: &FaceFilter) -> Result<u64> {
        let query = FaceQuery {
            base: filter.clone(),
            ..FaceQuery::default()
        };
        self.count_faces_matching(account, &query)
    }

    fn update_face(&self, account: Uuid, id: Uuid, patch: &FacePatch) -> Result<()> {
        self.write(|tx| {
            owns_face(tx, account, id)?;
            let key = id.as_bytes();
            tx.execute(
                "UPDATE faces SET user_data = COALESCE(?1, user_data), external_id = COALESCE(?2, external_id),
                                  avatar = COALESCE(?3, avatar) WHERE face_id = ?4",
                params![patch.user_data, patch.external_id, patch.avatar, key],
            )
            .map_err(unavailable)?;
            if let Some(event) = &patch.event_id {
                let event = event.map(|e| e.as_bytes().to_vec());
                tx.execute("UPDATE faces SET event_id = ?1 WHERE face_id = ?2", params![event, key])
                    .map_err(unavailable)?;
            }
            Ok(())
        })
    }

    fn delete_face(&self, account: Uuid, id: Uuid) -> Result<()> {
        self.write(|tx| {
            owns_face(tx, account, id)?;
            face_queries::delete_face_rows(tx, id)
        })
    }

    fn link_faces(
        &self,
        account: Uuid,
        list: Uuid,
        faces: &[Uuid],
        attach: bool,
    ) -> Result<Vec<(Uuid, Vec<Uuid>)>> {
        self.write(|tx| {
            owns_list(tx, account, list)?;
            for face in faces {
                owns_face(tx, account, *face)?;
                let sql = if attach {
                    "INSERT OR IGNORE INTO list_faces VALUES (?1, ?2)"
                } else {
                    "DELETE FROM list_faces WHERE list_id = ?1 AND face_id = ?2"
                };
                tx.execute(sql, params![list.as_bytes(), face.as_bytes()])
                    .map_err(unavailable)?;
            }
            faces
                .iter()
                .map(|f| Ok((*f, face_lists(tx, *f)?)))
                .collect()
        })
    }

    fn face_descriptor(&self, account: Uuid, id: Uuid) -> Result<Option<StoredDescriptor>> {
        self.db()
            .query_row(
                "SELECT descriptor_version, descriptor FROM faces WHERE face_id = ?1 AND account_id = ?2",
                params![id.as_bytes(), account.as_bytes()],
                |r| descriptor_at(r, 0),
            )
            .optional()
            .map_err(unavailable)?
            .ok_or_else(|| not_found("face", id))
    }

    fn scan_face_descriptors(&self, each: &mut dyn FnMut(IndexedFace)) -> Result<()> {
        scan::scan_face_descriptors(&self.db(), each)
    }

    fn put_attribute(&self, a: &Attribute) -> Result<()> {
        let t = TemporaryAttribute {
            attribute: a.clone(),
            basic_attributes: None,
            basic_attributes_samples: Vec::new(),
        };
        self.put_temporary_attribute(&t)
    }

    fn attribute(&self, account: Uuid, id: Uuid, now_ms: i64) -> Result<Attribute> {
        Ok(self.temporary_attribute(account, id, now_ms)?.attribute)
    }

    fn put_temporary_attribute(&self, attribute: &TemporaryAttribute) -> Result<()> {
        self.write(|tx| temporary_attributes::put(tx, attribute))
    }

    fn temporary_attribute(
        &self,
        account: Uuid,
        id: Uuid,
        now_ms: i64,
    ) -> Result<TemporaryAttribute> {
        temporary_attributes::get(&self.db(), account, id, now_ms)
    }

    fn delete_attribute(&self, account: Uuid, id: Uuid) -> Result<()> {
        self.write(|tx| temporary_attributes::delete(tx, account, id))
    }

    fn purge_expired(&self, now_ms: i64) -> Result<u64> {
        self.write(|tx| {
            let attributes = temporary_attributes::purge_expired(tx, now_ms)?;
            Ok(attributes + objects::purge_expired_objects(tx, now_ms)?)
        })
    }

    fn put_sample(&self, account: Uuid, id: Uuid, bytes: &[u8], now_ms: i64) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO samples VALUES (?1, ?2, ?3, ?4)",
                params![id.as_bytes(), account.as_bytes(), bytes, now_ms],
            )
            .map_err(|e| insert_error(e, "sample", id))?;
            Ok(())
        })
    }

    fn sample(&self, account: Uuid, id: Uuid) -> Result<Vec<u8>> {
        self.db()
            .query_row(
                "SELECT bytes FROM samples WHERE sample_id = ?1 AND account_id = ?2",
                params![id.as_bytes(), account.as_bytes()],
                |r| r.get(0),
            )
            .optional()
            .map_err(unavailable)?
            .ok_or_else(|| not_found("sample", id))
    }

    fn delete_sample(&self, account: Uuid, id: Uuid) -> Result<()> {
        self.delete_owned("samples", "sample_id", "sample", account, id)
    }

    fn accounts(&self, filter: &AccountFilter, page: Page) -> Result<Vec<Account>> {
        accounts::accounts(&self.db(), filter, page)
    }

    fn count_accounts(&self, filter: &AccountFilter) -> Result<u64> {
        accounts::count_accounts(&self.db(), filter)
    }

    fn update_account(&self, id: Uuid, patch: &AccountPatch) -> Result<()> {
        self.write(|tx| accounts::update_account(tx, id, patch))
    }

    fn delete_account(&self, id: Uuid) -> Result<DeletedAccount> {
        self.write(|tx| accounts::delete_account(tx, id))
    }

    fn update_token(&self, account: Uuid, id: Uuid, patch: &TokenPatch) -> Result<()> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE tokens SET permissions = COALESCE(?1, permissions), description = COALESCE(?2, description),
                                       visibility_area = COALESCE(?3, visibility_area)
                     WHERE token_id = ?4 AND account_id = ?5",
                    params![
                        patch.permissions,
                        patch.description,
                        patch.visibility_area,
                        id.as_bytes(),
                        account.as_bytes()
                    ],
                )
                .map_err(unavailable)?;
            if n == 0 {
                return Err(not_found("token", id));
            }
            if let Some(expiry) = patch.expiration_time {
                tx.execute(
                    "UPDATE tokens SET expiration_time = ?1 WHERE token_id = ?2",
                    params![expiry, id.as_bytes()],
                )
                .map_err(unavailable)?;
            }
            Ok(())
        })
    }

    fn update_verifier(&self, account: Uuid, id: Uuid, patch: &VerifierPatch) -> Result<()> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE verifiers SET description = COALESCE(?1, description), policies = COALESCE(?2, policies)
                     WHERE verifier_id = ?3 AND account_id = ?4",
                    params![patch.description, patch.policies, id.as_bytes(), account.as_bytes()],
                )
                .map_err(unavailable)?;
            if n == 0 {
                Err(not_found("verifier", id))
            } else {
                Ok(())
            }
        })
    }

    fn count_verifiers(&self, account: Uuid) -> Result<u64> {
        let n: i64 = self
            .db()
            .query_row(
                "SELECT COUNT(*) FROM verifiers WHERE account_id = ?1",
                [account.as_bytes()],
                |r| r.get(0),
            )
            .map_err(unavailable)?;
        Ok(n.unsigned_abs())
    }

    fn faces_matching(&self, account: Uuid, query: &FaceQuery, page: Page) -> Result<Vec<Face>> {
        face_queries::faces_matching(&self.db(), account, query, page)
    }

    fn count_faces_matching(&self, account: Uuid, query: &FaceQuery) -> Result<u64> {
        face_queries::count_faces_matching(&self.db(), account, query)
    }

    fn delete_faces(&self, account: Uuid, ids: &[Uuid]) -> Result<Vec<Uuid>> {
        self.write(|tx| face_queries::delete_faces(tx, account, ids))
    }

    fn lists_of_face(&self, account: Uuid, face: Uuid) -> Result<Vec<Uuid>> {
        list_queries::lists_of_face(&self.db(), account, face)
    }

    fn face_attribute(&self, account: Uuid, face: Uuid) -> Result<FaceAttribute> {
        face_attributes::face_attribute(&self.db(), account, face)
    }

    fn put_face_attribute(
        &self,
        account: Uuid,
        face: Uuid,
        attribute: &FaceAttribute,
    ) -> Result<()> {
        self.write(|tx| face_attributes::put_face_attribute(tx, account, face, attribute))
    }

    fn delete_face_attribute(&self, account: Uuid, face: Uuid) -> Result<()> {
        self.write(|tx| face_attributes::delete_face_attribute(tx, account, face))
    }

    fn count_faces_with_attributes(&self, account: Uuid) -> Result<u64> {
        face_attributes::count_faces_with_attributes(&self.db(), account)
    }

    fn lists_matching(&self, account: Uuid, filter: &ListFilter, page: Page) -> Result<Vec<List>> {
        list_queries::lists_matching(&self.db(), account, filter, page)
    }

    fn count_lists_matching(&self, account: Uuid, filter: &ListFilter) -> Result<u64> {
        list_queries::count_lists_matching(&self.db(), account, filter)
    }

    fn count_list_faces(&self, account: Uuid, list: Uuid) -> Result<u64> {
        list_queries::count_list_faces(&self.db(), account, list)
    }

    fn delete_list_with_faces(&self, account: Uuid, id: Uuid) -> Result<Vec<Uuid>> {
        self.write(|tx| list_queries::delete_list_with_faces(tx, account, id))
    }

    fn sample_exists(&self, account: Uuid, id: Uuid) -> Result<bool> {
        let found = self
            .db()
            .query_row(
                "SELECT 1 FROM samples WHERE sample_id = ?1 AND account_id = ?2",
                params![id.as_bytes(), account.as_bytes()],
                |_| Ok(()),
            )
            .optional()
            .map_err(unavailable)?;
        Ok(found.is_some())
    }

    fn put_object(&self, object: &StoredObject) -> Result<()> {
        self.write(|tx| objects::put_object(tx, object))
    }

    fn object(
        &self,
        account: Uuid,
        kind: ObjectKind,
        id: Uuid,
        now_ms: i64,
    ) -> Result<StoredObject> {
        objects::object(&self.db(), account, kind, id, now_ms)
    }

    fn object_exists(
        &self,
        account: Uuid,
        kind: ObjectKind,
        id: Uuid,
        now_ms: i64,
    ) -> Result<bool> {
        objects::object_exists(&self.db(), account, kind, id, now_ms)
    }

    fn delete_object(&self, account: Uuid, kind: ObjectKind, id: Uuid) -> Result<()> {
        self.write(|tx| objects::delete_object(tx, account, kind, id))
    }

    fn event_stats(
        &self,
        account: Uuid,
        query: &EventQuery,
        request: &crate::StatsRequest,
    ) -> Result<crate::StatsTable> {
        event_stats::event_stats(&self.db(), account, query, request)
    }

    fn create_handler(&self, handler: &Handler) -> Result<()> {
        self.write(|tx| handlers::create_handler(tx, handler))
    }

    fn handler(&self, account: Uuid, id: Uuid) -> Result<Handler> {
        handlers::handler(&self.db(), account, id)
    }

    fn handlers(&self, account: Uuid, filter: &HandlerFilter, page: Page) -> Result<Vec<Handler>> {
        handlers::handlers(&self.db(), account, filter, page)
    }

    fn count_handlers(&self, account: Uuid, filter: &HandlerFilter) -> Result<u64> {
        handlers::count_handlers(&self.db(), account, filter)
    }

    fn replace_handler(&self, handler: &Handler) -> Result<()> {
        self.write(|tx| handlers::replace_handler(tx, handler))
    }

    fn delete_handler(&self, account: Uuid, id: Uuid) -> Result<()> {
        self.delete_owned("handlers", "handler_id", "handler", account, id)
    }

    fn create_events_with_descriptors(
        &self,
        batch: &[Event],
        descriptors: &[EventDescriptor],
    ) -> Result<()> {
        self.write(|tx| {
            batch.iter().try_for_each(|e| events::insert_event(tx, e))?;
            events::insert_descriptors(tx, batch, descriptors)
        })
    }

    fn event_descriptor(&self, account: Uuid, id: Uuid) -> Result<Option<StoredDescriptor>> {
        events::event_descriptor(&self.db(), account, id)
    }

    fn scan_event_descriptors(&self, each: &mut dyn FnMut(IndexedEvent)) -> Result<()> {
        scan::scan_event_descriptors(&self.db(), each)
    }

    fn event_ids(&self, account: Uuid, query: &EventQuery) -> Result<Vec<Uuid>> {
        events::event_ids(&self.db(), account, query)
    }

    fn event(&self, account: Uuid, id: Uuid) -> Result<Event> {
        events::event(&self.db(), account, id)
    }

    fn events(&self, account: Uuid, query: &EventQuery, page: Page) -> Result<Vec<Event>> {
        events::events(&self.db(), account, query, page)
    }

    fn count_events(&self, account: Uuid, query: &EventQuery) -> Result<u64> {
        events::count_events(&self.db(), account, query)
    }

    fn delete_event(&self, account: Uuid, id: Uuid) -> Result<()> {
        self.write(|tx| events::delete_event(tx, account, id))
    }

    fn delete_events(&self, account: Uuid, ids: &[Uuid]) -> Result<Vec<Uuid>> {
        self.write(|tx| events::delete_events(tx, account, ids))
    }
}

impl SqliteStore {
    /// Deletes the row `key = id` of `table` when it belongs to the account.
    fn delete_owned(
        &self,
        table: &str,
        key: &str,
        entity: &'static str,
        account: Uuid,
        id: Uuid,
    ) -> Result<()> {
        self.write(|tx| {
            let n = tx
                .execute(
                    &format!("DELETE FROM {table} WHERE {key} = ?1 AND account_id = ?2"),
                    params![id.as_bytes(), account.as_bytes()],
                )
                .map_err(unavailable)?;
            if n == 0 {
                Err(not_found(entity, id))
            } else {
                Ok(())
            }
        })
    }

    fn verifier_where(
        &self,
        condition: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<Verifier>> {
        let db = self.db();
        let mut stmt = db
            .prepare(&format!(
                "SELECT verifier_id, account_id, description, policies, create_time FROM verifiers WHERE {condition}"
            ))
            .map_err(unavailable)?;
        let rows = stmt
            .query_map(args, |r| {
                Ok(Verifier {
                    verifier_id: uuid_at(r, 0)?,
                    account_id: uuid_at(r, 1)?,
                    description: r.get(2)?,
                    policies: r.get(3)?,
                    create_time: r.get(4)?,
                })
            })
            .map_err(unavailable)?;
        rows.collect::<rusqlite::Result<_>>().map_err(unavailable)
    }

    fn token_where(&self, condition: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<Token>> {
        let db = self.db();
        let mut stmt = db
            .prepare(&format!(
                "SELECT token_id, account_id, permissions, description, expiration_time, visibility_area, create_time
                 FROM tokens WHERE {condition}"
            ))
            .map_err(unavailable)?;
        let rows = stmt
            .query_map(args, |r| {
                Ok(Token {
                    token_id: uuid_at(r, 0)?,
                    account_id: uuid_at(r, 1)?,
                    permissions: r.get(2)?,
                    description: r.get(3)?,
                    expiration_time: r.get(4)?,
                    visibility_area: r.get(5)?,
                    create_time: r.get(6)?,
                })
            })
            .map_err(unavailable)?;
        rows.collect::<rusqlite::Result<_>>().map_err(unavailable)
    }

    fn account_where(
        &self,
        condition: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Option<Account>> {
        self.db()
            .query_row(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE {condition}"),
                args,
                account_row,
            )
            .optional()
            .map_err(unavailable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_is_opened_in_wal_mode_and_flushed_by_group_sync() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let db = store.writer().unwrap();
        let mode: String = db
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        let synchronous: i64 = db
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            (mode.as_str(), synchronous),
            ("wal", 1),
            "1 is NORMAL: commits are flushed by group_sync"
        );
        assert!(dir.path().join("argus.sqlite3").is_file());
    }

    #[test]
    fn the_checkpoint_thread_moves_committed_pages_into_the_database_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let file = dir.path().join("argus.sqlite3");
        let before = std::fs::metadata(&file).unwrap().len();
        store
            .put_object(&StoredObject {
                object_id: Uuid::new_v4(),
                account_id: Uuid::new_v4(),
                kind: ObjectKind::Object,
                bytes: vec![7; 2 << 20],
                content_type: "application/octet-stream".into(),
                meta: "{}".into(),
                create_time: 0,
                expire_time: None,
            })
            .unwrap();
        // The writer never checkpoints, so only the thread can grow the file.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::fs::metadata(&file).unwrap().len() < before + (2 << 20) {
            assert!(
                std::time::Instant::now() < deadline,
                "no checkpoint in 10 s"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}
