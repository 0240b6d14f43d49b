//! `storage_policy.callbacks` (nested-schemas §1): `{"type": "http", "url", "authorization": {"type": "basic",
//! "login", "password"}, "content_type": "application/json" | "application/msgpack", "timeout": seconds, "filters"}`
//! sends a request's generated events to a third-party URL (through `crate::callbacks`), and
//! `{"type": "luna-ws-notification", "filters"}` names the live feed, which every stored event reaches anyway.
//! Checked at handler creation; turned into deliveries after the request's events are stored.

use super::handler_policies::Filters;
use crate::callbacks::Delivery;
use crate::error::{ApiError, ApiResult};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

/// One callback.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum Callback {
    /// A POST to a URL.
    #[serde(rename = "http")]
    Http(HttpCallback),
    /// The live feed (`GET /6/ws`).
    #[serde(rename = "luna-ws-notification")]
    LiveFeed {
        /// When.
        #[serde(default)]
        filters: Filters,
    },
}

/// The `http` callback.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HttpCallback {
    /// `http://` or `https://` address.
    pub url: String,
    /// Credentials sent with each delivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization: Option<CallbackAuthorization>,
    /// The body's encoding.
    #[serde(default = "json_type")]
    pub content_type: String,
    /// Seconds the whole delivery may take (1..=60).
    #[serde(default = "default_timeout")]
    pub timeout: u64,
    /// When.
    #[serde(default)]
    pub filters: Filters,
}

/// `{"type": "basic", "login", "password"}`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CallbackAuthorization {
    /// Only `basic`.
    #[serde(rename = "type")]
    pub kind: String,
    /// User name.
    pub login: String,
    /// Password.
    pub password: String,
}

fn json_type() -> String {
    "application/json".into()
}

fn default_timeout() -> u64 {
    10
}

fn invalid(path: &str, message: &str) -> ApiError {
    ApiError::bad_json(format!(
        "Failed to validate input json. Path: 'policies.storage_policy.{path}', message: '{message}'"
    ))
}

impl Callback {
    fn filters(&self) -> &Filters {
        match self {
            Callback::Http(h) => &h.filters,
            Callback::LiveFeed { filters } => filters,
        }
    }

    /// Refuses what cannot be delivered: a bad URL, another authorization than basic, an unknown encoding, a
    /// timeout outside 1..=60 s, filters on unknown labels or that this build does not evaluate.
    pub fn check(&self, i: usize, labels: &[&str]) -> ApiResult<()> {
        let path = format!("callbacks.{i}");
        self.filters()
            .check(&format!("storage_policy.{path}.filters"), labels)?;
        let Callback::Http(h) = self else {
            return Ok(());
        };
        let url = h
            .url
            .strip_prefix("http://")
            .or_else(|| h.url.strip_prefix("https://"));
        let host = url.and_then(|rest| rest.split(['/', '?']).next());
        if host.is_none_or(str::is_empty) || h.url.chars().any(char::is_whitespace) {
            return Err(invalid(
                &format!("{path}.url"),
                "an http:// or https:// URL",
            ));
        }
        if h.authorization.as_ref().is_some_and(|a| a.kind != "basic") {
            return Err(invalid(
                &format!("{path}.authorization.type"),
                "one of ['basic']",
            ));
        }
        if !["application/json", "application/msgpack"].contains(&h.content_type.as_str()) {
            return Err(invalid(
                &format!("{path}.content_type"),
                "one of ['application/json', 'application/msgpack']",
            ));
        }
        if !(1..=60).contains(&h.timeout) {
            return Err(invalid(&format!("{path}.timeout"), "1..60 seconds"));
        }
        Ok(())
    }
}

/// The deliveries of a request: for each HTTP callback, the generate-events answer with only the events its
/// filters pass (`passes(filters, event)`), when any does.
pub fn deliveries(
    callbacks: &[Callback],
    answer: &Value,
    passes: impl Fn(&Filters, &Value) -> bool,
) -> ApiResult<Vec<Delivery>> {
    let events = answer["events"].as_array().cloned().unwrap_or_default();
    let mut out = Vec::new();
    for callback in callbacks {
        let Callback::Http(h) = callback else {
            continue;
        };
        let chosen: Vec<Value> = events
            .iter()
            .filter(|e| passes(&h.filters, e))
            .cloned()
            .collect();
        if chosen.is_empty() {
            continue;
        }
        let mut body = answer.clone();
        body["events"] = Value::Array(chosen);
        let body = match h.content_type.as_str() {
            "application/msgpack" => rmp_serde::to_vec_named(&body)
                .map_err(|e| ApiError::internal(format!("callback body: {e}")))?,
            _ => body.to_string().into_bytes(),
        };
        let authorization = h.authorization.as_ref().map(|a| {
            let pair = format!("{}:{}", a.login, a.password);
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        });
        out.push(Delivery {
            url: h.url.clone(),
            authorization,
            content_type: h.content_type.clone(),
            timeout: Duration::from_secs(h.timeout),
            body,
        });
    }
    Ok(out)
}
