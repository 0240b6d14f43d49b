//! Handler policies (nested-schemas §1): parsed with unknown fields refused, defaults as documented, and checked
//! at creation so that a handler never asks at run time for what this build cannot do. Estimations without a
//! model, body detection, descriptor scores, filters on estimations without a model, and event or attribute
//! match candidates answer `501 19001` naming the field; a match policy without descriptor extraction
//! is a 400. The filters this build evaluates are `match` (similarity ranges on a match policy's label), the
//! face-quality checks of `detect_policy.face_quality` (ranges on measured values, `quality_checks`) and the
//! head-pose and liveness filters of `detect_policy` (`estimation_policy`).

use super::callback_policy::Callback;
use super::estimation_policy::DetectEstimations;
use crate::error::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Detect-policy fields this build has no model or detector for; any non-zero, non-empty value is refused.
const DETECT_UNSUPPORTED: [&str; 8] = [
    "detect_body",
    "estimate_mask",
    "estimate_gaze",
    "estimate_glasses",
    "extract_exif",
    "mask_states",
    "estimate_deepfake",
    "deepfake_states",
];

/// The policies of a handler.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Policies {
    /// Detection.
    #[serde(default)]
    pub detect_policy: DetectPolicy,
    /// Extraction.
    #[serde(default)]
    pub extract_policy: ExtractPolicy,
    /// Matching, one result set per item.
    #[serde(default)]
    pub match_policy: Vec<MatchPolicy>,
    /// What is stored.
    #[serde(default)]
    pub storage_policy: StoragePolicy,
    /// Tags added when their filters pass.
    #[serde(default)]
    pub conditional_tags_policy: Vec<TagPolicy>,
}

/// `detect_policy`: the supported fields, and every other documented one kept aside to be refused.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct DetectPolicy {
    /// 1 detects faces.
    #[serde(default = "one")]
    pub detect_face: u8,
    /// 0 refuses several faces, 1 takes all, 2 the best.
    #[serde(default = "one")]
    pub multiface_policy: u8,
    /// 1 adds the model-free sample quality to each detection.
    #[serde(default)]
    pub estimate_quality: u8,
    /// Face-quality checks, and whether failing faces are filtered out.
    #[serde(default)]
    pub face_quality: FaceQualityPolicy,
    /// Head pose, emotions, liveness and their filters.
    #[serde(flatten)]
    pub estimations: DetectEstimations,
    /// The other documented fields, as given.
    #[serde(flatten)]
    pub others: Map<String, Value>,
}

impl Default for DetectPolicy {
    fn default() -> Self {
        DetectPolicy {
            detect_face: 1,
            multiface_policy: 1,
            estimate_quality: 0,
            face_quality: FaceQualityPolicy::default(),
            estimations: DetectEstimations::default(),
            others: Map::new(),
        }
    }
}

/// `detect_policy.face_quality`: the checks to measure (names in `argus_engine::face_checks`), each with an
/// optional `[min, max]` range; with `filter: 1`, a face outside a range goes to `filtered_detections`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FaceQualityPolicy {
    /// 1 measures the checks.
    #[serde(default)]
    pub estimate: u8,
    /// 1 filters out faces that fail a check.
    #[serde(default)]
    pub filter: u8,
    /// The checks by name.
    #[serde(default)]
    pub checks: BTreeMap<String, QualityCheck>,
}

/// One face-quality check.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct QualityCheck {
    /// 1 measures this check (the default for a listed check).
    #[serde(default = "one")]
    pub estimate: u8,
    /// The accepted range; a missing bound does not limit.
    #[serde(default)]
    pub threshold: CheckRange,
}

/// `{min, max}`, both inclusive.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRange {
    /// Lowest accepted value.
    pub min: Option<f64>,
    /// Highest accepted value.
    pub max: Option<f64>,
}

impl FaceQualityPolicy {
    /// The checks to measure, in name order; none unless `estimate` is 1.
    pub fn measured(&self) -> Vec<(&str, CheckRange)> {
        if self.estimate != 1 {
            return Vec::new();
        }
        self.checks
            .iter()
            .filter(|(_, c)| c.estimate == 1)
            .map(|(name, c)| (name.as_str(), c.threshold))
            .collect()
    }

    fn check(&self) -> ApiResult<()> {
        let path = "detect_policy.face_quality";
        flag(&format!("{path}.estimate"), self.estimate)?;
        flag(&format!("{path}.filter"), self.filter)?;
        for (name, c) in &self.checks {
            flag(&format!("{path}.checks.{name}.estimate"), c.estimate)?;
            if !argus_engine::face_checks::CHECK_NAMES.contains(&name.as_str()) {
                return Err(ApiError::unsupported(format!(
                    "{path}.checks.{name} (measured checks: {})",
                    argus_engine::face_checks::CHECK_NAMES.join(", ")
                )));
            }
            if let (Some(min), Some(max)) = (c.threshold.min, c.threshold.max)
                && min > max
            {
                return Err(ApiError::bad_json(format!(
                    "Failed to validate input json. Path: 'policies.{path}.checks.{name}.threshold', message: 'min > max'"
                )));
            }
        }
        if self.estimate == 1 && self.measured().is_empty() {
            return Err(ApiError::unsupported(format!(
                "{path} without listed checks (this build has no default thresholds: list the checks and their ranges)"
            )));
        }
        Ok(())
    }
}

/// `extract_policy`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExtractPolicy {
    /// 1 extracts a descriptor per face.
    #[serde(default)]
    pub extract_face_descriptor: u8,
    /// 1 estimates age and gender (no ethnicity model in this build).
    #[serde(default)]
    pub extract_basic_attributes: u8,
    /// No body descriptors in this build.
    #[serde(default)]
    pub extract_body_descriptor: u8,
    /// Descriptor garbage-score threshold: this build's descriptors have no score.
    #[serde(default)]
    pub fd_score_threshold: f32,
}

/// A `match_policy` item.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MatchPolicy {
    /// Which objects to match against.
    pub candidates: MatchCandidates,
    /// Which events this policy applies to.
    #[serde(default)]
    pub filters: Filters,
    /// Names the result set.
    #[serde(default)]
    pub label: String,
    /// At most this many candidates, 1..=100.
    #[serde(default = "three")]
    pub limit: usize,
    /// Minimum similarity, 0..1.
    #[serde(default)]
    pub threshold: f32,
    /// Candidate fields to return (`face_id` and `similarity` always come).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<Vec<String>>,
}

/// The flat face-candidate filters of a match policy.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MatchCandidates {
    /// `faces` (events and attributes are refused).
    pub origin: String,
    /// Only faces in this list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_id: Option<Uuid>,
    /// Only these faces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub face_ids: Option<Vec<Uuid>>,
    /// Must be the handler's own account when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<Uuid>,
}

/// The common filters object; only `match` is evaluated by this build.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Filters {
    /// Similarity ranges on the results of labelled match policies.
    #[serde(default, rename = "match", skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<MatchFilter>,
    /// Every other filter, as given, to be refused.
    #[serde(flatten)]
    pub others: Map<String, Value>,
}

/// `{label, similarity__gte, similarity__lte}`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MatchFilter {
    /// The match policy's label.
    pub label: String,
    /// The best candidate's similarity is at least this.
    #[serde(
        default,
        rename = "similarity__gte",
        skip_serializing_if = "Option::is_none"
    )]
    pub similarity_gte: Option<f64>,
    /// … and at most this.
    #[serde(
        default,
        rename = "similarity__lte",
        skip_serializing_if = "Option::is_none"
    )]
    pub similarity_lte: Option<f64>,
}

/// `conditional_tags_policy` item.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TagPolicy {
    /// The tag to add.
    pub tag: String,
    /// When it is added.
    #[serde(default)]
    pub filters: Filters,
}

/// `storage_policy`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StoragePolicy {
    /// Face samples (on by default).
    #[serde(default)]
    pub face_sample_policy: SamplePolicy,
    /// Body samples: bodies are never detected in this build, so there is nothing to store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_sample_policy: Option<Value>,
    /// The source image (off by default).
    #[serde(default)]
    pub image_origin_policy: ImagePolicy,
    /// A temporary attribute with the descriptor (off by default).
    #[serde(default)]
    pub attribute_policy: AttributePolicy,
    /// A face with the descriptor, linked to lists (off by default).
    #[serde(default)]
    pub face_policy: FacePolicy,
    /// The event (on by default).
    #[serde(default)]
    pub event_policy: EventPolicy,
    /// The older form of live notifications, kept as given: every stored event reaches the live feed (`GET /6/ws`)
    /// whatever it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_policy: Option<Value>,
    /// Where the request's events are sent besides the answer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub callbacks: Vec<Callback>,
}

/// `face_sample_policy`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SamplePolicy {
    /// 1 stores the sample.
    #[serde(default = "one")]
    pub store_sample: u8,
    /// Days; samples are kept until deleted in this build, so only -1 (or none) is accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<i64>,
    /// When.
    #[serde(default)]
    pub filters: Filters,
}

impl Default for SamplePolicy {
    fn default() -> Self {
        SamplePolicy {
            store_sample: 1,
            ttl: None,
            filters: Filters::default(),
        }
    }
}

/// `image_origin_policy`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ImagePolicy {
    /// 1 stores the source image in the Image Store.
    #[serde(default)]
    pub store_image: u8,
    /// External references: refused when 1.
    #[serde(default)]
    pub use_external_references: u8,
    /// When.
    #[serde(default)]
    pub filters: Filters,
}

/// `attribute_policy`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AttributePolicy {
    /// 1 stores a temporary attribute.
    #[serde(default)]
    pub store_attribute: u8,
    /// Seconds, 1..=86400.
    #[serde(default = "default_attribute_ttl")]
    pub ttl: i64,
    /// When.
    #[serde(default)]
    pub filters: Filters,
}

impl Default for AttributePolicy {
    fn default() -> Self {
        AttributePolicy {
            store_attribute: 0,
            ttl: default_attribute_ttl(),
            filters: Filters::default(),
        }
    }
}

/// `face_policy`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FacePolicy {
    /// 1 creates a face.
    #[serde(default)]
    pub store_face: u8,
    /// 1 makes the sample's URL the face's avatar.
    #[serde(default = "one")]
    pub set_sample_as_avatar: u8,
    /// Lists to attach the face to, each when its filters pass.
    #[serde(default)]
    pub link_to_lists_policy: Vec<ListLink>,
    /// When.
    #[serde(default)]
    pub filters: Filters,
}

impl Default for FacePolicy {
    fn default() -> Self {
        FacePolicy {
            store_face: 0,
            set_sample_as_avatar: 1,
            link_to_lists_policy: Vec::new(),
            filters: Filters::default(),
        }
    }
}

/// A `link_to_lists_policy` item.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ListLink {
    /// The list.
    pub list_id: Uuid,
    /// When.
    #[serde(default)]
    pub filters: Filters,
}

/// `event_policy`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EventPolicy {
    /// 1 stores the event.
    #[serde(default = "one")]
    pub store_event: u8,
    /// Events are always durable before the answer here; accepted as given.
    #[serde(default)]
    pub wait_saving: u8,
    /// When.
    #[serde(default)]
    pub filters: Filters,
}

impl Default for EventPolicy {
    fn default() -> Self {
        EventPolicy {
            store_event: 1,
            wait_saving: 0,
            filters: Filters::default(),
        }
    }
}

fn one() -> u8 {
    1
}

fn three() -> usize {
    3
}

fn default_attribute_ttl() -> i64 {
    300
}

fn flag(name: &str, value: u8) -> ApiResult<bool> {
    match value {
        0 => Ok(false),
        1 => Ok(true),
        v => Err(ApiError::bad_json(format!(
            "Failed to validate input json. Path: '{name}', message: '{v} is not 0 or 1'"
        ))),
    }
}

/// True for a value that asks for something: not 0, false, null, an empty array or an object whose `estimate`
/// is 0.
fn asks(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(false) => false,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::Array(items) => !items.is_empty(),
        Value::Object(fields) => fields.get("estimate").is_none_or(asks),
        _ => true,
    }
}

impl Filters {
    pub(super) fn check(&self, path: &str, labels: &[&str]) -> ApiResult<()> {
        if let Some((name, _)) = self.others.iter().find(|(_, v)| asks(v)) {
            return Err(ApiError::unsupported(format!(
                "the filter {path}.{name} (only `match` filters are evaluated)"
            )));
        }
        for m in &self.matches {
            if !labels.contains(&m.label.as_str()) {
                return Err(ApiError::bad_json(format!(
                    "Failed to validate input json. Path: '{path}.match', message: 'no match policy has the label {:?}'",
                    m.label
                )));
            }
        }
        Ok(())
    }

    /// True when every `match` filter holds for the best similarity of its label (none: the filter fails).
    pub fn pass(&self, best: &dyn Fn(&str) -> Option<f64>) -> bool {
        self.matches.iter().all(|m| {
            best(&m.label).is_some_and(|s| {
                m.similarity_gte.is_none_or(|g| s >= g) && m.similarity_lte.is_none_or(|l| s <= l)
            })
        })
    }
}

impl Policies {
    /// Parses and checks policies JSON.
    pub fn parse(value: Value) -> ApiResult<Policies> {
        let policies: Policies = serde_path_to_error::deserialize(value).map_err(|e| {
            ApiError::bad_json(format!(
                "Failed to validate input json. Path: 'policies.{}', message: '{}'",
                e.path(),
                e.inner()
            ))
        })?;
        policies.check()?;
        Ok(policies)
    }

    /// True when descriptors are extracted.
    pub fn extracts(&self) -> bool {
        self.extract_policy.extract_face_descriptor == 1
    }

    fn check(&self) -> ApiResult<()> {
        let d = &self.detect_policy;
        if !flag("detect_policy.detect_face", d.detect_face)? {
            return Err(ApiError::unsupported(
                "detect_policy.detect_face=0 (no body detection in this build)",
            ));
        }
        flag("detect_policy.estimate_quality", d.estimate_quality)?;
        d.face_quality.check()?;
        d.estimations.check()?;
        if d.multiface_policy > 2 {
            return Err(ApiError::bad_json(
                "Failed to validate input json. Path: 'policies.detect_policy.multiface_policy', message: 'must be 0, 1 or 2'",
            ));
        }
        for (name, value) in &d.others {
            if !DETECT_UNSUPPORTED.contains(&name.as_str()) {
                return Err(ApiError::bad_json(format!(
                    "Failed to validate input json. Path: 'policies.detect_policy.{name}', message: 'unknown field'"
                )));
            }
            if asks(value) {
                return Err(ApiError::unsupported(format!("detect_policy.{name}")));
            }
        }
        let e = &self.extract_policy;
        let extracts = flag(
            "extract_policy.extract_face_descriptor",
            e.extract_face_descriptor,
        )?;
        flag(
            "extract_policy.extract_basic_attributes",
            e.extract_basic_attributes,
        )?;
        if flag(
            "extract_policy.extract_body_descriptor",
            e.extract_body_descriptor,
        )? {
            return Err(ApiError::unsupported(
                "extract_policy.extract_body_descriptor",
            ));
        }
        if e.fd_score_threshold != 0.0 {
            return Err(ApiError::unsupported(
                "extract_policy.fd_score_threshold (descriptors have no quality score in this build)",
            ));
        }
        let labels: Vec<&str> = self.match_policy.iter().map(|m| m.label.as_str()).collect();
        for (i, m) in self.match_policy.iter().enumerate() {
            let path = format!("match_policy.{i}");
            if !extracts {
                return Err(ApiError::bad_json(format!(
                    "Failed to validate input json. Path: 'policies.{path}', message: 'matching needs extract_policy.extract_face_descriptor=1'"
                )));
            }
            if m.candidates.origin != "faces" {
                return Err(ApiError::unsupported(format!(
                    "{path}.candidates.origin={:?} (faces only)",
                    m.candidates.origin
                )));
            }
            if !(1..=100).contains(&m.limit) || !(0.0..=1.0).contains(&m.threshold) {
                return Err(ApiError::bad_json(format!(
                    "Failed to validate input json. Path: 'policies.{path}', message: 'limit 1..100, threshold 0..1'"
                )));
            }
            m.filters.check(&format!("{path}.filters"), &labels)?;
        }
        let s = &self.storage_policy;
        flag(
            "face_sample_policy.store_sample",
            s.face_sample_policy.store_sample,
        )?;
        if s.face_sample_policy.ttl.is_some_and(|t| t != -1) {
            return Err(ApiError::unsupported(
                "storage_policy.face_sample_policy.ttl (samples are kept until deleted)",
            ));
        }
        flag(
            "image_origin_policy.store_image",
            s.image_origin_policy.store_image,
        )?;
        if flag(
            "image_origin_policy.use_external_references",
            s.image_origin_policy.use_external_references,
        )? {
            return Err(ApiError::unsupported(
                "storage_policy.image_origin_policy.use_external_references",
            ));
        }
        let stores_attribute = flag(
            "attribute_policy.store_attribute",
            s.attribute_policy.store_attribute,
        )?;
        if !(1..=86_400).contains(&s.attribute_policy.ttl) {
            return Err(ApiError::bad_json(
                "Failed to validate input json. Path: 'policies.storage_policy.attribute_policy.ttl', message: '1..86400 seconds'",
            ));
        }
        let stores_face = flag("face_policy.store_face", s.face_policy.store_face)?;
        flag(
            "face_policy.set_sample_as_avatar",
            s.face_policy.set_sample_as_avatar,
        )?;
        if (stores_attribute || stores_face) && !extracts {
            return Err(ApiError::bad_json(
                "Failed to validate input json. Path: 'policies.storage_policy', message: 'storing attributes or faces needs extract_policy.extract_face_descriptor=1'",
            ));
        }
        flag("event_policy.store_event", s.event_policy.store_event)?;
        flag("event_policy.wait_saving", s.event_policy.wait_saving)?;
        for (i, callback) in s.callbacks.iter().enumerate() {
            callback.check(i, &labels)?;
        }
        for (path, filters) in [
            ("face_sample_policy", &s.face_sample_policy.filters),
            ("image_origin_policy", &s.image_origin_policy.filters),
            ("attribute_policy", &s.attribute_policy.filters),
            ("face_policy", &s.face_policy.filters),
            ("event_policy", &s.event_policy.filters),
        ] {
            filters.check(&format!("storage_policy.{path}.filters"), &labels)?;
        }
        for (i, link) in s.face_policy.link_to_lists_policy.iter().enumerate() {
            link.filters.check(
                &format!("storage_policy.face_policy.link_to_lists_policy.{i}.filters"),
                &labels,
            )?;
        }
        for (i, t) in self.conditional_tags_policy.iter().enumerate() {
            if t.tag.is_empty() || t.tag.chars().count() > 36 {
                return Err(ApiError::bad_json(format!(
                    "Failed to validate input json. Path: 'policies.conditional_tags_policy.{i}.tag', message: '1..36 characters'"
                )));
            }
            t.filters
                .check(&format!("conditional_tags_policy.{i}.filters"), &labels)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn empty_policies_take_the_documented_defaults() {
        let p = Policies::parse(json!({})).unwrap();
        assert_eq!(p.detect_policy.detect_face, 1);
        assert_eq!(p.storage_policy.face_sample_policy.store_sample, 1);
        assert_eq!(p.storage_policy.event_policy.store_event, 1);
        assert_eq!(p.storage_policy.face_policy.store_face, 0);
        assert!(!p.extracts());
    }

    #[test]
    fn what_this_build_cannot_do_is_refused_at_creation() {
        let unsupported = [
            json!({"detect_policy": {"estimate_mask": 1}}),
            json!({"detect_policy": {"estimate_gaze": 1}}),
            json!({"detect_policy": {"mask_states": [2]}}),
            json!({"extract_policy": {"extract_body_descriptor": 1}}),
            json!({"conditional_tags_policy": [{"tag": "old", "filters": {"age__gte": 60}}]}),
            json!({"detect_policy": {"face_quality": {"estimate": 1, "checks": {"head_yaw": {}}}}}),
            json!({"detect_policy": {"face_quality": {"estimate": 1}}}),
        ];
        for p in unsupported {
            assert_eq!(Policies::parse(p.clone()).unwrap_err().code, 19001, "{p}");
        }
        let bad = [
            json!({"detect_policy": {"estimate_everything": 1}}),
            json!({"match_policy": [{"candidates": {"origin": "faces"}}]}),
            json!({"extract_policy": {"extract_face_descriptor": 1},
                   "conditional_tags_policy": [{"tag": "vip", "filters": {"match": [{"label": "nope"}]}}]}),
            json!({"storage_policy": {"face_policy": {"store_face": 1}}}),
            json!({"unknown_policy": {}}),
            json!({"detect_policy": {"face_quality": {"estimate": 1, "checks":
                {"face_width": {"threshold": {"min": 90, "max": 10}}}}}}),
            json!({"detect_policy": {"face_quality": {"estimate": 2}}}),
            json!({"detect_policy": {"yaw_threshold": 200}}),
            json!({"detect_policy": {"liveness_states": [1]}}),
        ];
        for p in bad {
            assert_eq!(Policies::parse(p.clone()).unwrap_err().code, 12022, "{p}");
        }
        let off = json!({"detect_policy": {"estimate_mask": 0, "estimate_glasses": 0}});
        assert!(Policies::parse(off).is_ok());
        let estimations = json!({"detect_policy": {"estimate_emotions": 1, "yaw_threshold": 30,
            "estimate_liveness": {"estimate": 1, "liveness_threshold": 0.95}, "liveness_states": [1]},
            "extract_policy": {"extract_basic_attributes": 1}});
        let p = Policies::parse(estimations).unwrap();
        assert_eq!(p.detect_policy.estimations.yaw_threshold, Some(30));
        assert!(p.detect_policy.others.is_empty());
        let checks = json!({"detect_policy": {"face_quality": {"estimate": 1, "filter": 1, "checks": {
            "face_width": {"threshold": {"min": 50}}, "dark_quality": {"estimate": 0}}}}});
        let p = Policies::parse(checks).unwrap();
        let measured = p.detect_policy.face_quality.measured();
        assert_eq!(measured.len(), 1);
        assert_eq!(
            (measured[0].0, measured[0].1.min),
            ("face_width", Some(50.0))
        );
    }

    #[test]
    fn match_filters_compare_the_best_similarity_of_their_label() {
        let f: Filters = serde_json::from_value(
            json!({"match": [{"label": "staff", "similarity__gte": 0.5, "similarity__lte": 0.9}]}),
        )
        .unwrap();
        assert!(f.pass(&|l| (l == "staff").then_some(0.7)));
        assert!(!f.pass(&|l| (l == "staff").then_some(0.95)));
        assert!(!f.pass(&|_| None));
        assert!(Filters::default().pass(&|_| None));
    }
}
