//! Durable records for the API: accounts, lists, faces with their descriptors, temporary attributes and face
//! samples. One trait, `Store`, with no SQL in it, so that another backend can follow; `SqliteStore` is the
//! embedded backend. The store knows no pixels (samples are opaque bytes) and no HTTP. Every write returns only
//! after it is durable.
#![warn(missing_docs)]

mod password;
mod records;
mod sqlite;

pub use password::{hash_password, verify_password};
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
    /// Deletes a temporary attribute.
    fn delete_attribute(&self, account: Uuid, id: Uuid) -> Result<()>;
    /// Removes attributes expired at `now_ms`; returns how many.
    fn purge_expired(&self, now_ms: i64) -> Result<u64>;

    /// Stores a face sample's bytes.
    fn put_sample(&self, account: Uuid, id: Uuid, bytes: &[u8], now_ms: i64) -> Result<()>;
    /// A face sample's bytes.
    fn sample(&self, account: Uuid, id: Uuid) -> Result<Vec<u8>>;
    /// Deletes a face sample.
    fn delete_sample(&self, account: Uuid, id: Uuid) -> Result<()>;
}
