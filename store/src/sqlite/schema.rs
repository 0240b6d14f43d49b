//! The SQLite schema. Every record row carries `account_id`, every query filters on it. Ids are 16-byte
//! BLOBs, so byte order is the order of the UUID text and keyset bounds compare correctly. Blobs (descriptors,
//! samples, images) live in their rows, so one commit makes a record and its bytes durable together.
//! Tables are only ever added (`CREATE ... IF NOT EXISTS`), so an older data directory opens with a newer
//! build. Events keep location, geo position and top match in columns (indexed for `GET /events`), detections,
//! match results and meta as JSON text, and their tags in `event_tags`; `faces.event_id` points at them.
//! `event_tag_times` repeats each tag with its event's account and time, so that a search with a tag and a time
//! range reads only the events that have the tag in that range; a data directory from before it existed has it
//! filled from `event_tags` when it opens.
//! An event's face descriptor lives in `event_descriptors`, and its face's estimated age, gender, emotion and
//! liveness in `event_estimations` (tables of their own, so that older data directories open and event rows stay
//! small).

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS accounts (
    account_id BLOB PRIMARY KEY, login TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
    account_type TEXT NOT NULL, description TEXT NOT NULL, create_time INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    token_id BLOB PRIMARY KEY, account_id BLOB NOT NULL, permissions TEXT NOT NULL, description TEXT NOT NULL,
    expiration_time INTEGER, visibility_area TEXT NOT NULL, create_time INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS verifiers (
    verifier_id BLOB PRIMARY KEY, account_id BLOB NOT NULL, description TEXT NOT NULL, policies TEXT NOT NULL,
    create_time INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS handlers (
    handler_id BLOB PRIMARY KEY, account_id BLOB NOT NULL, description TEXT NOT NULL,
    handler_type INTEGER NOT NULL, policies TEXT, create_time INTEGER NOT NULL, last_update_time INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS handlers_by_account ON handlers (account_id, create_time);
CREATE TABLE IF NOT EXISTS lists (
    list_id BLOB PRIMARY KEY, account_id BLOB NOT NULL, user_data TEXT NOT NULL,
    create_time INTEGER NOT NULL, last_update_time INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS lists_by_account ON lists (account_id, create_time);
CREATE TABLE IF NOT EXISTS faces (
    face_id BLOB PRIMARY KEY, account_id BLOB NOT NULL, user_data TEXT NOT NULL, external_id TEXT NOT NULL,
    event_id BLOB, avatar TEXT NOT NULL, create_time INTEGER NOT NULL,
    descriptor_version INTEGER, descriptor BLOB);
CREATE INDEX IF NOT EXISTS faces_by_account ON faces (account_id, create_time);
CREATE TABLE IF NOT EXISTS list_faces (
    list_id BLOB NOT NULL, face_id BLOB NOT NULL, PRIMARY KEY (list_id, face_id));
CREATE INDEX IF NOT EXISTS list_faces_by_face ON list_faces (face_id);
CREATE TABLE IF NOT EXISTS attributes (
    attribute_id BLOB PRIMARY KEY, account_id BLOB NOT NULL, descriptor_version INTEGER, descriptor BLOB,
    samples TEXT NOT NULL, create_time INTEGER NOT NULL, expire_time INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS samples (
    sample_id BLOB PRIMARY KEY, account_id BLOB NOT NULL, bytes BLOB NOT NULL, create_time INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS attribute_basics (
    attribute_id BLOB PRIMARY KEY, account_id BLOB NOT NULL, basic_attributes TEXT,
    basic_attributes_samples TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS face_attributes (
    face_id BLOB PRIMARY KEY, account_id BLOB NOT NULL, basic_attributes TEXT, descriptor_samples TEXT NOT NULL,
    basic_attributes_samples TEXT NOT NULL, create_time INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS objects (
    kind TEXT NOT NULL, object_id BLOB NOT NULL, account_id BLOB NOT NULL, bytes BLOB NOT NULL,
    content_type TEXT NOT NULL, meta TEXT NOT NULL, create_time INTEGER NOT NULL, expire_time INTEGER,
    PRIMARY KEY (kind, object_id));
CREATE INDEX IF NOT EXISTS objects_by_expiry ON objects (expire_time);
CREATE INDEX IF NOT EXISTS attributes_by_expiry ON attributes (expire_time);
CREATE INDEX IF NOT EXISTS faces_by_external_id ON faces (account_id, external_id);
CREATE INDEX IF NOT EXISTS tokens_by_account ON tokens (account_id, create_time);
CREATE INDEX IF NOT EXISTS verifiers_by_account ON verifiers (account_id, create_time);
CREATE TABLE IF NOT EXISTS events (
    event_id BLOB PRIMARY KEY, account_id BLOB NOT NULL, handler_id BLOB, create_time INTEGER NOT NULL,
    end_time INTEGER NOT NULL, source TEXT, stream_id BLOB, city TEXT, area TEXT, district TEXT, street TEXT,
    house_number TEXT, latitude REAL, longitude REAL, track_id TEXT, external_id TEXT NOT NULL,
    user_data TEXT NOT NULL, meta TEXT, face_id BLOB, attach_result TEXT NOT NULL, top_match_kind TEXT,
    top_match_id BLOB, top_match_external_id TEXT, top_match_label TEXT, top_similarity REAL, match_result TEXT,
    face_detections TEXT NOT NULL, body_detections TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_by_time ON events (account_id, create_time, event_id);
CREATE INDEX IF NOT EXISTS events_by_id ON events (account_id, event_id);
CREATE INDEX IF NOT EXISTS events_by_handler ON events (account_id, handler_id, create_time);
CREATE INDEX IF NOT EXISTS events_by_stream ON events (account_id, stream_id, create_time);
CREATE INDEX IF NOT EXISTS events_by_external_id ON events (account_id, external_id);
CREATE INDEX IF NOT EXISTS events_by_track ON events (account_id, track_id);
CREATE INDEX IF NOT EXISTS events_by_face ON events (account_id, face_id);
CREATE INDEX IF NOT EXISTS events_by_geo ON events (account_id, longitude, latitude);
CREATE TABLE IF NOT EXISTS event_tags (
    event_id BLOB NOT NULL, position INTEGER NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (event_id, position));
CREATE INDEX IF NOT EXISTS event_tags_by_tag ON event_tags (tag, event_id);
CREATE TABLE IF NOT EXISTS event_tag_times (
    account_id BLOB NOT NULL, tag TEXT NOT NULL, create_time INTEGER NOT NULL, event_id BLOB NOT NULL,
    PRIMARY KEY (account_id, tag, create_time, event_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS event_tag_times_by_event ON event_tag_times (event_id);
INSERT OR IGNORE INTO event_tag_times
    SELECT e.account_id, t.tag, e.create_time, t.event_id FROM event_tags t JOIN events e USING (event_id)
    WHERE NOT EXISTS (SELECT 1 FROM event_tag_times);
CREATE TABLE IF NOT EXISTS event_descriptors (
    event_id BLOB PRIMARY KEY, account_id BLOB NOT NULL, descriptor_version INTEGER NOT NULL,
    descriptor BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS event_estimations (
    event_id BLOB PRIMARY KEY, account_id BLOB NOT NULL, age REAL, gender INTEGER, emotion INTEGER,
    liveness INTEGER);
";
