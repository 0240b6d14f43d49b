//! Durable records for the API: accounts, tokens, verifiers, lists, faces with their attributes, temporary
//! attributes, face samples, the Image Store's images and objects, and events with their face descriptors. One
//! trait, `Store`, with no SQL in it, so that another backend (ScyllaDB) can follow: ids are UUIDs, pages are
//! `page`/`page_size` as the API has them, and faces and lists also take keyset bounds (`face_id_gte`/`_lt`).
//! `SqliteStore` is the embedded backend. The store knows no pixels (samples and images are opaque bytes) and no
//! HTTP. Every write returns only after it is durable.
#![warn(missing_docs)]

mod event_stats;
mod events;
mod handlers;
mod password;
mod queries;
mod records;
mod sqlite;

pub use event_stats::*;
pub use events::*;
pub use handlers::*;
pub use password::{hash_password, verify_password};
pub use queries::*;
pub use records::*;
pub use sqlite::SqliteStore;

use uuid::Uuid;

/// Errors of the store; each says whose fault it is.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist (or belongs to another account, which is the same to the caller).
    #[error("{entity} {id} not found")]
    NotFound {
        /// Kind of record.
        entity: &'static str,
        /// Its id.
        id: String,
    },
    /// A unique field is taken.
    #[error("{entity} with {field} {value} already exists")]
    Conflict {
        /// Kind of record.
        entity: &'static str,
        /// The field.
        field: &'static str,
        /// The taken value.
        value: String,
    },
    /// The database could not be opened or written; not the caller's fault.
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

/// Result alias of the store.
pub type Result<T> = std::result::Result<T, StoreError>;

/// The operations the API needs. Every method scoped by `account` sees only that account's records.
pub trait Store: Send + Sync {
    /// Runs a trivial query.
    fn health(&self) -> Result<()>;

    /// Creates an account; the login must be free.
    fn create_account(&self, account: &Account) -> Result<()>;
    /// An account by id.
    fn account(&self, id: Uuid) -> Result<Account>;
    /// An account by login.
    fn account_by_login(&self, login: &str) -> Result<Account>;

    /// Stores a token record.
    fn create_token(&self, token: &Token) -> Result<()>;
    /// A token of the account.
    fn token(&self, account: Uuid, id: Uuid) -> Result<Token>;
    /// A token by id whatever its account (for authenticating a Bearer token).
    fn token_by_id(&self, id: Uuid) -> Result<Token>;
    /// The account's tokens, oldest first.
    fn tokens(&self, account: Uuid, page: Page) -> Result<Vec<Token>>;
    /// Revokes a token.
    fn delete_token(&self, account: Uuid, id: Uuid) -> Result<()>;

    /// Stores a verifier.
    fn create_verifier(&self, verifier: &Verifier) -> Result<()>;
    /// A verifier of the account.
    fn verifier(&self, account: Uuid, id: Uuid) -> Result<Verifier>;
    /// The account's verifiers, oldest first.
    fn verifiers(&self, account: Uuid, page: Page) -> Result<Vec<Verifier>>;
    /// Deletes a verifier.
    fn delete_verifier(&self, account: Uuid, id: Uuid) -> Result<()>;

    /// Creates a list.
    fn create_list(&self, list: &List) -> Result<()>;
    /// A list of the account.
    fn list(&self, account: Uuid, id: Uuid) -> Result<List>;
    /// The account's lists, oldest first.
    fn lists(&self, account: Uuid, page: Page) -> Result<Vec<List>>;
    /// How many lists the account has.
    fn count_lists(&self, account: Uuid) -> Result<u64>;
    /// Replaces a list's user data.
    fn update_list(&self, account: Uuid, id: Uuid, user_data: &str, now_ms: i64) -> Result<()>;
    /// Deletes a list and unlinks its faces.
    fn delete_list(&self, account: Uuid, id: Uuid) -> Result<()>;

    /// Creates a face, its descriptor if any, and its list links; the lists must be the account's.
    fn create_face(&self, face: &Face, descriptor: Option<&StoredDescriptor>) -> Result<()>;
    /// Creates many faces in one commit (bulk import): all of them or, on any error, none.
    fn create_faces(&self, faces: &[(Face, Option<StoredDescriptor>)]) -> Result<()>;
    /// Creates a face with all of its attribute data (descriptor, basic attributes, their samples) in one commit.
    fn create_face_with_attribute(&self, face: &Face, attribute: &FaceAttribute) -> Result<()>;
    /// A face of the account.
    fn face(&self, account: Uuid, id: Uuid) -> Result<Face>;
    /// The account's faces matching the filter, oldest first.
    fn faces(&self, account: Uuid, filter: &FaceFilter, page: Page) -> Result<Vec<Face>>;
    /// How many of the account's faces match the filter.
    fn count_faces(&self, account: Uuid, filter: &FaceFilter) -> Result<u64>;
    /// Changes the given fields of a face.
    fn update_face(&self, account: Uuid, id: Uuid, patch: &FacePatch) -> Result<()>;
    /// Deletes a face with its descriptor.
    fn delete_face(&self, account: Uuid, id: Uuid) -> Result<()>;
    /// Attaches or detaches faces to or from a list; all must be the account's. Returns each face's lists after.
    fn link_faces(
        &self,
        account: Uuid,
        list: Uuid,
        faces: &[Uuid],
        attach: bool,
    ) -> Result<Vec<(Uuid, Vec<Uuid>)>>;
    /// The descriptor of a face, if it has one.
    fn face_descriptor(&self, account: Uuid, id: Uuid) -> Result<Option<StoredDescriptor>>;
    /// Calls `each` for every face that has a descriptor (for rebuilding the index at start-up).
    fn scan_face_descriptors(&self, each: &mut dyn FnMut(IndexedFace)) -> Result<()>;

    /// Stores a temporary attribute.
    fn put_attribute(&self, attribute: &Attribute) -> Result<()>;
    /// A temporary attribute that has not expired at `now_ms`.
    fn attribute(&self, account: Uuid, id: Uuid, now_ms: i64) -> Result<Attribute>;
    /// Stores a temporary attribute with its basic attributes, replacing one with the same id.
    fn put_temporary_attribute(&self, attribute: &TemporaryAttribute) -> Result<()>;
    /// A temporary attribute with its basic attributes, if it has not expired at `now_ms`.
    fn temporary_attribute(
        &self,
        account: Uuid,
        id: Uuid,
        now_ms: i64,
    ) -> Result<TemporaryAttribute>;
    /// Deletes a temporary attribute.
    fn delete_attribute(&self, account: Uuid, id: Uuid) -> Result<()>;
    /// Removes temporary attributes, images and objects expired at `now_ms`; returns how many.
    fn purge_expired(&self, now_ms: i64) -> Result<u64>;

    /// Stores a face sample's bytes.
    fn put_sample(&self, account: Uuid, id: Uuid, bytes: &[u8], now_ms: i64) -> Result<()>;
    /// A face sample's bytes.
    fn sample(&self, account: Uuid, id: Uuid) -> Result<Vec<u8>>;
    /// Deletes a face sample.
    fn delete_sample(&self, account: Uuid, id: Uuid) -> Result<()>;
    /// Accounts matching the filter, oldest first.
    fn accounts(&self, filter: &AccountFilter, page: Page) -> Result<Vec<Account>>;
    /// How many accounts match the filter.
    fn count_accounts(&self, filter: &AccountFilter) -> Result<u64>;
    /// Changes the given fields of an account; a new login must be free.
    fn update_account(&self, id: Uuid, patch: &AccountPatch) -> Result<()>;
    /// Deletes an account and everything it owns (events included); returns the ids of the faces and events
    /// deleted with it.
    fn delete_account(&self, id: Uuid) -> Result<DeletedAccount>;
    /// Changes the given fields of a token.
    fn update_token(&self, account: Uuid, id: Uuid, patch: &TokenPatch) -> Result<()>;
    /// Changes the given fields of a verifier.
    fn update_verifier(&self, account: Uuid, id: Uuid, patch: &VerifierPatch) -> Result<()>;
    /// How many verifiers the account has.
    fn count_verifiers(&self, account: Uuid) -> Result<u64>;

    /// The account's faces matching every condition of the query; oldest first, or in id order when the
    /// query has an id bound.
    fn faces_matching(&self, account: Uuid, query: &FaceQuery, page: Page) -> Result<Vec<Face>>;
    /// How many of the account's faces match the query.
    fn count_faces_matching(&self, account: Uuid, query: &FaceQuery) -> Result<u64>;
    /// Deletes those of the faces that are the account's (with their attributes); returns the ids deleted.
    fn delete_faces(&self, account: Uuid, ids: &[Uuid]) -> Result<Vec<Uuid>>;
    /// The lists a face of the account is in.
    fn lists_of_face(&self, account: Uuid, face: Uuid) -> Result<Vec<Uuid>>;
    /// A face's attribute; NotFound when the face has none.
    fn face_attribute(&self, account: Uuid, face: Uuid) -> Result<FaceAttribute>;
    /// Replaces all of a face's attribute data.
    fn put_face_attribute(
        &self,
        account: Uuid,
        face: Uuid,
        attribute: &FaceAttribute,
    ) -> Result<()>;
    /// Removes a face's attribute data (descriptor included).
    fn delete_face_attribute(&self, account: Uuid, face: Uuid) -> Result<()>;
    /// How many of the account's faces have a descriptor or basic attributes.
    fn count_faces_with_attributes(&self, account: Uuid) -> Result<u64>;

    /// The account's lists matching the filter; oldest first, or in id order when the filter has an id bound.
    fn lists_matching(&self, account: Uuid, filter: &ListFilter, page: Page) -> Result<Vec<List>>;
    /// How many of the account's lists match the filter.
    fn count_lists_matching(&self, account: Uuid, filter: &ListFilter) -> Result<u64>;
    /// How many faces a list of the account holds.
    fn count_list_faces(&self, account: Uuid, list: Uuid) -> Result<u64>;
    /// Deletes a list and the faces in it; returns the ids of the faces deleted.
    fn delete_list_with_faces(&self, account: Uuid, id: Uuid) -> Result<Vec<Uuid>>;

    /// True when the account has this sample.
    fn sample_exists(&self, account: Uuid, id: Uuid) -> Result<bool>;

    /// Stores an image or object; the id must be free in its bucket.
    fn put_object(&self, object: &StoredObject) -> Result<()>;
    /// An image or object that has not expired at `now_ms`.
    fn object(
        &self,
        account: Uuid,
        kind: ObjectKind,
        id: Uuid,
        now_ms: i64,
    ) -> Result<StoredObject>;
    /// True when the account has this image or object and it has not expired at `now_ms`.
    fn object_exists(&self, account: Uuid, kind: ObjectKind, id: Uuid, now_ms: i64)
    -> Result<bool>;
    /// Deletes an image or object.
    fn delete_object(&self, account: Uuid, kind: ObjectKind, id: Uuid) -> Result<()>;

    /// Stores events in one commit: all of them or, on any error (a taken id included), none.
    fn create_events(&self, events: &[Event]) -> Result<()> {
        self.create_events_with_descriptors(events, &[])
    }
    /// Stores events and the descriptors of some of them in one commit: all or, on any error, none. Each
    /// descriptor's event must be in `events` (else NotFound), and an event has at most one descriptor.
    fn create_events_with_descriptors(
        &self,
        events: &[Event],
        descriptors: &[EventDescriptor],
    ) -> Result<()>;
    /// The descriptor of an event of the account, if it has one; NotFound when the account has no such event.
    fn event_descriptor(&self, account: Uuid, id: Uuid) -> Result<Option<StoredDescriptor>>;
    /// Calls `each` for every event that has a descriptor (for rebuilding the event index at start-up).
    fn scan_event_descriptors(&self, each: &mut dyn FnMut(IndexedEvent)) -> Result<()>;
    /// The ids of the account's events matching every condition of the query, in no particular order (for
    /// narrowing a descriptor search to them); the query's order and id bounds' order do not apply.
    fn event_ids(&self, account: Uuid, query: &EventQuery) -> Result<Vec<Uuid>>;
    /// An event of the account.
    fn event(&self, account: Uuid, id: Uuid) -> Result<Event>;
    /// The account's events matching every condition of the query: by creation time in the query's order, or
    /// by id when the query has an id bound.
    fn events(&self, account: Uuid, query: &EventQuery, page: Page) -> Result<Vec<Event>>;
    /// How many of the account's events match the query.
    fn count_events(&self, account: Uuid, query: &EventQuery) -> Result<u64>;
    /// Deletes an event of the account, with its descriptor.
    fn delete_event(&self, account: Uuid, id: Uuid) -> Result<()>;
    /// Deletes those of the events that are the account's (with their descriptors); returns the ids deleted.
    fn delete_events(&self, account: Uuid, ids: &[Uuid]) -> Result<Vec<Uuid>>;

    /// Statistics over the account's events that the query selects.
    fn event_stats(
        &self,
        account: Uuid,
        query: &EventQuery,
        request: &StatsRequest,
    ) -> Result<StatsTable>;

    /// Creates a handler.
    fn create_handler(&self, handler: &Handler) -> Result<()>;
    /// A handler of the account.
    fn handler(&self, account: Uuid, id: Uuid) -> Result<Handler>;
    /// The account's handlers matching the filter, oldest first.
    fn handlers(&self, account: Uuid, filter: &HandlerFilter, page: Page) -> Result<Vec<Handler>>;
    /// How many of the account's handlers match the filter.
    fn count_handlers(&self, account: Uuid, filter: &HandlerFilter) -> Result<u64>;
    /// Replaces the description, type, policies and update time of the account's handler `handler.handler_id`.
    fn replace_handler(&self, handler: &Handler) -> Result<()>;
    /// Deletes a handler of the account.
    fn delete_handler(&self, account: Uuid, id: Uuid) -> Result<()>;
}
