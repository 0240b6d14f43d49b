//! Handlers as the store keeps them: the policies are the API's JSON, kept as text and never read here.

use uuid::Uuid;

/// A handler (catalogue §2.13).
#[derive(Clone, Debug, PartialEq)]
pub struct Handler {
    /// Id.
    pub handler_id: Uuid,
    /// Owner.
    pub account_id: Uuid,
    /// Free text, ≤ 128 characters.
    pub description: String,
    /// 0 static, 1 dynamic, 2 lambda.
    pub handler_type: u8,
    /// The policies JSON of a static handler; `None` for a dynamic one.
    pub policies: Option<String>,
    /// Creation time.
    pub create_time: i64,
    /// Time of the last replacement.
    pub last_update_time: i64,
}

/// Handler search conditions (`GET /handlers`, `GET /handlers/count`).
#[derive(Clone, Debug, Default)]
pub struct HandlerFilter {
    /// Only this type.
    pub handler_type: Option<u8>,
    /// Description contains this text.
    pub description: Option<String>,
}
