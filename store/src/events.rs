//! Events as the store keeps them (the stored shape of catalogue §2.14 / nested-schemas §2.6) and the search
//! conditions of `GET /events`. The detections and the match results are JSON the server builds; the store
//! keeps them as text and never reads them. `meta` is the client's JSON object, kept as text and searchable by
//! path (`MetaFilter`). Times are Unix milliseconds; `_gte` bounds include, `_lt` bounds exclude. An event may
//! keep one face descriptor (`EventDescriptor`), stored beside the event rather than in it, so that reading and
//! searching events never loads descriptor bytes.

use crate::StoredDescriptor;
use uuid::Uuid;

/// An event: what a handler (or a client, for events without a handler) saw at one time and place.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Id.
    pub event_id: Uuid,
    /// Owner.
    pub account_id: Uuid,
    /// The handler that made it; None for an event saved without one.
    pub handler_id: Option<Uuid>,
    /// When it happened.
    pub create_time: i64,
    /// When it ended.
    pub end_time: i64,
    /// Free text naming the source (a camera), if given.
    pub source: Option<String>,
    /// The video stream, if any.
    pub stream_id: Option<Uuid>,
    /// Where it happened.
    pub location: EventLocation,
    /// Tags, in the order given.
    pub tags: Vec<String>,
    /// The track the event belongs to, if any.
    pub track_id: Option<String>,
    /// The client's id.
    pub external_id: String,
    /// Free text.
    pub user_data: String,
    /// The client's JSON object, as text.
    pub meta: Option<String>,
    /// The face created from the event, if any.
    pub face_id: Option<Uuid>,
    /// The lists that face was attached to.
    pub attach_result: Vec<Uuid>,
    /// The best candidate of the match results, if any.
    pub top_match: Option<TopMatch>,
    /// The match results as the API's JSON array, as text.
    pub match_result: Option<String>,
    /// The face detections as the API's JSON array, as text.
    pub face_detections: String,
    /// The body detections as the API's JSON array, as text.
    pub body_detections: String,
    /// The face's estimated attributes, where the handler estimated them.
    pub estimations: EventEstimations,
}

/// An event face's estimated attributes, each as the API's event code; `None` when not estimated.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct EventEstimations {
    /// Age in years.
    pub age: Option<f64>,
    /// 0 female, 1 male.
    pub gender: Option<u8>,
    /// The predominant emotion: 1 anger, 2 disgust, 3 fear, 4 happiness, 5 neutral, 6 sadness, 7 surprise.
    pub emotion: Option<u8>,
    /// 0 spoof, 1 real, 2 unknown.
    pub liveness: Option<u8>,
}

impl EventEstimations {
    /// True when nothing was estimated.
    pub fn is_empty(&self) -> bool {
        *self == EventEstimations::default()
    }
}

/// Where an event happened; every part is optional.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventLocation {
    /// City.
    pub city: Option<String>,
    /// Area.
    pub area: Option<String>,
    /// District.
    pub district: Option<String>,
    /// Street.
    pub street: Option<String>,
    /// House number.
    pub house_number: Option<String>,
    /// Coordinates in degrees.
    pub geo_position: Option<GeoPosition>,
}

/// A point in degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GeoPosition {
    /// -90..90.
    pub latitude: f64,
    /// -180..180.
    pub longitude: f64,
}

/// The most similar candidate an event was matched with.
#[derive(Clone, Debug, PartialEq)]
pub struct TopMatch {
    /// The candidate.
    pub object: MatchedObject,
    /// The candidate's external id, if known.
    pub external_id: Option<String>,
    /// The label of the match policy that found it.
    pub label: String,
    /// Similarity 0..1.
    pub similarity: f64,
}

/// A match candidate: a face or an event.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MatchedObject {
    /// A face.
    Face(Uuid),
    /// An event.
    Event(Uuid),
}

/// Newest or oldest first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Order {
    /// Oldest (or lowest id) first.
    Asc,
    /// Newest (or highest id) first; the API's default.
    #[default]
    Desc,
}

/// The geo position condition: inside a box around a point, or not set at all.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum GeoFilter {
    /// Longitude and latitude within `delta` of the origin (bounds included).
    Within {
        /// Centre.
        origin: GeoPosition,
        /// Half the box's height, degrees.
        latitude_delta: f64,
        /// Half the box's width, degrees.
        longitude_delta: f64,
    },
    /// Events with no geo position.
    Unset,
}

/// A comparison of a `meta` field (`meta.<path>__<op>:<type>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetaOp {
    /// Equal to the value (or unset, for `Null`).
    Eq,
    /// Not equal to the value (or set, for `Null`).
    Neq,
    /// A LIKE pattern (`%` any text, `_` one character).
    Like,
    /// Not the LIKE pattern.
    Nlike,
    /// One of the values.
    In,
    /// None of the values.
    Nin,
    /// Greater.
    Gt,
    /// Greater or equal.
    Gte,
    /// Less.
    Lt,
    /// Less or equal.
    Lte,
}

/// A value a `meta` field is compared with.
#[derive(Clone, Debug, PartialEq)]
pub enum MetaValue {
    /// The field is absent or JSON null.
    Null,
    /// A JSON string.
    Text(String),
    /// A JSON integer.
    Integer(i64),
    /// A JSON number.
    Numeric(f64),
}

/// One condition on the event's `meta` object.
#[derive(Clone, Debug, PartialEq)]
pub struct MetaFilter {
    /// Field names from the top of the object; each is Latin letters, digits and underscores.
    pub path: Vec<String>,
    /// The comparison.
    pub op: MetaOp,
    /// One value, or several for `In`/`Nin`.
    pub values: Vec<MetaValue>,
}

/// Every event search condition the store answers; `None` (or empty `meta`) means no condition. In the
/// `Option<String>` / `Option<Uuid>` lists, `None` selects events where the field is not set.
#[derive(Clone, Debug, Default)]
pub struct EventQuery {
    /// Only these events.
    pub event_ids: Option<Vec<Uuid>>,
    /// Keyset lower bound (included); when either id bound is given, results come in id order.
    pub event_id_gte: Option<Uuid>,
    /// Keyset upper bound (excluded).
    pub event_id_lt: Option<Uuid>,
    /// Created at or after.
    pub create_time_gte: Option<i64>,
    /// Created before.
    pub create_time_lt: Option<i64>,
    /// Ended at or after.
    pub end_time_gte: Option<i64>,
    /// Ended before.
    pub end_time_lt: Option<i64>,
    /// Made by one of these handlers.
    pub handler_ids: Option<Vec<Uuid>>,
    /// With one of these faces.
    pub face_ids: Option<Vec<Uuid>>,
    /// With one of these external ids.
    pub external_ids: Option<Vec<String>>,
    /// From one of these sources.
    pub sources: Option<Vec<Option<String>>>,
    /// From one of these streams.
    pub stream_ids: Option<Vec<Option<Uuid>>>,
    /// On one of these tracks.
    pub track_ids: Option<Vec<Option<String>>>,
    /// In one of these cities.
    pub cities: Option<Vec<Option<String>>>,
    /// In one of these areas.
    pub areas: Option<Vec<Option<String>>>,
    /// In one of these districts.
    pub districts: Option<Vec<Option<String>>>,
    /// In one of these streets.
    pub streets: Option<Vec<Option<String>>>,
    /// At one of these house numbers.
    pub house_numbers: Option<Vec<Option<String>>>,
    /// Geo position in a box, or unset.
    pub geo: Option<GeoFilter>,
    /// Having every one of these tags.
    pub tags: Option<Vec<String>>,
    /// Part of the user data.
    pub user_data: Option<String>,
    /// Top match similarity at least.
    pub top_similarity_gte: Option<f64>,
    /// Top match similarity below.
    pub top_similarity_lt: Option<f64>,
    /// Top match is one of these faces or events.
    pub top_similar_object_ids: Option<Vec<Uuid>>,
    /// Top match has one of these external ids.
    pub top_similar_external_ids: Option<Vec<String>>,
    /// Top match was found by the match policy with this label.
    pub top_matching_label: Option<String>,
    /// Conditions on `meta`, all of which must hold.
    pub meta: Vec<MetaFilter>,
    /// Estimated age at least.
    pub age_gte: Option<f64>,
    /// Estimated age below.
    pub age_lt: Option<f64>,
    /// One of these gender codes (`None`: not estimated).
    pub genders: Option<Vec<Option<u8>>>,
    /// One of these emotion codes (`None`: not estimated).
    pub emotions: Option<Vec<Option<u8>>>,
    /// One of these liveness codes (`None`: not estimated).
    pub liveness: Option<Vec<Option<u8>>>,
    /// Direction of the creation-time (or id) order.
    pub order: Order,
}

impl EventQuery {
    /// True when results come in id order (keyset pagination) rather than creation order.
    pub fn by_id(&self) -> bool {
        self.event_id_gte.is_some() || self.event_id_lt.is_some()
    }
}

/// The descriptor of an event's face, written with the event (`Store::create_events_with_descriptors`). An
/// event made by a handler is made for one face, so it has at most one descriptor: that face's.
#[derive(Clone, Debug, PartialEq)]
pub struct EventDescriptor {
    /// The event; it must be in the same batch.
    pub event_id: Uuid,
    /// The descriptor.
    pub descriptor: StoredDescriptor,
}

/// What the event index needs of an event at start-up.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexedEvent {
    /// Event id.
    pub event_id: Uuid,
    /// Owner.
    pub account_id: Uuid,
    /// The event's external id.
    pub external_id: String,
    /// When the event happened.
    pub create_time: i64,
    /// The descriptor.
    pub descriptor: StoredDescriptor,
}

/// What deleting an account removed that the server also keeps in memory (its indexes).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeletedAccount {
    /// The account's faces.
    pub faces: Vec<Uuid>,
    /// The account's events that had a descriptor (the ones an event index holds).
    pub events: Vec<Uuid>,
}
