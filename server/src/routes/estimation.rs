//! The face attributes of `/6/sdk`, `/6/detector` and `/6/liveness` in the API's words: which estimations a
//! request asks for (query flags), how each one is shown, and the `/6/liveness` route itself.
//!
//! Shapes: `head_pose {pitch, roll, yaw}` in degrees; `eyes_attributes {right_eye, left_eye}` each `{state:
//! open|closed, eyelid_landmarks}` (no iris model: no `iris_landmarks`); `mouth_attributes {opened, smile}` (no
//! occlusion model: no `occluded`); `landmarks68` as 68 `[x, y]` in the source image (beside
//! `landmarks5` in the detection); `emotions {estimations: {anger, …}, predominant_emotion}`;
//! `basic_attributes {age, gender}` with age in whole years and gender 1 male / 0 female; `liveness {prediction:
//! real|spoof|unknown, estimations: {probability, quality}}`. No ethnicity model exists in this build, so
//! `basic_attributes` carries no ethnicity. The formulas are in the engine's `attributes` modules.

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::image_input;
use crate::request::{Reply, Request};
use crate::routes::detection::{Multiface, faces, flag};
use crate::state::AppState;
use argus_engine::attributes::eyes::{Eye, Eyes};
use argus_engine::attributes::liveness::{Liveness, LivenessThresholds, mean as mean_liveness};
use argus_engine::attributes::{basic, emotions, emotions::Emotions, head_pose::HeadPose};
use argus_engine::{Detection, FaceAttributes, Image, Wanted, rotation_degrees, to_image};
use serde_json::{Value, json};
use warp::http::StatusCode;

/// The estimations a request's query flags ask for: `landmarks68` names the route's flag for them
/// (`estimate_landmarks68` or `detect_landmarks68`); `basic` and `liveness` are read only where the route has
/// them.
pub fn wanted(req: &Request, landmarks68: &str, basic: bool, liveness: bool) -> ApiResult<Wanted> {
    Ok(Wanted {
        head_pose: flag(req, "estimate_head_pose", false)?,
        landmarks68: flag(req, landmarks68, false)?,
        eyes: flag(req, "estimate_eyes_attributes", false)?,
        mouth: flag(req, "estimate_mouth_attributes", false)?,
        emotions: flag(req, "estimate_emotions", false)?,
        basic_attributes: basic && flag(req, "estimate_basic_attributes", false)?,
        liveness: liveness && flag(req, "estimate_liveness", false)?,
    })
}

/// Refuses estimations the seed does not allow on warped images (the warp has lost the head's position in the
/// frame and the background a liveness check needs).
pub fn refuse_on_warps(wanted: Wanted) -> ApiResult<()> {
    for (asked, name) in [
        (wanted.head_pose, "estimate_head_pose"),
        (wanted.landmarks68, "landmarks68"),
        (wanted.liveness, "estimate_liveness"),
    ] {
        if asked {
            return Err(ApiError::bad_query(format!(
                "{name} is not available for warped images (image_type=1)"
            )));
        }
    }
    Ok(())
}

/// Estimates the wanted attributes of samples; a detection given for a sample turns its head pose's roll into the
/// source image's frame.
pub fn estimate(
    state: &AppState,
    samples: &[Image],
    detections: &[Option<Detection>],
    wanted: Wanted,
) -> ApiResult<Vec<FaceAttributes>> {
    let mut out = state.engine.estimate(samples, wanted)?;
    for (attributes, detection) in out.iter_mut().zip(detections) {
        if let (Some(pose), Some(d)) = (attributes.head_pose, detection) {
            attributes.head_pose = Some(pose.rolled_by(rotation_degrees(&d.landmarks5)));
        }
    }
    Ok(out)
}

/// `attributes` of a face: the estimations other than the basic attributes and landmarks, liveness judged by
/// `thresholds`, eyelids in the source image when the face's `detection` is known (else in the sample); `None`
/// when none was asked for.
pub fn attributes_view(
    a: &FaceAttributes,
    detection: Option<&Detection>,
    thresholds: LivenessThresholds,
) -> Option<Value> {
    let mut view = serde_json::Map::new();
    if let Some(pose) = a.head_pose {
        view.insert("head_pose".into(), head_pose_view(pose));
    }
    if let Some(eyes) = &a.eyes {
        view.insert("eyes_attributes".into(), eyes_view(eyes, detection));
    }
    if let Some(m) = a.mouth {
        view.insert(
            "mouth_attributes".into(),
            json!({"opened": m.opened, "smile": m.smile}),
        );
    }
    if let Some(emotions) = &a.emotions {
        view.insert("emotions".into(), emotions_view(emotions));
    }
    if let Some(liveness) = a.liveness {
        view.insert("liveness".into(), liveness_view(liveness, thresholds));
    }
    (!view.is_empty()).then_some(Value::Object(view))
}

/// Adds what was estimated of a face to its detection view, as the detector and handlers show it: `attributes`
/// (see `attributes_view`) and, for a detected face, `landmarks68`.
pub fn add_to_detection(
    view: &mut Value,
    a: &FaceAttributes,
    detection: Option<&Detection>,
    thresholds: LivenessThresholds,
) {
    if let Some(attributes) = attributes_view(a, detection, thresholds) {
        view["attributes"] = attributes;
    }
    if let Some(points) = detection.and_then(|d| landmarks68_view(a, d)) {
        view["landmarks68"] = points;
    }
}

/// `landmarks68` of a face: the 68 points in the source image, when estimated.
pub fn landmarks68_view(a: &FaceAttributes, detection: &Detection) -> Option<Value> {
    let points = to_image(&detection.landmarks5, a.landmarks68.as_ref()?);
    Some(json!(points.iter().map(|p| [p.x, p.y]).collect::<Vec<_>>()))
}

fn eyes_view(eyes: &Eyes, detection: Option<&Detection>) -> Value {
    let eye = |e: &Eye| {
        let points = match detection {
            Some(d) => to_image(&d.landmarks5, &e.eyelid),
            None => e.eyelid.clone(),
        };
        json!({"state": e.state.name(),
               "eyelid_landmarks": points.iter().map(|p| [p.x, p.y]).collect::<Vec<_>>()})
    };
    json!({"right_eye": eye(&eyes.right), "left_eye": eye(&eyes.left)})
}

fn head_pose_view(p: HeadPose) -> Value {
    json!({"pitch": p.pitch, "roll": p.roll, "yaw": p.yaw})
}

fn emotions_view(e: &Emotions) -> Value {
    let estimations: serde_json::Map<String, Value> = e
        .estimations
        .iter()
        .map(|(name, p)| (name.to_string(), json!(p)))
        .collect();
    json!({"estimations": estimations, "predominant_emotion": e.predominant})
}

/// `basic_attributes`: age in whole years, gender 1 male / 0 female.
pub fn basic_view(b: basic::BasicAttributes) -> Value {
    json!({"age": b.age.round() as i64, "gender": b.gender_code()})
}

/// `aggregate_estimations` of several images of one person (nested-schemas §2.2): `{"face": {"attributes":
/// {emotions, liveness}, "basic_attributes"}}`, each the mean over the faces that have it, present when any has.
/// Head pose and landmarks describe one image and are not aggregated.
pub fn aggregate_view(faces: &[FaceAttributes]) -> Value {
    let mean = aggregate(faces);
    let mut attributes = serde_json::Map::new();
    if let Some(emotions) = &mean.emotions {
        attributes.insert("emotions".into(), emotions_view(emotions));
    }
    if let Some(liveness) = mean.liveness {
        attributes.insert(
            "liveness".into(),
            liveness_view(liveness, LivenessThresholds::default()),
        );
    }
    let mut face = json!({ "attributes": attributes });
    if let Some(basic) = mean.basic_attributes {
        face["basic_attributes"] = basic_view(basic);
    }
    json!({ "face": face })
}

/// The attributes of one person over several images: the mean emotions, liveness, age and gender, each over the
/// faces that have it; the per-image estimations (head pose, landmarks, eyes, mouth) are left out.
pub fn aggregate(faces: &[FaceAttributes]) -> FaceAttributes {
    let emotions: Vec<Emotions> = faces.iter().filter_map(|f| f.emotions.clone()).collect();
    let liveness: Vec<Liveness> = faces.iter().filter_map(|f| f.liveness).collect();
    let basics: Vec<basic::BasicAttributes> =
        faces.iter().filter_map(|f| f.basic_attributes).collect();
    FaceAttributes {
        emotions: emotions::mean(&emotions),
        liveness: mean_liveness(&liveness),
        basic_attributes: basic::mean(&basics),
        ..FaceAttributes::default()
    }
}

/// `liveness`: the state under the thresholds and both scores.
pub fn liveness_view(l: Liveness, thresholds: LivenessThresholds) -> Value {
    json!({"prediction": l.prediction(thresholds).name(),
           "estimations": {"probability": l.probability, "quality": l.quality}})
}

/// `POST /6/liveness`: the liveness of the one face in each image (several faces are refused, as the check is
/// meant for a selfie), and with `aggregate=1` the mean over all images as `aggregate_estimations.liveness`.
/// Answer: `{"images": [{filename, status, liveness}], "aggregate_estimations"?}`.
pub fn liveness(state: &AppState, req: &Request) -> ApiResult<Reply> {
    auth::account(state, req)?;
    let aggregate = flag(req, "aggregate", false)?;
    let thresholds = LivenessThresholds::default();
    let wanted = Wanted {
        liveness: true,
        ..Wanted::default()
    };
    let mut scores = Vec::new();
    let mut images = Vec::new();
    for input in image_input::images(req)? {
        let image = state.engine.decode(&input.bytes)?;
        let found = faces(state, &image, Multiface::Refuse)?;
        let face = found.into_iter().next().ok_or_else(|| {
            ApiError::bad_input(format!("no face found in image {}", input.filename))
        })?;
        let sample = state.engine.warp(&image, &face);
        let estimated = estimate(state, &[sample], &[Some(face)], wanted)?;
        let score = estimated
            .first()
            .and_then(|a| a.liveness)
            .ok_or_else(|| ApiError::internal("liveness was not estimated"))?;
        scores.push(score);
        images.push(json!({"filename": input.filename, "status": 1,
                           "liveness": liveness_view(score, thresholds)}));
    }
    let mut answer = json!({ "images": images });
    if aggregate && let Some(mean) = mean_liveness(&scores) {
        answer["aggregate_estimations"] = json!({"liveness": liveness_view(mean, thresholds)});
    }
    Ok(Reply::Json(StatusCode::OK, answer))
}
