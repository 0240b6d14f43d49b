//! Tokens: create and replace (a signed JWT is returned), list, get, delete (revokes). Permissions are kept as the client sent
//! them and checked by `auth` on every Bearer request.

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::jwt;
use crate::request::{Reply, Request, now_ms, page, parse_id, time_text};
use crate::state::AppState;
use argus_store::{AccountType, Token, TokenPatch};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;
use warp::http::StatusCode;

/// The actions a permission may list.
const ACTIONS: [&str; 4] = ["creation", "view", "modification", "deletion"];
/// The resources `grant_all_permissions=1` grants.
const ALL_RESOURCES: [&str; 13] = [
    "face",
    "event",
    "handler",
    "verifier",
    "sdk",
    "list",
    "attribute",
    "face_sample",
    "matching",
    "token",
    "account",
    "image",
    "object",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    permissions: Option<serde_json::Map<String, Value>>,
    #[serde(default)]
    description: String,
    expiration_time: Option<String>,
    visibility_area: Option<String>,
}

fn check_permissions(permissions: &serde_json::Map<String, Value>) -> ApiResult<()> {
    for (resource, actions) in permissions {
        let name_ok = (3..=16).contains(&resource.len())
            && resource.chars().all(|c| c.is_ascii_lowercase() || c == '_');
        let actions_ok = actions.as_array().is_some_and(|a| {
            a.iter()
                .all(|x| x.as_str().is_some_and(|x| ACTIONS.contains(&x)))
        });
        if !name_ok || !actions_ok {
            return Err(ApiError::bad_json(format!(
                "Failed to validate input json. Path: 'permissions.{resource}', message: 'a 3..16 character name with actions from {ACTIONS:?}'"
            )));
        }
    }
    Ok(())
}

fn view(state: &AppState, t: &Token) -> Value {
    let expiration = t.expiration_time.map(time_text);
    let permissions: Value = serde_json::from_str(&t.permissions).unwrap_or(Value::Null);
    json!({"token_id": t.token_id, "account_id": t.account_id, "permissions": permissions,
           "description": t.description, "expiration_time": expiration, "visibility_area": t.visibility_area,
           "create_time": time_text(t.create_time), "last_update_time": time_text(t.create_time),
           "token": jwt::sign(&state.jwt_secret, &jwt::payload(t.token_id, t.account_id, expiration.clone()))})
}

/// A token body (`POST /6/tokens`, `PUT /6/tokens/{id}`) checked and turned into the fields of a record.
struct TokenFields {
    permissions: String,
    description: String,
    expiration_time: Option<i64>,
    visibility_area: String,
}

fn token_fields(state: &AppState, req: &Request, account: Uuid) -> ApiResult<TokenFields> {
    let body: NewToken = req.json()?;
    let permissions = match (req.query::<u8>("grant_all_permissions")?, body.permissions) {
        (Some(1), _) => ALL_RESOURCES
            .iter()
            .map(|r| (r.to_string(), json!(ACTIONS)))
            .collect(),
        (_, Some(p)) => p,
        (_, None) => {
            return Err(ApiError::bad_json(
                "Failed to validate input json. Path: 'permissions', message: 'required'",
            ));
        }
    };
    check_permissions(&permissions)?;
    if body.description.len() > 128 {
        return Err(ApiError::bad_json(
            "Failed to validate input json. Path: 'description', message: 'at most 128 characters'",
        ));
    }
    let expiration_time = body
        .expiration_time
        .map(|t| {
            chrono::DateTime::parse_from_rfc3339(&t)
                .map(|d| d.timestamp_millis())
                .map_err(|_| ApiError::bad_json(format!("Failed to validate input json. Path: 'expiration_time', message: '{t:?} is not RFC 3339'")))
        })
        .transpose()?;
    let owner = state.store.account(account)?;
    let visibility_area = match (body.visibility_area.as_deref(), owner.account_type) {
        (None | Some("account"), _) => "account",
        (Some("all"), AccountType::User) => {
            return Err(ApiError::forbidden(
                "visibility_area all needs an advanced_user account",
            ));
        }
        (Some("all"), _) => return Err(ApiError::unsupported("visibility_area all")),
        (Some(other), _) => {
            return Err(ApiError::bad_json(format!(
                "Failed to validate input json. Path: 'visibility_area', message: '{other:?}'"
            )));
        }
    };
    Ok(TokenFields {
        permissions: Value::Object(permissions).to_string(),
        description: body.description,
        expiration_time,
        visibility_area: visibility_area.into(),
    })
}

/// The answer to creating or replacing a token: the signed token, its id and its URL.
fn signed(state: &AppState, token_id: Uuid, account: Uuid, expiration_time: Option<i64>) -> Value {
    let token = jwt::sign(
        &state.jwt_secret,
        &jwt::payload(token_id, account, expiration_time.map(time_text)),
    );
    json!({"token": token, "token_id": token_id, "url": format!("/6/tokens/{token_id}")})
}

/// `POST /6/tokens`.
pub fn create(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let fields = token_fields(state, req, account)?;
    let token = Token {
        token_id: Uuid::new_v4(),
        account_id: account,
        permissions: fields.permissions,
        description: fields.description,
        expiration_time: fields.expiration_time,
        visibility_area: fields.visibility_area,
        create_time: now_ms(),
    };
    state.store.create_token(&token)?;
    Ok(Reply::Json(
        StatusCode::CREATED,
        signed(state, token.token_id, account, token.expiration_time),
    ))
}

/// `PUT /6/tokens/{id}`: every field replaced (partial updates are impossible); answers a new signed token.
pub fn replace(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let token_id = parse_id("token_id", id)?;
    let fields = token_fields(state, req, account)?;
    let patch = TokenPatch {
        permissions: Some(fields.permissions),
        description: Some(fields.description),
        expiration_time: Some(fields.expiration_time),
        visibility_area: Some(fields.visibility_area),
    };
    state.store.update_token(account, token_id, &patch)?;
    Ok(Reply::Json(
        StatusCode::OK,
        signed(state, token_id, account, fields.expiration_time),
    ))
}

/// `GET /6/tokens`.
pub fn list(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let tokens = state.store.tokens(account, page(req)?)?;
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"tokens": tokens.iter().map(|t| view(state, t)).collect::<Vec<_>>()}),
    ))
}

/// `GET /6/tokens/{id}`.
pub fn get(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    Ok(Reply::Json(
        StatusCode::OK,
        view(
            state,
            &state.store.token(account, parse_id("token_id", id)?)?,
        ),
    ))
}

/// `DELETE /6/tokens/{id}`: the token stops working at once.
pub fn delete(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    state
        .store
        .delete_token(account, parse_id("token_id", id)?)?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}
