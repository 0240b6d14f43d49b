//! Search conditions and partial updates that the trait's newer operations take. Every `None` means "no
//! condition" or "leave as it is". Times are Unix milliseconds; `_gte` bounds include, `_lt` bounds exclude.

use crate::records::{AccountType, FaceFilter};
use uuid::Uuid;

/// Account search conditions (`GET /accounts`).
#[derive(Clone, Debug, Default)]
pub struct AccountFilter {
    /// Only this account.
    pub account_id: Option<Uuid>,
    /// Exact login.
    pub login: Option<String>,
    /// Kind of account.
    pub account_type: Option<AccountType>,
    /// Part of the description.
    pub description: Option<String>,
    /// Created at or after.
    pub create_time_gte: Option<i64>,
    /// Created before.
    pub create_time_lt: Option<i64>,
}

/// Fields of an account that can change (`PATCH /account`).
#[derive(Clone, Debug, Default)]
pub struct AccountPatch {
    /// New login; must be free.
    pub login: Option<String>,
    /// New salted password hash (see `hash_password`).
    pub password_hash: Option<String>,
    /// New kind.
    pub account_type: Option<AccountType>,
    /// New description.
    pub description: Option<String>,
}

/// Fields of a token that can change.
#[derive(Clone, Debug, Default)]
pub struct TokenPatch {
    /// New permissions JSON text.
    pub permissions: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New expiry (`Some(None)`: never expires).
    pub expiration_time: Option<Option<i64>>,
    /// New visibility area.
    pub visibility_area: Option<String>,
}

/// Fields of a verifier that can change.
#[derive(Clone, Debug, Default)]
pub struct VerifierPatch {
    /// New description.
    pub description: Option<String>,
    /// New policies JSON text.
    pub policies: Option<String>,
}

/// Every face search condition of `GET /faces`: the basic `FaceFilter` plus the rest.
#[derive(Clone, Debug, Default)]
pub struct FaceQuery {
    /// List, ids and external ids.
    pub base: FaceFilter,
    /// Part of the user data.
    pub user_data: Option<String>,
    /// The event the face came from.
    pub event_id: Option<Uuid>,
    /// Created at or after.
    pub create_time_gte: Option<i64>,
    /// Created before.
    pub create_time_lt: Option<i64>,
    /// Keyset lower bound (included); when either id bound is given, results come in id order.
    pub face_id_gte: Option<Uuid>,
    /// Keyset upper bound (excluded).
    pub face_id_lt: Option<Uuid>,
}

impl FaceQuery {
    /// True when results come in id order (keyset pagination) rather than creation order.
    pub fn by_id(&self) -> bool {
        self.face_id_gte.is_some() || self.face_id_lt.is_some()
    }
}

/// List search conditions (`GET /lists`, `GET /lists/count`).
#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    /// Only these lists.
    pub list_ids: Option<Vec<Uuid>>,
    /// Part of the user data.
    pub user_data: Option<String>,
    /// Exact user data.
    pub user_data_eq: Option<String>,
    /// Created at or after.
    pub create_time_gte: Option<i64>,
    /// Created before.
    pub create_time_lt: Option<i64>,
    /// Changed at or after.
    pub last_update_time_gte: Option<i64>,
    /// Changed before.
    pub last_update_time_lt: Option<i64>,
    /// Keyset lower bound (included); when either id bound is given, results come in id order.
    pub list_id_gte: Option<Uuid>,
    /// Keyset upper bound (excluded).
    pub list_id_lt: Option<Uuid>,
}

impl ListFilter {
    /// True when results come in id order (keyset pagination) rather than creation order.
    pub fn by_id(&self) -> bool {
        self.list_id_gte.is_some() || self.list_id_lt.is_some()
    }
}
