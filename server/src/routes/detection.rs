//! Detection over a request's images (`image_input`): `POST /6/detector` stores one sample per face and answers
//! their ids; `POST /6/sdk` stores nothing and answers detections, optionally with each face's warp and
//! descriptor. Images are answered in the order they came. In a multi-image request (multipart or JSON) an image
//! that fails gets `status: 0` and its error while the others go on; a single-image request fails as a whole.
//! `estimate_quality` adds the model-free sample quality, the `estimate_*` flags of `estimation` add the face
//! attributes, and `aggregate_attributes=1` (one face per image) adds their aggregate over all images; estimations
//! this build has no model for are refused with `501 19001` naming them.

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::image_input::{self, InputImage};
use crate::request::{Reply, Request, now_ms};
use crate::routes::estimation;
use crate::state::AppState;
use argus_engine::{DetectOptions, Detection, Image};
use base64::Engine as _;
use serde_json::{Value, json};
use uuid::Uuid;
use warp::http::StatusCode;

/// Estimation flags of `/6/detector` that this build has no model for.
const DETECTOR_UNSUPPORTED: [&str; 4] = [
    "estimate_mask",
    "estimate_gaze",
    "estimate_face_quality",
    "extract_exif",
];

/// Flags of `/6/sdk` that this build has no model (or no body detector) for.
const SDK_UNSUPPORTED: [&str; 16] = [
    "detect_body",
    "estimate_mask",
    "estimate_glasses",
    "estimate_deepfake",
    "estimate_gaze",
    "estimate_upper_body",
    "estimate_lower_body",
    "estimate_accessories",
    "estimate_face_occlusion",
    "estimate_body_basic_attributes",
    "estimate_body_warp",
    "estimate_people_count",
    "extract_exif",
    "pitch_threshold",
    "roll_threshold",
    "yaw_threshold",
];

/// A 0/1 query flag.
pub fn flag(req: &Request, name: &str, default: bool) -> ApiResult<bool> {
    match req.query::<u8>(name)? {
        None => Ok(default),
        Some(0) => Ok(false),
        Some(1) => Ok(true),
        Some(v) => Err(ApiError::bad_query(format!("{name}={v}: must be 0 or 1"))),
    }
}

fn refuse_unsupported(req: &Request, names: &[&str]) -> ApiResult<()> {
    for name in names {
        let asked = if name.ends_with("_threshold") {
            req.query.contains_key(*name)
        } else {
            flag(req, name, false)?
        };
        if asked {
            return Err(ApiError::unsupported(name));
        }
    }
    Ok(())
}

/// `image_type`: false for raw images (0), true for face warps (1); body warps (2) are refused.
pub fn warped_input(req: &Request) -> ApiResult<bool> {
    match req.query::<u8>("image_type")? {
        None | Some(0) => Ok(false),
        Some(1) => Ok(true),
        Some(2) => Err(ApiError::unsupported("image_type=2 (body warps)")),
        Some(v) => Err(ApiError::bad_query(format!(
            "image_type={v}: must be 0, 1 or 2"
        ))),
    }
}

/// `multiface_policy`: 0 refuses an image with several faces, 1 takes them all, 2 only the best (largest).
#[derive(Clone, Copy, PartialEq)]
pub enum Multiface {
    Refuse,
    All,
    Best,
}

impl Multiface {
    /// The policy of an API code (0, 1 or 2).
    pub fn from_code(code: u8) -> Option<Multiface> {
        match code {
            0 => Some(Multiface::Refuse),
            1 => Some(Multiface::All),
            2 => Some(Multiface::Best),
            _ => None,
        }
    }
}

fn multiface(req: &Request) -> ApiResult<Multiface> {
    let code = req.query::<u8>("multiface_policy")?.unwrap_or(1);
    Multiface::from_code(code)
        .ok_or_else(|| ApiError::bad_query(format!("multiface_policy={code}: must be 0, 1 or 2")))
}

/// The faces of one image under the policy.
pub fn faces(state: &AppState, image: &Image, policy: Multiface) -> ApiResult<Vec<Detection>> {
    let options = DetectOptions {
        multiface: policy != Multiface::Best,
        ..DetectOptions::default()
    };
    let faces = state.engine.detect(image, &options)?;
    if policy == Multiface::Refuse && faces.len() > 1 {
        return Err(ApiError::bad_input(format!(
            "the image has {} faces and multiface_policy=0 does not process images with several faces",
            faces.len()
        )));
    }
    Ok(faces)
}

/// The quality scores of a sample as the API shows them (`detection.quality`).
pub fn quality_view(q: argus_engine::Quality) -> Value {
    json!({"blurriness": q.blurriness, "dark": q.dark, "illumination": q.illumination,
           "light": q.light, "specularity": q.specularity})
}

/// A detection as the API shows it: the box in whole pixels, its score, and the five landmarks when asked.
pub fn detection_view(d: &Detection, landmarks: bool) -> Value {
    let mut view = json!({
        "rect": {"x": d.rect.x.round() as i64, "y": d.rect.y.round() as i64,
                 "width": d.rect.width.round() as i64, "height": d.rect.height.round() as i64},
        "rect_score": d.score,
    });
    if landmarks {
        view["landmarks5"] = json!(d.landmarks5.iter().map(|p| [p.x, p.y]).collect::<Vec<_>>());
    }
    view
}

/// The answers for every image: `each` turns one image into its JSON; its failure becomes the image's error
/// when the request carried several images (or a form/list), else the request's.
fn per_image(
    req: &Request,
    images: Vec<InputImage>,
    mut each: impl FnMut(&InputImage) -> ApiResult<Value>,
) -> ApiResult<Vec<Value>> {
    let listed = images.len() > 1
        || req
            .header("content-type")
            .is_some_and(|t| t.starts_with("multipart/") || t.starts_with("application/json"));
    let mut out = Vec::with_capacity(images.len());
    for image in &images {
        match each(image) {
            Ok(mut value) => {
                value["filename"] = json!(image.filename);
                value["status"] = json!(1);
                out.push(value);
            }
            Err(e) if listed && e.status == StatusCode::BAD_REQUEST => {
                out.push(json!({"filename": image.filename, "status": 0, "error": e.body()}))
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// `POST /6/detector`.
pub fn detector(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    refuse_unsupported(req, &DETECTOR_UNSUPPORTED)?;
    if flag(req, "warped_image", false)? {
        return Err(ApiError::unsupported("warped_image=1 on the detector"));
    }
    let policy = multiface(req)?;
    let with_quality = flag(req, "estimate_quality", false)?;
    let wanted = estimation::wanted(req, "detect_landmarks68", false, false)?;
    let images = image_input::images(req)?;
    let answers = per_image(req, images, |input| {
        let image = state.engine.decode(&input.bytes)?;
        let found: Vec<Option<Detection>> = faces(state, &image, policy)?
            .into_iter()
            .map(Some)
            .collect();
        let warps: Vec<Image> = found
            .iter()
            .flatten()
            .map(|face| state.engine.warp(&image, face))
            .collect();
        let attributes = estimation::estimate(state, &warps, &found, wanted)?;
        let mut samples = Vec::new();
        for ((face, warp), estimated) in found.iter().flatten().zip(&warps).zip(&attributes) {
            let id = Uuid::new_v4();
            let bytes = state.engine.encode_sample(warp);
            state.store.put_sample(account, id, &bytes, now_ms())?;
            let mut detection = detection_view(face, true);
            if with_quality {
                detection["quality"] = quality_view(state.engine.quality(warp));
            }
            estimation::add_to_detection(&mut detection, estimated, Some(face), Default::default());
            samples.push(
                json!({"face": {"sample_id": id, "url": format!("/6/samples/faces/{id}"),
                                         "detection": detection}}),
            );
        }
        Ok(json!({"detections": {"samples": samples}}))
    })?;
    Ok(Reply::Json(
        StatusCode::CREATED,
        json!({ "images": answers }),
    ))
}

/// `POST /6/sdk`: nothing is stored.
pub fn sdk(state: &AppState, req: &Request) -> ApiResult<Reply> {
    auth::account(state, req)?;
    refuse_unsupported(req, &SDK_UNSUPPORTED)?;
    let warped = warped_input(req)?;
    let detect_face = flag(req, "detect_face", false)?;
    let landmarks5 = flag(req, "estimate_landmarks5", false)?;
    let want_warp = flag(req, "estimate_face_warp", false)?;
    let want_descriptor = flag(req, "estimate_face_descriptor", true)?;
    let with_quality = flag(req, "estimate_quality", false)?;
    let wanted = estimation::wanted(req, "estimate_landmarks68", true, true)?;
    let aggregate = flag(req, "aggregate_attributes", false)?;
    let policy = multiface(req)?;
    if warped && landmarks5 {
        return Err(ApiError::bad_query(
            "estimate_landmarks5 is not available for warped images (image_type=1)",
        ));
    }
    if warped {
        estimation::refuse_on_warps(wanted)?;
    }
    let images = image_input::images(req)?;
    let mut everyone = Vec::new();
    let answers = per_image(req, images, |input| {
        let (warps, detections) = if warped {
            let sample = state.engine.decode_sample(&input.bytes)?;
            (vec![sample], vec![None])
        } else if detect_face {
            let image = state.engine.decode(&input.bytes)?;
            let found = faces(state, &image, policy)?;
            let warps = found.iter().map(|f| state.engine.warp(&image, f)).collect();
            (warps, found.into_iter().map(Some).collect())
        } else {
            (Vec::new(), Vec::new())
        };
        let descriptors = if want_descriptor && !warps.is_empty() {
            state.engine.extract(&warps)?
        } else {
            Vec::new()
        };
        let attributes = estimation::estimate(state, &warps, &detections, wanted)?;
        if aggregate && attributes.len() > 1 {
            return Err(ApiError::bad_input(format!(
                "aggregate_attributes takes one face per image and image {} has {} (multiface_policy=2 keeps the \
                 best)",
                input.filename,
                attributes.len()
            )));
        }
        everyone.extend(attributes.iter().cloned());
        let estimations: Vec<Value> = warps
            .iter()
            .zip(&detections)
            .enumerate()
            .map(|(i, (warp, detection))| {
                let mut face = json!({});
                if let Some(d) = detection {
                    face["detection"] = detection_view(d, landmarks5);
                    if let Some(points) = attributes
                        .get(i)
                        .and_then(|a| estimation::landmarks68_view(a, d))
                    {
                        face["detection"]["landmarks68"] = points;
                    }
                }
                if with_quality {
                    face["quality"] = quality_view(state.engine.quality(warp));
                }
                if want_warp {
                    let png = state.engine.encode_sample(warp);
                    face["warp"] = json!(base64::engine::general_purpose::STANDARD.encode(png));
                }
                if let Some(view) = attributes.get(i).and_then(|a| {
                    estimation::attributes_view(a, detection.as_ref(), Default::default())
                }) {
                    face["attributes"] = view;
                }
                if let Some(basic) = attributes.get(i).and_then(|a| a.basic_attributes) {
                    face["basic_attributes"] = estimation::basic_view(basic);
                }
                if let Some(d) = descriptors.get(i) {
                    face["face_descriptor"] =
                        json!(base64::engine::general_purpose::STANDARD.encode(d.to_bytes()));
                    face["face_descriptor_version"] = json!(d.version);
                }
                json!({ "face": face })
            })
            .collect();
        Ok(json!({ "estimations": estimations }))
    })?;
    let mut answer = json!({ "images_estimations": answers });
    if aggregate {
        answer["aggregate_estimations"] = estimation::aggregate_view(&everyone);
    }
    Ok(Reply::Json(StatusCode::OK, answer))
}
