//! Accounts by id: `GET /6/accounts` (filters, paging, `total_count`), and `GET`/`PATCH`/`DELETE
//! /6/accounts/{id}` (the Admin API's account info with its stats, and removal with everything the account
//! owns). An admin account (by login and password, see `auth::caller`) sees and changes every account; any
//! other caller sees only itself, and changes itself through `PATCH /6/account`.

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::request::{Reply, Request, page, parse_id, time_query};
use crate::routes::accounts;
use crate::state::AppState;
use argus_store::{AccountFilter, AccountType, FaceFilter};
use serde_json::json;
use uuid::Uuid;
use warp::http::StatusCode;

fn filter(req: &Request) -> ApiResult<AccountFilter> {
    let account_type = req
        .query
        .get("account_type")
        .map(|t| {
            AccountType::parse(t).ok_or_else(|| {
                ApiError::bad_query(format!(
                    "account_type={t:?} is not user, advanced_user or admin"
                ))
            })
        })
        .transpose()?;
    Ok(AccountFilter {
        login: req.query.get("login").cloned(),
        account_type,
        create_time_gte: time_query(req, "create_time__gte")?,
        create_time_lt: time_query(req, "create_time__lt")?,
        ..AccountFilter::default()
    })
}

/// `GET /6/accounts`.
pub fn list(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let caller = auth::caller(state, req)?;
    let mut filter = filter(req)?;
    if !caller.admin {
        filter.account_id = Some(caller.account);
    }
    let found = state.store.accounts(&filter, page(req)?)?;
    let views = found
        .iter()
        .map(|a| accounts::view(req, a))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"accounts": views, "total_count": state.store.count_accounts(&filter)?}),
    ))
}

/// The account an id names, if the caller may see it: an admin sees every account, anyone else only itself.
fn visible(state: &AppState, req: &Request, id: &str) -> ApiResult<Uuid> {
    let caller = auth::caller(state, req)?;
    let id = parse_id("account_id", id)?;
    if !caller.admin && id != caller.account {
        return Err(ApiError::not_found("One or more accounts not found"));
    }
    Ok(id)
}

/// The caller, if it is an admin account.
fn admin(state: &AppState, req: &Request) -> ApiResult<auth::Caller> {
    let caller = auth::caller(state, req)?;
    if !caller.admin {
        return Err(ApiError::forbidden(
            "only an admin account with its login and password changes accounts by id; use PATCH /6/account",
        ));
    }
    Ok(caller)
}

/// `GET /6/accounts/{id}`: `{"info": account, "stats": {list_count, face_count, face_attribute_count}}`.
pub fn get(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let id = visible(state, req, id)?;
    let account = state.store.account(id)?;
    let stats = json!({
        "list_count": state.store.count_lists(id)?,
        "face_count": state.store.count_faces(id, &FaceFilter::default())?,
        "face_attribute_count": state.store.count_faces_with_attributes(id)?,
    });
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"info": accounts::view(req, &account)?, "stats": stats}),
    ))
}

/// `PATCH /6/accounts/{id}`: the body of `PATCH /6/account`, on any account; admin only.
pub fn patch(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    admin(state, req)?;
    let target = state.store.account(parse_id("account_id", id)?)?;
    accounts::apply_patch(state, req, &target)?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

/// `DELETE /6/accounts/{id}`: the account and everything it owns; its faces and events leave the indexes too.
/// Admin only, and not its own account.
pub fn delete(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let caller = admin(state, req)?;
    let id = parse_id("account_id", id)?;
    if id == caller.account {
        return Err(ApiError::forbidden(
            "an admin account does not delete itself",
        ));
    }
    let deleted = state.store.delete_account(id)?;
    for face in deleted.faces {
        state.index.remove(face);
    }
    for event in deleted.events {
        state.event_index.remove(event);
    }
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}
