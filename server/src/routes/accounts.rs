//! Accounts: create (no credentials needed: a new account sees only its own data) and get one's own.

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::request::{Reply, Request, now_ms, time_text};
use crate::state::AppState;
use argus_store::{Account, AccountType, hash_password};
use serde::Deserialize;
use serde_json::json;
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

/// `POST /6/accounts`.
pub fn create(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let body: NewAccount = req.json()?;
    if !valid_login(&body.login) {
        return Err(ApiError::bad_json(
            "Failed to validate input json. Path: 'login', message: 'not an e-mail login'",
        ));
    }
    if !(3..=128).contains(&body.password.len()) || body.description.len() > 128 {
        return Err(ApiError::bad_json(
            "Failed to validate input json. Path: 'password', message: 'length 3..128'",
        ));
    }
    let account_type = match AccountType::parse(&body.account_type) {
        Some(t @ (AccountType::User | AccountType::AdvancedUser)) => t,
        _ => {
            return Err(ApiError::bad_json(
                "Failed to validate input json. Path: 'account_type', message: 'user or advanced_user'",
            ));
        }
    };
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
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"account_id": a.account_id, "login": a.login, "account_type": a.account_type.as_str(),
               "description": a.description, "create_time": time_text(a.create_time),
               "last_update_time": time_text(a.create_time)}),
    ))
}
