//! The route table: one match from (method, path) to a handler. Handlers are plain synchronous functions (they run
//! on the blocking pool) from the shared state and the request to a reply or an `ApiError`.

mod account_registry;
mod accounts;
mod callback_policy;
pub mod catalog;
mod detection;
mod estimation;
mod estimation_policy;
mod event_candidates;
mod event_input;
mod event_query;
mod event_stats;
mod events;
mod face_attributes;
mod faces;
mod handler_events;
mod handler_policies;
mod handlers;
mod image_store;
mod lists;
mod matcher;
mod quality_checks;
mod raw_matching;
mod samples;
mod service;
mod tokens;
mod verifiers;

use crate::error::{ApiError, ApiResult};
use crate::request::{Reply, Request};
use crate::state::AppState;
use argus_store::ObjectKind;
use warp::http::{Method, StatusCode};

/// Routes a request to its handler.
pub fn route(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let segments = req.segments();
    let m = &req.method;
    match segments.as_slice() {
        ["healthcheck"] | ["6", "healthcheck"] if *m == Method::GET => service::healthcheck(state),
        ["6", "version"] if *m == Method::GET => service::version(state),
        ["metrics"] if *m == Method::GET => service::metrics(state),
        ["6", "docs", "spec"] if *m == Method::GET => {
            Ok(Reply::Json(StatusCode::OK, catalog::openapi()))
        }
        ["6", "docs"] if *m == Method::GET => Ok(Reply::Bytes(
            StatusCode::OK,
            "text/html; charset=utf-8",
            catalog::page().into_bytes(),
        )),
        ["6", "accounts"] if *m == Method::POST => accounts::create(state, req),
        ["6", "accounts"] if *m == Method::GET => account_registry::list(state, req),
        ["6", "accounts", id] if *m == Method::GET => account_registry::get(state, req, id),
        ["6", "accounts", id] if *m == Method::PATCH => account_registry::patch(state, req, id),
        ["6", "accounts", id] if *m == Method::DELETE => account_registry::delete(state, req, id),
        ["6", "account"] if *m == Method::GET => accounts::get(state, req),
        ["6", "account"] if *m == Method::PATCH => accounts::patch(state, req),
        ["6", "tokens"] if *m == Method::POST => tokens::create(state, req),
        ["6", "tokens"] if *m == Method::GET => tokens::list(state, req),
        ["6", "tokens", id] if *m == Method::GET => tokens::get(state, req, id),
        ["6", "tokens", id] if *m == Method::PUT => tokens::replace(state, req, id),
        ["6", "tokens", id] if *m == Method::DELETE => tokens::delete(state, req, id),
        ["6", "lists"] if *m == Method::POST => lists::create(state, req),
        ["6", "lists"] if *m == Method::GET => lists::list(state, req),
        ["6", "lists", "count"] if *m == Method::GET => lists::count(state, req),
        ["6", "lists", id] if *m == Method::GET => lists::get(state, req, id),
        ["6", "lists", id] if *m == Method::DELETE => lists::delete(state, req, id),
        ["6", "lists", id] if *m == Method::PATCH => lists::patch(state, req, id),
        ["6", "lists", id, "faces"] if *m == Method::PATCH => lists::link(state, req, id),
        ["6", "faces"] if *m == Method::POST => faces::create(state, req),
        ["6", "faces"] if *m == Method::GET => faces::list(state, req),
        ["6", "faces"] if *m == Method::DELETE => faces::delete_many(state, req),
        ["6", "faces", "count"] if *m == Method::GET => faces::count(state, req),
        ["6", "faces", "attributes", "count"] if *m == Method::GET => {
            face_attributes::count(state, req)
        }
        ["6", "faces", id, "attributes"] if *m == Method::GET => {
            face_attributes::get(state, req, id)
        }
        ["6", "faces", id, "attributes"] if *m == Method::PUT => {
            face_attributes::put(state, req, id)
        }
        ["6", "faces", id, "attributes"] if *m == Method::DELETE => {
            face_attributes::delete(state, req, id)
        }
        ["6", "faces", id, "attributes", "samples"] if *m == Method::GET => {
            face_attributes::samples(state, req, id)
        }
        ["6", "faces", id] if *m == Method::GET => faces::get(state, req, id),
        ["6", "faces", id] if *m == Method::DELETE => faces::delete(state, req, id),
        ["6", "faces", id] if *m == Method::PATCH => faces::patch(state, req, id),
        ["6", "detector"] if *m == Method::POST => detection::detector(state, req),
        ["6", "samples", "faces"] if *m == Method::POST => samples::upload(state, req),
        ["6", "samples", "faces", id] if *m == Method::GET || *m == Method::HEAD => {
            samples::get(state, req, id)
        }
        ["6", "samples", "faces", id] if *m == Method::DELETE => samples::delete(state, req, id),
        ["6", "samples", "bodies", ..] => Err(ApiError::unsupported("body samples")),
        ["6", "images"] if *m == Method::POST => image_store::create(state, req, ObjectKind::Image),
        ["6", "images", id] if *m == Method::GET || *m == Method::HEAD => {
            image_store::get(state, req, ObjectKind::Image, id)
        }
        ["6", "images", id] if *m == Method::DELETE => {
            image_store::delete(state, req, ObjectKind::Image, id)
        }
        ["6", "objects"] if *m == Method::POST => {
            image_store::create(state, req, ObjectKind::Object)
        }
        ["6", "objects", id] if *m == Method::GET || *m == Method::HEAD => {
            image_store::get(state, req, ObjectKind::Object, id)
        }
        ["6", "objects", id] if *m == Method::DELETE => {
            image_store::delete(state, req, ObjectKind::Object, id)
        }
        ["6", "sdk"] if *m == Method::POST => detection::sdk(state, req),
        ["6", "liveness"] if *m == Method::POST => estimation::liveness(state, req),
        ["6", "extractor"] if *m == Method::POST => samples::extract(state, req),
        ["6", "attributes"] if *m == Method::POST => samples::create_attribute(state, req),
        ["6", "attributes", id] if *m == Method::GET || *m == Method::HEAD => {
            samples::attribute(state, req, id)
        }
        ["6", "attributes", id] if *m == Method::DELETE => {
            samples::delete_attribute(state, req, id)
        }
        ["6", "matcher", "faces"] if *m == Method::POST => matcher::faces(state, req),
        ["6", "matcher", "raw"] if *m == Method::POST => raw_matching::matcher(state, req),
        ["6", "verifiers"] if *m == Method::POST => verifiers::create(state, req),
        ["6", "verifiers"] if *m == Method::GET => verifiers::list(state, req),
        ["6", "verifiers", "count"] if *m == Method::GET => verifiers::count(state, req),
        ["6", "verifiers", id] if *m == Method::GET || *m == Method::HEAD => {
            verifiers::get(state, req, id)
        }
        ["6", "verifiers", id] if *m == Method::DELETE => verifiers::delete(state, req, id),
        ["6", "verifiers", id, "raw"] if *m == Method::POST => raw_matching::verify(state, req, id),
        ["6", "verifiers", id, "verifications"] if *m == Method::POST => {
            verifiers::verify(state, req, id)
        }
        ["6", "handlers"] if *m == Method::POST => handlers::create(state, req),
        ["6", "handlers"] if *m == Method::GET => handlers::list(state, req),
        ["6", "handlers", "count"] if *m == Method::GET => handlers::count(state, req),
        ["6", "handlers", "validator"] if *m == Method::POST => handlers::validate(state, req),
        ["6", "handlers", id] if *m == Method::GET || *m == Method::HEAD => {
            handlers::get(state, req, id)
        }
        ["6", "handlers", id] if *m == Method::PUT => handlers::replace(state, req, id),
        ["6", "handlers", id] if *m == Method::DELETE => handlers::delete(state, req, id),
        ["6", "handlers", id, "events"] if *m == Method::POST => {
            handler_events::generate(state, req, id)
        }
        ["6", "events"] if *m == Method::POST => events::create(state, req),
        ["6", "events"] if *m == Method::GET => events::list(state, req),
        ["6", "events", "stats"] if *m == Method::POST => event_stats::stats(state, req),
        ["6", "events", id] if *m == Method::GET || *m == Method::HEAD => {
            events::get(state, req, id)
        }
        ["6", "events", id] if *m == Method::DELETE => events::delete(state, req, id),
        ["6", "ws"] => Err(ApiError::bad_input(
            "GET /6/ws is a WebSocket endpoint: send an upgrade request",
        )),
        ["6", "general", "events", ..] => Err(ApiError::unsupported("general events")),
        _ => Err(ApiError::no_route(m.as_str(), &req.path)),
    }
}
