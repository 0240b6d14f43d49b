//! Handlers (catalogue §2.13): create, replace, get, head, delete, list (a bare array), count, and the policy
//! validator. A static handler (type 0) keeps its checked policies; a dynamic one (type 1) gets them with each
//! request; lambda handlers (type 2) answer `501 19001`, as this build has no lambdas.

use super::handler_policies::Policies;
use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::request::{Reply, Request, now_ms, page, parse_id, time_text};
use crate::state::AppState;
use argus_store::{Handler, HandlerFilter};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;
use warp::http::StatusCode;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewHandler {
    #[serde(default)]
    description: String,
    policies: Option<Value>,
    handler_type: Option<u8>,
    is_dynamic: Option<bool>,
    lambda_id: Option<Uuid>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ValidatorBody {
    policies: Value,
}

/// The type and stored policies of a create or replace body.
fn checked(body: NewHandler) -> ApiResult<(String, u8, Option<String>)> {
    if body.description.chars().count() > 128 {
        return Err(ApiError::bad_json(
            "Failed to validate input json. Path: 'description', message: 'at most 128 characters'",
        ));
    }
    let handler_type = match (body.handler_type, body.is_dynamic) {
        (Some(t), _) => t,
        (None, Some(true)) => 1,
        (None, _) if body.policies.is_none() => 1,
        (None, _) => 0,
    };
    match handler_type {
        0 => {
            let policies = Policies::parse(body.policies.unwrap_or_else(|| json!({})))?;
            let text = serde_json::to_string(&policies)
                .map_err(|e| ApiError::internal(format!("policies: {e}")))?;
            Ok((body.description, 0, Some(text)))
        }
        1 if body.policies.is_some() => Err(ApiError::bad_json(
            "Failed to validate input json. Path: 'policies', message: 'a dynamic handler takes its policies with each request'",
        )),
        1 => Ok((body.description, 1, None)),
        2 => Err(ApiError::unsupported(format!(
            "lambda handlers (handler_type 2, lambda_id {:?})",
            body.lambda_id
        ))),
        t => Err(ApiError::bad_json(format!(
            "Failed to validate input json. Path: 'handler_type', message: '{t} is not 0, 1 or 2'"
        ))),
    }
}

fn view(h: &Handler) -> ApiResult<Value> {
    let policies = match &h.policies {
        Some(text) => serde_json::from_str(text)
            .map_err(|e| ApiError::internal(format!("stored policies: {e}")))?,
        None => Value::Null,
    };
    Ok(json!({
        "handler_id": h.handler_id, "account_id": h.account_id, "description": h.description,
        "policies": policies, "handler_type": h.handler_type,
        "create_time": time_text(h.create_time), "last_update_time": time_text(h.last_update_time),
    }))
}

fn filter(req: &Request) -> ApiResult<HandlerFilter> {
    let handler_type = match req.query::<u8>("handler_type")? {
        Some(t @ 0..=2) => Some(t),
        Some(t) => {
            return Err(ApiError::bad_query(format!(
                "handler_type={t}: must be 0, 1 or 2"
            )));
        }
        None => match req.query::<u8>("is_dynamic")? {
            None => None,
            Some(d @ 0..=1) => Some(d),
            Some(d) => {
                return Err(ApiError::bad_query(format!(
                    "is_dynamic={d}: must be 0 or 1"
                )));
            }
        },
    };
    Ok(HandlerFilter {
        handler_type,
        description: req.query.get("description").cloned(),
    })
}

/// `POST /6/handlers`.
pub fn create(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let (description, handler_type, policies) = checked(req.json()?)?;
    let now = now_ms();
    let handler = Handler {
        handler_id: Uuid::new_v4(),
        account_id: account,
        description,
        handler_type,
        policies,
        create_time: now,
        last_update_time: now,
    };
    state.store.create_handler(&handler)?;
    Ok(Reply::Json(
        StatusCode::CREATED,
        json!({"handler_id": handler.handler_id, "url": format!("/6/handlers/{}", handler.handler_id)}),
    ))
}

/// `PUT /6/handlers/{id}`: a full replacement.
pub fn replace(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let id = parse_id("handler_id", id)?;
    let old = state.store.handler(account, id)?;
    let (description, handler_type, policies) = checked(req.json()?)?;
    state.store.replace_handler(&Handler {
        description,
        handler_type,
        policies,
        last_update_time: now_ms(),
        ..old
    })?;
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"handler_id": id, "url": format!("/6/handlers/{id}")}),
    ))
}

/// `GET` / `HEAD /6/handlers/{id}`.
pub fn get(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let handler = state.store.handler(account, parse_id("handler_id", id)?)?;
    Ok(Reply::Json(StatusCode::OK, view(&handler)?))
}

/// `DELETE /6/handlers/{id}`.
pub fn delete(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    state
        .store
        .delete_handler(account, parse_id("handler_id", id)?)?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

/// `GET /6/handlers`: a bare array.
pub fn list(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let all = state.store.handlers(account, &filter(req)?, page(req)?)?;
    let views = all.iter().map(view).collect::<ApiResult<Vec<_>>>()?;
    Ok(Reply::Json(StatusCode::OK, Value::Array(views)))
}

/// `GET /6/handlers/count`.
pub fn count(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"handlers_count": state.store.count_handlers(account, &filter(req)?)?}),
    ))
}

/// `POST /6/handlers/validator` (no token): `{}` when the policies would be accepted.
pub fn validate(state: &AppState, req: &Request) -> ApiResult<Reply> {
    auth::account_without_token(state, req)?;
    let body: ValidatorBody = req.json()?;
    Policies::parse(body.policies)?;
    Ok(Reply::Json(StatusCode::OK, json!({})))
}
