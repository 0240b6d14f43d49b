//! Who is calling, and may they: Basic login/password, Bearer tokens (signed by `jwt`, checked against the stored
//! record, its expiry and its permissions) or the `Luna-Account-Id` header. Requests that change state without
//! any of them are refused (catalogue §2.3).
//!
//! Token permissions map methods to actions (POST creation, GET/HEAD view, PUT/PATCH modification, DELETE
//! deletion) on the resource named by the path (`/6/faces…` → `face`, see `resource`).
//!
//! Only an `admin` account that gives its login and password (Basic) sees and changes other accounts
//! (`caller`); its tokens and its `Luna-Account-Id` act for that account alone, as every other account's do.

use crate::error::{ApiError, ApiResult};
use crate::jwt;
use crate::request::{Request, now_ms};
use crate::state::AppState;
use argus_store::{AccountType, verify_password};
use base64::Engine as _;
use uuid::Uuid;
use warp::http::Method;

/// The account a request acts for, after checking its credentials (and, for tokens, its permissions).
pub fn account(state: &AppState, req: &Request) -> ApiResult<Uuid> {
    if let Some(auth) = req.header("authorization") {
        let (scheme, value) = auth.split_once(' ').unwrap_or((auth, ""));
        return match scheme.to_ascii_lowercase().as_str() {
            "basic" => basic(state, value.trim()),
            "bearer" => bearer(state, req, value.trim()),
            _ => Err(ApiError::unauthorized(format!(
                "unknown authorization scheme {scheme:?}"
            ))),
        };
    }
    if let Some(id) = req.header("luna-account-id") {
        let id = Uuid::parse_str(id).map_err(|_| {
            ApiError::bad_input(
                "Luna-Account-Id header is not UUID format: xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
            )
        })?;
        state
            .store
            .account(id)
            .map_err(|_| ApiError::unauthorized(format!("account {id} does not exist")))?;
        return Ok(id);
    }
    Err(ApiError::account_required())
}

/// The calling account, and whether it may see and change other accounts.
pub struct Caller {
    /// The account the request acts for.
    pub account: Uuid,
    /// True for an admin account authenticated by login and password.
    pub admin: bool,
}

/// The caller of a request, after the same checks as `account`.
pub fn caller(state: &AppState, req: &Request) -> ApiResult<Caller> {
    let account = account(state, req)?;
    let admin = scheme(req).as_deref() == Some("basic")
        && state.store.account(account)?.account_type == AccountType::Admin;
    Ok(Caller { account, admin })
}

/// The account of a request on a route that takes no Bearer token (catalogue §2.3: patch account, raw matching).
pub fn account_without_token(state: &AppState, req: &Request) -> ApiResult<Uuid> {
    if scheme(req).as_deref() == Some("bearer") {
        return Err(ApiError::forbidden(
            "this resource takes Basic or Luna-Account-Id authorization, not a token",
        ));
    }
    account(state, req)
}

/// The lowercased scheme of the Authorization header, if there is one.
fn scheme(req: &Request) -> Option<String> {
    let auth = req.header("authorization")?;
    let scheme = auth.split_once(' ').map_or(auth, |(s, _)| s);
    Some(scheme.to_ascii_lowercase())
}

fn basic(state: &AppState, value: &str) -> ApiResult<Uuid> {
    let failed = || ApiError::unauthorized("Account corresponding login/password not found");
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(value)
        .map_err(|_| failed())?;
    let text = String::from_utf8(decoded).map_err(|_| failed())?;
    let (login, password) = text.split_once(':').ok_or_else(failed)?;
    let account = state.store.account_by_login(login).map_err(|_| failed())?;
    let hash = &account.password_hash;
    if state
        .basic_cache
        .check(hash, password, || verify_password(password, hash))
    {
        Ok(account.account_id)
    } else {
        Err(failed())
    }
}

fn bearer(state: &AppState, req: &Request, token: &str) -> ApiResult<Uuid> {
    let invalid = || ApiError::unauthorized("invalid or revoked token");
    let payload = jwt::verify(&state.jwt_secret, token).ok_or_else(invalid)?;
    let id = payload["tokenId"]
        .as_str()
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(invalid)?;
    let record = state.store.token_by_id(id).map_err(|_| invalid())?;
    if record.expiration_time.is_some_and(|t| t <= now_ms()) {
        return Err(ApiError::unauthorized("token expired"));
    }
    let permissions: serde_json::Value =
        serde_json::from_str(&record.permissions).map_err(|_| invalid())?;
    let (resource, action) = (resource(req), action(&req.method));
    let allowed = permissions[resource.as_str()]
        .as_array()
        .is_some_and(|actions| actions.iter().any(|a| a == action));
    if !allowed {
        return Err(ApiError::forbidden(format!(
            "the token has no {action:?} permission on {resource:?}"
        )));
    }
    Ok(record.account_id)
}

/// The permission resource a path belongs to.
pub fn resource(req: &Request) -> String {
    let segments = req.segments();
    let first = segments.get(1).copied().unwrap_or("");
    match first {
        "faces" => "face",
        "lists" => "list",
        "attributes" | "extractor" => "attribute",
        "samples" | "detector" => "face_sample",
        "matcher" => "matching",
        "tokens" => "token",
        "account" | "accounts" => "account",
        "images" => "image",
        "objects" => "object",
        "events" | "ws" => "event",
        "handlers" => "handler",
        "verifiers" => "verifier",
        other => other,
    }
    .to_string()
}

fn action(method: &Method) -> &'static str {
    match *method {
        Method::POST => "creation",
        Method::PUT | Method::PATCH => "modification",
        Method::DELETE => "deletion",
        _ => "view",
    }
}
