//! The root account of a fresh data directory, from `ARGUS_ROOT_LOGIN` / `ARGUS_ROOT_PASSWORD`.

use crate::request::now_ms;
use crate::state::AppState;
use argus_store::{Account, AccountType, StoreError, hash_password};
use uuid::Uuid;

/// Creates the admin account with this login unless an account with it exists.
pub fn root_account(state: &AppState, login: &str, password: &str) -> anyhow::Result<()> {
    match state.store.account_by_login(login) {
        Ok(_) => return Ok(()),
        Err(StoreError::NotFound { .. }) => {}
        Err(e) => return Err(e.into()),
    }
    state.store.create_account(&Account {
        account_id: Uuid::new_v4(),
        login: login.to_string(),
        password_hash: hash_password(password),
        account_type: AccountType::Admin,
        description: "root account".into(),
        create_time: now_ms(),
    })?;
    tracing::info!(login, "root account created");
    Ok(())
}
