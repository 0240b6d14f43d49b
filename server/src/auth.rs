//! Who is calling: Basic login/password or the `Luna-Account-Id` header. Bearer tokens are answered with a
//! clear "not supported by this build" until tokens exist. Handlers ask for the caller's account; requests that
//! change state without one are refused (catalogue §2.3).

use crate::error::{ApiError, ApiResult};
use crate::request::Request;
use crate::state::AppState;
use argus_store::verify_password;
use base64::Engine as _;
use uuid::Uuid;

/// The account a request acts for.
pub fn account(state: &AppState, req: &Request) -> ApiResult<Uuid> {
    if let Some(auth) = req.header("authorization") {
        let (scheme, value) = auth.split_once(' ').unwrap_or((auth, ""));
        return match scheme.to_ascii_lowercase().as_str() {
            "basic" => basic(state, value.trim()),
            "bearer" => Err(ApiError::unsupported("Bearer token authorization")),
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

fn basic(state: &AppState, value: &str) -> ApiResult<Uuid> {
    let failed = || ApiError::unauthorized("Account corresponding login/password not found");
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(value)
        .map_err(|_| failed())?;
    let text = String::from_utf8(decoded).map_err(|_| failed())?;
    let (login, password) = text.split_once(':').ok_or_else(failed)?;
    let account = state.store.account_by_login(login).map_err(|_| failed())?;
    if verify_password(password, &account.password_hash) {
        Ok(account.account_id)
    } else {
        Err(failed())
    }
}
