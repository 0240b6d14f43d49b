//! The caller's own account: create (no credentials needed: a new account sees only its own data), get and
//! patch it; the account view and the checks on account fields shared with `account_registry`.

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::request::{Reply, Request, now_ms, targets, time_text};
use crate::state::AppState;
use argus_store::{Account, AccountPatch, AccountType, hash_password};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;
use warp::http::StatusCode;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAccount {
    login: String,
    password: String,
    account_type: String,
    #[serde(default)]
    description: String,
}

fn valid_login(login: &str) -> bool {
    let Some((user, domain)) = login.split_once('@') else {
        return false;
    };
    let Some((name, tld)) = domain.rsplit_once('.') else {
        return false;
    };
    (3..=128).contains(&login.len())
        && !user.is_empty()
        && user
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-.".contains(c))
        && !name.is_empty()
        && name.chars().all(|c| c.is_ascii_lowercase() || c == '.')
        && tld.len() >= 2
        && tld.chars().all(|c| c.is_ascii_lowercase())
}

fn check_login(login: &str) -> ApiResult<()> {
    if valid_login(login) {
        Ok(())
    } else {
        Err(ApiError::bad_json(
            "Failed to validate input json. Path: 'login', message: 'not an e-mail login'",
        ))
    }
}

fn check_password(password: &str) -> ApiResult<()> {
    if (3..=128).contains(&password.len()) {
        Ok(())
    } else {
        Err(ApiError::bad_json(
            "Failed to validate input json. Path: 'password', message: 'length 3..128'",
        ))
    }
}

fn check_description(description: &str) -> ApiResult<()> {
    if description.len() <= 128 {
        Ok(())
    } else {
        Err(ApiError::bad_json(
            "Failed to validate input json. Path: 'description', message: 'at most 128 characters'",
        ))
    }
}

/// `user` or `advanced_user`: the API creates no admin accounts and turns no account into one.
fn account_type_for_creation(text: &str) -> ApiResult<AccountType> {
    match AccountType::parse(text) {
        Some(t @ (AccountType::User | AccountType::AdvancedUser)) => Ok(t),
        _ => Err(ApiError::bad_json(
            "Failed to validate input json. Path: 'account_type', message: 'user or advanced_user'",
        )),
    }
}

/// The fields of an account as the API shows them.
pub(crate) const ACCOUNT_TARGETS: [&str; 6] = [
    "account_id",
    "login",
    "account_type",
    "description",
    "create_time",
    "last_update_time",
];

/// An account as the API shows it, projected on the request's `targets`. The store keeps no update time, so
/// `last_update_time` is the creation time.
pub(crate) fn view(req: &Request, a: &Account) -> ApiResult<Value> {
    targets(
        req,
        &ACCOUNT_TARGETS,
        json!({"account_id": a.account_id, "login": a.login, "account_type": a.account_type.as_str(),
               "description": a.description, "create_time": time_text(a.create_time),
               "last_update_time": time_text(a.create_time)}),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatchAccount {
    login: Option<String>,
    password: Option<String>,
    account_type: Option<String>,
    description: Option<String>,
}

/// Applies the request's `PatchAccount` body to `target`: at least one field, each checked as at creation; an
/// admin account's type does not change.
pub(crate) fn apply_patch(state: &AppState, req: &Request, target: &Account) -> ApiResult<()> {
    let body: PatchAccount = req.json()?;
    if body.login.is_none()
        && body.password.is_none()
        && body.account_type.is_none()
        && body.description.is_none()
    {
        return Err(ApiError::bad_json(
            "Failed to validate input json. Path: '', message: 'at least one field is required'",
        ));
    }
    if let Some(login) = &body.login {
        check_login(login)?;
    }
    if let Some(password) = &body.password {
        check_password(password)?;
    }
    if let Some(description) = &body.description {
        check_description(description)?;
    }
    let account_type = body
        .account_type
        .as_deref()
        .map(account_type_for_creation)
        .transpose()?;
    if account_type.is_some() && target.account_type == AccountType::Admin {
        return Err(ApiError::forbidden(
            "an admin account's type does not change",
        ));
    }
    let patch = AccountPatch {
        login: body.login,
        password_hash: body.password.as_deref().map(hash_password),
        account_type,
        description: body.description,
    };
    state.store.update_account(target.account_id, &patch)?;
    Ok(())
}

/// `POST /6/accounts`.
pub fn create(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let body: NewAccount = req.json()?;
    check_login(&body.login)?;
    check_password(&body.password)?;
    check_description(&body.description)?;
    let account_type = account_type_for_creation(&body.account_type)?;
    let account_id = match req.header("luna-account-id") {
        Some(id) => Uuid::parse_str(id)
            .map_err(|_| ApiError::bad_input("Luna-Account-Id header is not UUID format"))?,
        None => Uuid::new_v4(),
    };
    let account = Account {
        account_id,
        login: body.login,
        password_hash: hash_password(&body.password),
        account_type,
        description: body.description,
        create_time: now_ms(),
    };
    state.store.create_account(&account)?;
    Ok(Reply::Json(
        StatusCode::CREATED,
        json!({"account_id": account_id, "url": format!("/6/accounts/{account_id}")}),
    ))
}

/// `GET /6/account`.
pub fn get(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let a = state.store.account(auth::account(state, req)?)?;
    Ok(Reply::Json(StatusCode::OK, view(req, &a)?))
}

/// `PATCH /6/account`: Basic or `Luna-Account-Id` only (catalogue §2.3).
pub fn patch(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let me = state
        .store
        .account(auth::account_without_token(state, req)?)?;
    apply_patch(state, req, &me)?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}
