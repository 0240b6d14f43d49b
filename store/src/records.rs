//! The records the store keeps, as plain structs. Times are Unix milliseconds.

use uuid::Uuid;

/// Account kinds of the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountType {
    /// Works with its own data only.
    User,
    /// Also sees other accounts' data.
    AdvancedUser,
    /// The root account.
    Admin,
}

impl AccountType {
    /// The API's name.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountType::User => "user",
            AccountType::AdvancedUser => "advanced_user",
            AccountType::Admin => "admin",
        }
    }

    /// Parses the API's name.
    pub fn parse(s: &str) -> Option<AccountType> {
        match s {
            "user" => Some(AccountType::User),
            "advanced_user" => Some(AccountType::AdvancedUser),
            "admin" => Some(AccountType::Admin),
            _ => None,
        }
    }
}

/// An account.
#[derive(Clone, Debug, PartialEq)]
pub struct Account {
    /// Id.
    pub account_id: Uuid,
    /// Login (an e-mail address).
    pub login: String,
    /// Salted password hash (see `hash_password`).
    pub password_hash: String,
    /// Kind.
    pub account_type: AccountType,
    /// Free text.
    pub description: String,
    /// Creation time.
    pub create_time: i64,
}

/// A list of faces.
#[derive(Clone, Debug, PartialEq)]
pub struct List {
    /// Id.
    pub list_id: Uuid,
    /// Owner.
    pub account_id: Uuid,
    /// Free text.
    pub user_data: String,
    /// Creation time.
    pub create_time: i64,
    /// Last change.
    pub last_update_time: i64,
}

/// A face.
#[derive(Clone, Debug, PartialEq)]
pub struct Face {
    /// Id.
    pub face_id: Uuid,
    /// Owner.
    pub account_id: Uuid,
    /// Free text.
    pub user_data: String,
    /// The client's id of the person.
    pub external_id: String,
    /// The event the face came from.
    pub event_id: Option<Uuid>,
    /// A URL for UIs.
    pub avatar: String,
    /// Creation time.
    pub create_time: i64,
    /// Lists the face is in.
    pub lists: Vec<Uuid>,
}

/// A descriptor as stored: opaque bytes and their version.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredDescriptor {
    /// Descriptor version.
    pub version: u32,
    /// The encoded descriptor.
    pub bytes: Vec<u8>,
}

/// What the index needs of a face at start-up.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexedFace {
    /// Face id.
    pub face_id: Uuid,
    /// Owner.
    pub account_id: Uuid,
    /// Its lists.
    pub lists: Vec<Uuid>,
    /// External id.
    pub external_id: String,
    /// Creation time.
    pub create_time: i64,
    /// The descriptor.
    pub descriptor: StoredDescriptor,
}

/// A temporary attribute: a descriptor (and the samples it came from) with an expiry.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    /// Id.
    pub attribute_id: Uuid,
    /// Owner.
    pub account_id: Uuid,
    /// The descriptor, if extracted.
    pub descriptor: Option<StoredDescriptor>,
    /// Samples the descriptor came from.
    pub samples: Vec<Uuid>,
    /// Creation time.
    pub create_time: i64,
    /// Expiry time.
    pub expire_time: i64,
}

/// Face search conditions; every given one must hold.
#[derive(Clone, Debug, Default)]
pub struct FaceFilter {
    /// Only faces in this list.
    pub list_id: Option<Uuid>,
    /// Only these faces.
    pub face_ids: Option<Vec<Uuid>>,
    /// Only faces with one of these external ids.
    pub external_ids: Option<Vec<String>>,
}

/// A page: 1-based number and size.
#[derive(Clone, Copy, Debug)]
pub struct Page {
    /// Page number, from 1.
    pub page: u32,
    /// Items per page.
    pub page_size: u32,
}

impl Page {
    pub(crate) fn offset(self) -> i64 {
        i64::from(self.page.max(1) - 1) * i64::from(self.page_size)
    }
}

/// Fields of a face that can change; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct FacePatch {
    /// New user data.
    pub user_data: Option<String>,
    /// New external id.
    pub external_id: Option<String>,
    /// New event id (`Some(None)` clears it).
    pub event_id: Option<Option<Uuid>>,
    /// New avatar.
    pub avatar: Option<String>,
}

/// An API token record; the signed token string is derived from it by the server.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    /// Id.
    pub token_id: Uuid,
    /// Owner.
    pub account_id: Uuid,
    /// Permissions as the API's JSON object, kept as text.
    pub permissions: String,
    /// Free text.
    pub description: String,
    /// Expiry, or None for never.
    pub expiration_time: Option<i64>,
    /// "account" or "all".
    pub visibility_area: String,
    /// Creation time.
    pub create_time: i64,
}

/// A 1:1 verifier: its policies as the API's JSON, kept as text.
#[derive(Clone, Debug, PartialEq)]
pub struct Verifier {
    /// Id.
    pub verifier_id: Uuid,
    /// Owner.
    pub account_id: Uuid,
    /// Free text.
    pub description: String,
    /// Policies JSON.
    pub policies: String,
    /// Creation time.
    pub create_time: i64,
}

/// Everything a face's attribute holds (`PUT /faces/{id}/attributes`): the descriptor, basic attributes and
/// the samples each came from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaceAttribute {
    /// The descriptor, if any.
    pub descriptor: Option<StoredDescriptor>,
    /// Basic attributes (age, gender, ethnicity) as the API's JSON, kept as text.
    pub basic_attributes: Option<String>,
    /// Samples the descriptor came from.
    pub descriptor_samples: Vec<Uuid>,
    /// Samples the basic attributes came from.
    pub basic_attributes_samples: Vec<Uuid>,
    /// When the attribute was set.
    pub create_time: i64,
}

/// The two buckets of the Image Store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectKind {
    /// `/images`.
    Image,
    /// `/objects`.
    Object,
}

impl ObjectKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Image => "image",
            ObjectKind::Object => "object",
        }
    }
}

/// An image or object of the Image Store: opaque bytes with their content type and user metadata.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredObject {
    /// Id.
    pub object_id: Uuid,
    /// Owner.
    pub account_id: Uuid,
    /// Bucket.
    pub kind: ObjectKind,
    /// The bytes as uploaded.
    pub bytes: Vec<u8>,
    /// The Content-Type to replay.
    pub content_type: String,
    /// User metadata (`X-Luna-Meta-*`) as a JSON object, kept as text.
    pub meta: String,
    /// Creation time.
    pub create_time: i64,
    /// Expiry time, or None for never (`ttl=-1`).
    pub expire_time: Option<i64>,
}

impl StoredObject {
    /// The expiry for a TTL in days as the API gives it: -1 means never.
    pub fn expiry_for_ttl_days(create_time: i64, ttl_days: i64) -> Option<i64> {
        (ttl_days >= 0).then(|| create_time.saturating_add(ttl_days.saturating_mul(86_400_000)))
    }
}

/// A temporary attribute with everything `POST /attributes` can hold: the descriptor part (`Attribute`) plus
/// basic attributes and the samples they came from.
#[derive(Clone, Debug, PartialEq)]
pub struct TemporaryAttribute {
    /// Id, owner, descriptor, descriptor samples, creation and expiry.
    pub attribute: Attribute,
    /// Basic attributes (age, gender, ethnicity) as the API's JSON, kept as text.
    pub basic_attributes: Option<String>,
    /// Samples the basic attributes came from.
    pub basic_attributes_samples: Vec<Uuid>,
}
