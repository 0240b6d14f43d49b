//! A request as the handlers see it (method, path segments, query, headers, body) and the reply they give,
//! plus the small parsers every handler shares: JSON bodies with unknown fields rejected, query values, ids.

use crate::error::{ApiError, ApiResult};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use uuid::Uuid;
use warp::http::{HeaderMap, Method, StatusCode};

/// An incoming request.
pub struct Request {
    /// HTTP method.
    pub method: Method,
    /// Path without the query, e.g. `/6/faces/…`.
    pub path: String,
    /// Query parameters (the last value wins).
    pub query: HashMap<String, String>,
    /// Headers.
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Bytes,
}

/// What a handler answers.
pub enum Reply {
    /// A JSON body with a status.
    Json(StatusCode, serde_json::Value),
    /// Raw bytes with a content type.
    Bytes(StatusCode, &'static str, Vec<u8>),
    /// Stored bytes (200) with the content type they were stored with and extra headers.
    Stored {
        /// The Content-Type to answer with.
        content_type: String,
        /// Extra headers, e.g. `X-Luna-Expiry-Date`.
        headers: Vec<(String, String)>,
        /// The bytes.
        bytes: Vec<u8>,
    },
    /// No body.
    Empty(StatusCode),
}

impl Request {
    /// The path split on `/`, without empty parts.
    pub fn segments(&self) -> Vec<&str> {
        self.path.split('/').filter(|s| !s.is_empty()).collect()
    }

    /// The body (JSON, or msgpack when the Content-Type says so) as `T`; unknown fields and wrong types name
    /// the failing path.
    pub fn json<T: DeserializeOwned>(&self) -> ApiResult<T> {
        let failed = |path: String, message: String| {
            ApiError::bad_json(format!(
                "Failed to validate input json. Path: '{path}', message: '{message}'"
            ))
        };
        if self.is_msgpack_body() {
            let value: serde_json::Value = rmp_serde::from_slice(&self.body)
                .map_err(|e| failed(String::new(), format!("not msgpack: {e}")))?;
            return serde_path_to_error::deserialize(value)
                .map_err(|e| failed(e.path().to_string(), e.inner().to_string()));
        }
        let de = &mut serde_json::Deserializer::from_slice(&self.body);
        serde_path_to_error::deserialize(de)
            .map_err(|e| failed(e.path().to_string(), e.inner().to_string()))
    }

    fn is_msgpack_body(&self) -> bool {
        self.header("content-type")
            .is_some_and(|t| t.starts_with("application/msgpack"))
    }

    /// True when the client asks for msgpack answers.
    pub fn wants_msgpack(&self) -> bool {
        self.header("accept")
            .is_some_and(|t| t.contains("application/msgpack"))
    }

    /// An optional query parameter parsed as `T`.
    pub fn query<T: std::str::FromStr>(&self, name: &str) -> ApiResult<Option<T>> {
        match self.query.get(name) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                ApiError::bad_query(format!("query parameter {name}={v:?} is not valid"))
            }),
        }
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Parses an id from a path segment or body field.
pub fn parse_id(what: &str, text: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(text).map_err(|_| ApiError::bad_input(format!("{what} {text:?} is not a UUID")))
}

/// `page` and `page_size` with the API's bounds (1.., 1..=1000, defaults 1 and 10).
pub fn page(req: &Request) -> ApiResult<argus_store::Page> {
    let page = req.query::<u32>("page")?.unwrap_or(1);
    let page_size = req.query::<u32>("page_size")?.unwrap_or(10);
    if page == 0 || page_size == 0 || page_size > 1000 {
        return Err(ApiError::bad_query(
            "page must be ≥ 1 and page_size in 1..1000",
        ));
    }
    Ok(argus_store::Page { page, page_size })
}

/// An RFC 3339 time query parameter (`create_time__gte`, …) as Unix milliseconds.
pub fn time_query(req: &Request, name: &str) -> ApiResult<Option<i64>> {
    req.query
        .get(name)
        .map(|v| {
            chrono::DateTime::parse_from_rfc3339(v)
                .map(|t| t.timestamp_millis())
                .map_err(|_| ApiError::bad_query(format!("{name}={v:?} is not an RFC 3339 time")))
        })
        .transpose()
}

/// A comma-separated id list query parameter (`list_ids=a,b`).
pub fn id_list(req: &Request, name: &str) -> ApiResult<Option<Vec<Uuid>>> {
    req.query
        .get(name)
        .map(|v| v.split(',').map(|s| parse_id(name, s.trim())).collect())
        .transpose()
}

/// Keeps only the fields named by the `targets` query parameter (all of `allowed` when absent); an unknown
/// target is refused.
pub fn targets(
    req: &Request,
    allowed: &[&str],
    mut view: serde_json::Value,
) -> ApiResult<serde_json::Value> {
    let Some(wanted) = req.query.get("targets") else {
        return Ok(view);
    };
    let wanted: Vec<&str> = wanted.split(',').map(str::trim).collect();
    if let Some(bad) = wanted.iter().find(|t| !allowed.contains(t)) {
        return Err(ApiError::bad_query(format!(
            "{bad:?} is not a valid target; valid targets are {allowed:?}"
        )));
    }
    if let Some(fields) = view.as_object_mut() {
        fields.retain(|k, _| wanted.contains(&k.as_str()));
    }
    Ok(view)
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// JSON text kept in the store (`what` names it in the error), or null when none was kept.
pub fn stored_json(text: Option<&str>, what: &str) -> ApiResult<serde_json::Value> {
    text.map_or(Ok(serde_json::Value::Null), |t| {
        serde_json::from_str(t)
            .map_err(|e| ApiError::internal(format!("stored {what} is not JSON: {e}")))
    })
}

/// RFC 3339 time of Unix milliseconds.
pub fn time_text(ms: i64) -> String {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms.max(0) as u64);
    humantime::format_rfc3339_millis(t).to_string()
}
