//! `POST /6/handlers/{id}/events` (catalogue §2.14, nested-schemas §2): the handler pipeline. Each image is
//! decoded and its faces detected (`multiface_policy`), or taken as a ready warp (`image_type=1`); the faces of
//! one image are extracted in one batch; then, per face, in order: the match policies (each may be gated by
//! `match` filters on earlier labels), conditional tags, and the storage policies (sample, source image,
//! temporary attribute, face with list links, event), each gated by its filters. One event per face (or one per
//! request, below); the events of a request are stored in one commit after every face was processed, so an image
//! that fails (it answers `status: 0` with its error) leaves no event behind. Dynamic handlers take `multipart/form-data` with
//! a `policies` part (JSON), an optional `meta` part (JSON object) and image parts. Stored events go to the live
//! feed. Faces that fail the face-quality checks of a filtering `detect_policy.face_quality`, or the head-pose and
//! liveness filters of `detect_policy`, make no event: they are answered in `filtered_detections.face_detections`
//! with their reasons. The face attributes the policies ask for (head pose, emotions, liveness, and age and gender
//! with `extract_basic_attributes`) are estimated for all faces of an image in one batch per network. After the
//! commit, each HTTP callback of `storage_policy.callbacks` is queued with the answer's events its filters pass.
//! An event keeps the descriptor of its face; the descriptors go to the store in the same commit as the events,
//! then to the event index. With `aggregate_attributes=1` the request is one person: each image may show one face
//! (`multiface_policy` 2 keeps the best), any failing image fails the request, and one event is made of all the
//! faces, matched and stored with their mean descriptor; the mean emotions, liveness, age and gender go to
//! `aggregate_estimations` (age and gender also to `face_attributes`), and each detection keeps its own sample.

use super::detection::Multiface;
use super::event_input::NewEvent;
use super::handler_policies::{Filters, MatchPolicy, Policies};
use super::quality_checks;
use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::image_input::{self, InputImage};
use crate::request::{Reply, Request, now_ms, parse_id, time_text};
use crate::state::AppState;
use argus_engine::{Descriptor, Detection, FaceAttributes, Image, similarity_to_score};
use argus_index::{Filter, ItemMeta};
use argus_store::{
    Attribute, Event, EventDescriptor, EventEstimations, Face, FaceAttribute, Handler, ObjectKind,
    StoredDescriptor, StoredObject, TemporaryAttribute,
};
use serde_json::{Map, Value, json};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;
use warp::http::StatusCode;

/// What a request brings besides its images: policies, the client's meta, and the event fields of the query.
struct Run {
    account: Uuid,
    handler_id: Uuid,
    policies: Policies,
    meta: Option<Map<String, Value>>,
    /// The event fields from the query (source, tags, location, …), in the save-event JSON shape.
    fields: Map<String, Value>,
    warped: bool,
    now: i64,
}

/// A face found on an image, with its warp, its face-quality checks (when measured), its estimated attributes and
/// (when extracted) its descriptor.
struct Found {
    detection: Option<Detection>,
    warp: Image,
    face_quality: Option<Value>,
    attributes: FaceAttributes,
    descriptor: Option<Descriptor>,
}

/// The faces of one image that the policies keep, and the `filtered_detections` items of those they drop.
struct ImageFaces {
    kept: Vec<Found>,
    filtered: Vec<Value>,
}

/// The faces one event is made of: one face, or with `aggregate_attributes=1` the one face of each image. The
/// event is matched and stored with `descriptor` and `attributes`: the face's own, or their aggregate.
struct EventFaces<'a> {
    shown: Vec<Shown<'a>>,
    descriptor: Option<Descriptor>,
    attributes: FaceAttributes,
    aggregated: bool,
}

/// One face of an event and the request image it was found on (`index` in the request).
struct Shown<'a> {
    index: usize,
    image: &'a InputImage,
    face: &'a Found,
}

impl<'a> EventFaces<'a> {
    /// An event of one face.
    fn single(index: usize, image: &'a InputImage, face: &'a Found) -> EventFaces<'a> {
        EventFaces {
            shown: vec![Shown { index, image, face }],
            descriptor: face.descriptor.clone(),
            attributes: face.attributes.clone(),
            aggregated: false,
        }
    }

    /// One event for every face (one per image): the mean descriptor and the mean attributes.
    fn aggregate(shown: Vec<Shown<'a>>) -> ApiResult<EventFaces<'a>> {
        let descriptors: Vec<&Descriptor> = shown
            .iter()
            .filter_map(|s| s.face.descriptor.as_ref())
            .collect();
        let descriptor = match descriptors.is_empty() {
            true => None,
            false => Some(super::samples::mean_descriptor(descriptors.into_iter())?),
        };
        let each: Vec<FaceAttributes> = shown.iter().map(|s| s.face.attributes.clone()).collect();
        Ok(EventFaces {
            shown,
            descriptor,
            attributes: super::estimation::aggregate(&each),
            aggregated: true,
        })
    }
}

/// The results of one face: the event as answered, the event as stored (None when storing is off) with its
/// face's descriptor (None when not extracted).
struct Outcome {
    answer: Value,
    stored: Option<(Event, Option<Descriptor>)>,
}

/// The query's event fields in the save-event JSON shape (checked later by `NewEvent::into_event`).
fn query_fields(req: &Request) -> ApiResult<Map<String, Value>> {
    let mut fields = Map::new();
    for name in ["source", "external_id", "user_data", "track_id"] {
        if let Some(v) = req.query.get(name) {
            fields.insert(name.into(), json!(v));
        }
    }
    if let Some(id) = req.query.get("stream_id") {
        fields.insert("stream_id".into(), json!(parse_id("stream_id", id)?));
    }
    if let Some(tags) = req.query.get("tags") {
        let tags: Vec<&str> = tags
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect();
        fields.insert("tags".into(), json!(tags));
    }
    let mut location = Map::new();
    for name in ["city", "area", "district", "street", "house_number"] {
        if let Some(v) = req.query.get(name) {
            location.insert(name.into(), json!(v));
        }
    }
    if let (Some(latitude), Some(longitude)) = (
        req.query::<f64>("latitude")?,
        req.query::<f64>("longitude")?,
    ) {
        location.insert(
            "geo_position".into(),
            json!({"latitude": latitude, "longitude": longitude}),
        );
    }
    if !location.is_empty() {
        fields.insert("location".into(), Value::Object(location));
    }
    for (header, field) in [
        ("luna-event-time", "create_time"),
        ("luna-event-end-time", "end_time"),
    ] {
        if let Some(t) = req.header(header)
            && chrono::DateTime::parse_from_rfc3339(t).is_ok()
        {
            fields.insert(field.into(), json!(t));
        }
    }
    Ok(fields)
}

/// What a request gives the pipeline: the policies to run, the client's meta, the images.
struct Inputs {
    policies: Policies,
    meta: Option<Map<String, Value>>,
    images: Vec<InputImage>,
}

/// The policies, meta and images of a dynamic handler's multipart request.
fn dynamic_parts(req: &Request) -> ApiResult<Inputs> {
    let mut policies = None;
    let mut meta = None;
    let mut images = Vec::new();
    for part in image_input::form_parts(req)? {
        match part.name.as_str() {
            "policies" => {
                let value: Value = serde_json::from_slice(&part.bytes).map_err(|e| {
                    ApiError::bad_json(format!("the policies part is not JSON: {e}"))
                })?;
                policies = Some(Policies::parse(value)?);
            }
            "meta" => {
                let value: Map<String, Value> =
                    serde_json::from_slice(&part.bytes).map_err(|e| {
                        ApiError::bad_json(format!("the meta part is not a JSON object: {e}"))
                    })?;
                meta = Some(value);
            }
            _ => images.push(part.into_image()?),
        }
    }
    let policies = policies.ok_or_else(|| {
        ApiError::bad_json("a dynamic handler needs a `policies` part (JSON) in its multipart body")
    })?;
    Ok(Inputs {
        policies,
        meta,
        images: image_input::checked_count(images)?,
    })
}

fn stored_policies(handler: &Handler) -> ApiResult<Policies> {
    let text = handler
        .policies
        .as_deref()
        .ok_or_else(|| ApiError::internal("a static handler without policies"))?;
    serde_json::from_str(text).map_err(|e| ApiError::internal(format!("stored policies: {e}")))
}

/// `POST /6/handlers/{id}/events`.
pub fn generate(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let handler = state.store.handler(account, parse_id("handler_id", id)?)?;
    let aggregate = super::detection::flag(req, "aggregate_attributes", false)?;
    let warped = super::detection::warped_input(req)?;
    let Inputs {
        policies,
        meta,
        images,
    } = match handler.handler_type {
        0 => Inputs {
            policies: stored_policies(&handler)?,
            meta: None,
            images: image_input::images(req)?,
        },
        1 => dynamic_parts(req)?,
        _ => return Err(ApiError::unsupported("lambda handlers")),
    };
    for link in &policies.storage_policy.face_policy.link_to_lists_policy {
        state.store.list(account, link.list_id)?;
    }
    if warped {
        super::estimation::refuse_on_warps(policies.detect_policy.estimations.wanted())?;
    }
    let run = Run {
        account,
        handler_id: handler.handler_id,
        policies,
        meta,
        fields: query_fields(req)?,
        warped,
        now: now_ms(),
    };
    let mut answers = Vec::new();
    let mut outcomes = Vec::new();
    let mut filtered = Vec::new();
    let mut origins = HashMap::new();
    let mut found = Vec::new();
    for (index, image) in images.iter().enumerate() {
        let result = faces(state, &run, image).and_then(|faces| {
            if aggregate && faces.kept.len() > 1 {
                return Err(several_faces(image, faces.kept.len()));
            }
            let mut made = Vec::new();
            if !aggregate {
                for face in &faces.kept {
                    let event = EventFaces::single(index, image, face);
                    made.push(process_event(state, &run, &event, &mut origins)?);
                }
            }
            Ok((faces, made))
        });
        match result {
            Ok((faces, made)) => {
                answers.push(json!({"filename": image.filename, "status": 1}));
                outcomes.extend(made);
                filtered.extend(faces.filtered);
                if aggregate {
                    found.extend(faces.kept.into_iter().map(|face| (index, face)));
                }
            }
            Err(e) if e.status == StatusCode::BAD_REQUEST && !aggregate => {
                answers.push(json!({"filename": image.filename, "status": 0, "error": e.body()}))
            }
            Err(e) => return Err(e),
        }
    }
    if aggregate && !found.is_empty() {
        let shown = found
            .iter()
            .map(|(index, face)| Shown {
                index: *index,
                image: &images[*index],
                face,
            })
            .collect();
        let event = EventFaces::aggregate(shown)?;
        outcomes.push(process_event(state, &run, &event, &mut origins)?);
    }
    let mut events = Vec::new();
    let mut stored = Vec::new();
    for o in outcomes {
        events.push(o.answer);
        stored.extend(o.stored);
    }
    let (stored, descriptors): (Vec<Event>, Vec<Option<Descriptor>>) = stored.into_iter().unzip();
    let event_descriptors: Vec<EventDescriptor> = stored
        .iter()
        .zip(&descriptors)
        .filter_map(|(e, d)| {
            d.as_ref().map(|d| EventDescriptor {
                event_id: e.event_id,
                descriptor: StoredDescriptor {
                    version: d.version,
                    bytes: d.to_bytes(),
                },
            })
        })
        .collect();
    state
        .store
        .create_events_with_descriptors(&stored, &event_descriptors)?;
    for (e, d) in stored.iter().zip(&descriptors) {
        if let Some(d) = d {
            state
                .event_index
                .upsert(e.event_id, &d.values, super::events::index_meta(e))?;
        }
    }
    super::events::publish(state, req, &stored);
    let answer = json!({"images": answers, "events": events,
                        "filtered_detections": {"face_detections": filtered, "body_detections": []}});
    let passes = |filters: &Filters, event: &Value| {
        let matches = event["matches"].as_array().map_or(&[][..], Vec::as_slice);
        filters.pass(&|label: &str| best_of(matches, label))
    };
    let callbacks = &run.policies.storage_policy.callbacks;
    for delivery in super::callback_policy::deliveries(callbacks, &answer, passes)? {
        state.callbacks.queue(delivery);
    }
    Ok(Reply::Json(StatusCode::CREATED, answer))
}

/// The faces of one image: detected (or the given warp), checked by the face-quality policy (failing faces are
/// filtered out when it filters), and the rest extracted in one batch when the policies extract.
fn faces(state: &AppState, run: &Run, image: &InputImage) -> ApiResult<ImageFaces> {
    let found: Vec<(Option<Detection>, Image)> = if run.warped {
        vec![(None, state.engine.decode_sample(&image.bytes)?)]
    } else {
        let decoded = state.engine.decode(&image.bytes)?;
        let code = run.policies.detect_policy.multiface_policy;
        let policy = Multiface::from_code(code)
            .ok_or_else(|| ApiError::internal(format!("stored multiface_policy {code}")))?;
        let detections = super::detection::faces(state, &decoded, policy)?;
        detections
            .into_iter()
            .map(|d| {
                let warp = state.engine.warp(&decoded, &d);
                (Some(d), warp)
            })
            .collect()
    };
    let face_quality = &run.policies.detect_policy.face_quality;
    let estimations = &run.policies.detect_policy.estimations;
    let mut wanted = estimations.wanted();
    wanted.basic_attributes = run.policies.extract_policy.extract_basic_attributes == 1;
    let (detections, warps): (Vec<Option<Detection>>, Vec<Image>) = found.into_iter().unzip();
    let estimated = super::estimation::estimate(state, &warps, &detections, wanted)?;
    let mut kept = Vec::new();
    let mut filtered = Vec::new();
    for ((detection, warp), attributes) in detections.into_iter().zip(warps).zip(estimated) {
        let verdict = (!face_quality.measured().is_empty())
            .then(|| state.engine.quality(&warp))
            .and_then(|q| quality_checks::evaluate(face_quality, detection.as_ref(), &q));
        let mut reasons = estimations.filter_reasons(&attributes);
        if let Some(v) = verdict.as_ref().filter(|_| face_quality.filter == 1) {
            reasons.extend(v.reasons.iter().cloned());
        }
        if !reasons.is_empty() {
            let mut view = detection
                .as_ref()
                .map_or_else(|| json!({}), |d| super::detection::detection_view(d, true));
            if let Some(v) = &verdict {
                view["face_quality"] = v.view.clone();
            }
            if let Some(a) = estimations.attributes_view(&attributes, detection.as_ref()) {
                view["attributes"] = a;
            }
            filtered.push(json!({"filename": image.filename, "detection": view,
                                 "filter_reasons": reasons}));
            continue;
        }
        kept.push(Found {
            detection,
            warp,
            face_quality: verdict.map(|v| v.view),
            attributes,
            descriptor: None,
        });
    }
    if run.policies.extracts() && !kept.is_empty() {
        let warps: Vec<Image> = kept.iter().map(|f| f.warp.clone()).collect();
        for (face, descriptor) in kept.iter_mut().zip(state.engine.extract(&warps)?) {
            face.descriptor = Some(descriptor);
        }
    }
    Ok(ImageFaces { kept, filtered })
}

/// The estimations an event keeps in its own fields: age, gender, the predominant emotion and the liveness state
/// under the policy's thresholds.
fn event_estimations(a: &FaceAttributes, p: &Policies) -> EventEstimations {
    EventEstimations {
        age: a.basic_attributes.map(|b| f64::from(b.age)),
        gender: a.basic_attributes.map(|b| b.gender_code()),
        emotion: a.emotions.as_ref().map(|e| e.event_code),
        liveness: a.liveness.map(|l| {
            l.prediction(p.detect_policy.estimations.liveness_thresholds())
                .code()
        }),
    }
}

/// `aggregate_attributes` takes one person per image.
fn several_faces(image: &InputImage, count: usize) -> ApiError {
    ApiError::bad_input(format!(
        "aggregate_attributes takes one face per image and image {} has {count} (multiface_policy=2 keeps the best)",
        image.filename
    ))
}

/// The candidates of one match policy as `{face: {...}, similarity}` items, best first.
fn match_one(
    state: &AppState,
    run: &Run,
    policy: &MatchPolicy,
    d: &Descriptor,
) -> ApiResult<Vec<Value>> {
    let c = &policy.candidates;
    if c.account_id.is_some_and(|a| a != run.account) {
        return Ok(Vec::new());
    }
    let filter = Filter {
        account: Some(run.account),
        lists: c.list_id.map(|l| vec![l]),
        ids: c
            .face_ids
            .as_ref()
            .map(|ids| ids.iter().copied().collect::<HashSet<_>>()),
        predicate: None,
    };
    let hits = state
        .searches
        .search(&state.index, &d.values, policy.limit, &filter)?;
    let mut out = Vec::new();
    for hit in hits {
        let similarity = similarity_to_score(hit.similarity);
        if similarity < policy.threshold {
            continue;
        }
        let face = state.store.face(run.account, hit.id)?;
        out.push(json!({
            "face": {"face_id": face.face_id, "external_id": face.external_id, "user_data": face.user_data,
                     "create_time": time_text(face.create_time), "lists": face.lists},
            "similarity": similarity,
        }));
    }
    Ok(out)
}

fn best_of(matches: &[Value], label: &str) -> Option<f64> {
    matches
        .iter()
        .filter(|m| m["label"] == label)
        .flat_map(|m| m["candidates"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c["similarity"].as_f64())
        .reduce(f64::max)
}

/// The `samples.face` item of one face of an event: its detection (with the quality, face-quality checks and,
/// unless the event aggregates them, its attributes) and its stored sample.
fn detection_sample(
    state: &AppState,
    run: &Run,
    ev: &EventFaces,
    shown: &Shown,
    sample_id: Option<Uuid>,
) -> Value {
    let face = shown.face;
    let p = &run.policies;
    let mut detection = face
        .detection
        .as_ref()
        .map_or_else(|| json!({}), |d| super::detection::detection_view(d, true));
    if p.detect_policy.estimate_quality == 1 {
        detection["quality"] = super::detection::quality_view(state.engine.quality(&face.warp));
    }
    if let Some(checks) = &face.face_quality {
        detection["face_quality"] = checks.clone();
    }
    if !ev.aggregated {
        super::estimation::add_to_detection(
            &mut detection,
            &face.attributes,
            face.detection.as_ref(),
            p.detect_policy.estimations.liveness_thresholds(),
        );
    }
    let mut sample = json!({"detection": detection});
    if let Some(id) = sample_id {
        sample["sample_id"] = json!(id);
        sample["url"] = json!(format!("/6/samples/faces/{id}"));
    }
    sample
}

/// One event: its matches, the storage policies, its answer and what is stored.
fn process_event(
    state: &AppState,
    run: &Run,
    ev: &EventFaces,
    origins: &mut HashMap<usize, String>,
) -> ApiResult<Outcome> {
    let p = &run.policies;
    let s = &p.storage_policy;
    // Time-ordered (version 7), so the store's indexes on event ids grow at their end.
    let event_id = Uuid::now_v7();
    let mut matches: Vec<Value> = Vec::new();
    if let Some(d) = &ev.descriptor {
        for policy in &p.match_policy {
            let gate = |label: &str| best_of(&matches, label);
            if !policy.filters.pass(&gate) {
                continue;
            }
            let candidates = match_one(state, run, policy, d)?;
            matches.push(json!({"label": policy.label, "candidates": candidates}));
        }
    }
    let passes = |f: &Filters| f.pass(&|label: &str| best_of(&matches, label));

    let store_samples =
        s.face_sample_policy.store_sample == 1 && passes(&s.face_sample_policy.filters);
    let mut sample_ids = Vec::with_capacity(ev.shown.len());
    for shown in &ev.shown {
        sample_ids.push(match store_samples {
            true => {
                let id = Uuid::new_v4();
                let bytes = state.engine.encode_sample(&shown.face.warp);
                state.store.put_sample(run.account, id, &bytes, run.now)?;
                Some(id)
            }
            false => None,
        });
    }
    let samples: Vec<Uuid> = sample_ids.iter().flatten().copied().collect();
    if !run.warped
        && s.image_origin_policy.store_image == 1
        && passes(&s.image_origin_policy.filters)
    {
        for shown in &ev.shown {
            if origins.contains_key(&shown.index) {
                continue;
            }
            let object = StoredObject {
                object_id: Uuid::new_v4(),
                account_id: run.account,
                kind: ObjectKind::Image,
                bytes: shown.image.bytes.clone(),
                content_type: "application/octet-stream".into(),
                meta: "{}".into(),
                create_time: run.now,
                expire_time: None,
            };
            state.store.put_object(&object)?;
            origins.insert(shown.index, format!("/6/images/{}", object.object_id));
        }
    }
    let stored_descriptor = ev.descriptor.as_ref().map(|d| StoredDescriptor {
        version: d.version,
        bytes: d.to_bytes(),
    });
    let basic = ev
        .attributes
        .basic_attributes
        .map(super::estimation::basic_view);
    let mut face_attributes = match &basic {
        Some(b) => json!({"basic_attributes": b}),
        None => Value::Null,
    };
    if s.attribute_policy.store_attribute == 1 && passes(&s.attribute_policy.filters) {
        let attribute = TemporaryAttribute {
            attribute: Attribute {
                attribute_id: Uuid::new_v4(),
                account_id: run.account,
                descriptor: stored_descriptor.clone(),
                samples: samples.clone(),
                create_time: run.now,
                expire_time: run.now + s.attribute_policy.ttl * 1000,
            },
            basic_attributes: basic.as_ref().map(Value::to_string),
            basic_attributes_samples: if basic.is_some() {
                samples.clone()
            } else {
                Vec::new()
            },
        };
        state.store.put_temporary_attribute(&attribute)?;
        let id = attribute.attribute.attribute_id;
        face_attributes = json!({"attribute_id": id, "url": format!("/6/attributes/{id}"),
                                 "samples": samples});
        if let Some(b) = &basic {
            face_attributes["basic_attributes"] = b.clone();
        }
    }

    let mut tags: Vec<String> = run
        .fields
        .get("tags")
        .and_then(|t| serde_json::from_value(t.clone()).ok())
        .unwrap_or_default();
    for t in &p.conditional_tags_policy {
        if passes(&t.filters) && !tags.contains(&t.tag) {
            tags.push(t.tag.clone());
        }
    }
    let detect_time = run
        .fields
        .get("create_time")
        .cloned()
        .unwrap_or_else(|| json!(time_text(run.now)));
    let detections: Vec<Value> = ev
        .shown
        .iter()
        .zip(&sample_ids)
        .map(|(shown, sample_id)| {
            let mut item = json!({"filename": shown.image.filename, "detect_time": detect_time,
                                  "samples": {"face": detection_sample(state, run, ev, shown, *sample_id)}});
            if let Some(origin) = origins.get(&shown.index) {
                item["image_origin"] = json!(origin);
            }
            item
        })
        .collect();

    let mut fields = run.fields.clone();
    fields.insert("tags".into(), json!(tags));
    fields.insert("detections".into(), json!(detections));
    fields.insert("matches".into(), json!(matches));
    if let Some(meta) = &run.meta {
        fields.insert("meta".into(), Value::Object(meta.clone()));
    }
    let new_event: NewEvent = serde_path_to_error::deserialize(Value::Object(fields.clone()))
        .map_err(|e| ApiError::bad_query(format!("event field {}: {}", e.path(), e.inner())))?;
    let mut event = new_event.into_event(0, run.account, run.now)?;
    event.event_id = event_id;
    event.handler_id = Some(run.handler_id);
    event.estimations = event_estimations(&ev.attributes, p);

    let mut face_view = Value::Null;
    if s.face_policy.store_face == 1 && passes(&s.face_policy.filters) {
        let lists: Vec<Uuid> = s
            .face_policy
            .link_to_lists_policy
            .iter()
            .filter(|l| passes(&l.filters))
            .map(|l| l.list_id)
            .collect();
        let avatar = match samples.first() {
            Some(id) if s.face_policy.set_sample_as_avatar == 1 => format!("/6/samples/faces/{id}"),
            _ => String::new(),
        };
        let created = Face {
            face_id: Uuid::new_v4(),
            account_id: run.account,
            user_data: event.user_data.clone(),
            external_id: event.external_id.clone(),
            event_id: (s.event_policy.store_event == 1).then_some(event_id),
            avatar,
            create_time: run.now,
            lists: lists.clone(),
        };
        match &basic {
            Some(b) => {
                let attribute = FaceAttribute {
                    descriptor: stored_descriptor.clone(),
                    basic_attributes: Some(b.to_string()),
                    descriptor_samples: samples.clone(),
                    basic_attributes_samples: samples.clone(),
                    create_time: run.now,
                };
                state
                    .store
                    .create_face_with_attribute(&created, &attribute)?
            }
            None => state
                .store
                .create_face(&created, stored_descriptor.as_ref())?,
        }
        if let Some(d) = &ev.descriptor {
            let meta = ItemMeta {
                account: run.account,
                lists: lists.clone(),
                external_id: Some(created.external_id.clone()),
                created_at: created.create_time,
            };
            state.index.upsert(created.face_id, &d.values, meta)?;
        }
        event.face_id = Some(created.face_id);
        event.attach_result = lists;
        face_view = json!({"face_id": created.face_id, "url": format!("/6/faces/{}", created.face_id),
                           "external_id": created.external_id, "user_data": created.user_data,
                           "lists": created.lists});
    }

    let keep = s.event_policy.store_event == 1 && passes(&s.event_policy.filters);
    let mut answer = Value::Object(fields);
    answer["event_id"] = json!(event_id);
    answer["url"] = if keep {
        json!(format!("/6/events/{event_id}"))
    } else {
        Value::Null
    };
    answer["face"] = face_view;
    if ev.aggregated {
        let each: Vec<FaceAttributes> =
            ev.shown.iter().map(|s| s.face.attributes.clone()).collect();
        answer["aggregate_estimations"] = super::estimation::aggregate_view(&each);
    }
    answer["face_attributes"] = face_attributes;
    answer["create_time"] = json!(time_text(event.create_time));
    answer["end_time"] = json!(time_text(event.end_time));
    Ok(Outcome {
        answer,
        stored: keep.then(|| (event, ev.descriptor.clone())),
    })
}
