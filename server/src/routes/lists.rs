//! Lists: create, get, list and count (with the catalogue's filters), delete, and attaching/detaching faces (kept in step in the index).

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::request::{Reply, Request, id_list, now_ms, page, parse_id, time_query, time_text};
use crate::state::AppState;
use argus_store::{List, ListFilter};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;
use warp::http::StatusCode;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewList {
    #[serde(default)]
    user_data: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Link {
    action: String,
    face_ids: Vec<Uuid>,
}

fn view(l: &List) -> Value {
    json!({"list_id": l.list_id, "account_id": l.account_id, "user_data": l.user_data,
           "create_time": time_text(l.create_time), "last_update_time": time_text(l.last_update_time)})
}

/// `POST /6/lists`.
pub fn create(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let body: NewList = req.json()?;
    if body.user_data.len() > 128 {
        return Err(ApiError::bad_json(
            "Failed to validate input json. Path: 'user_data', message: 'at most 128 characters'",
        ));
    }
    let now = now_ms();
    let list = List {
        list_id: Uuid::new_v4(),
        account_id: account,
        user_data: body.user_data,
        create_time: now,
        last_update_time: now,
    };
    state.store.create_list(&list)?;
    Ok(Reply::Json(
        StatusCode::CREATED,
        json!({"list_id": list.list_id, "url": format!("/6/lists/{}", list.list_id)}),
    ))
}

/// The filters of `GET /6/lists` and `GET /6/lists/count` (catalogue §2.11).
fn filter(req: &Request) -> ApiResult<ListFilter> {
    let id = |name: &str| req.query.get(name).map(|v| parse_id(name, v)).transpose();
    Ok(ListFilter {
        list_ids: id_list(req, "list_ids")?,
        user_data: req.query.get("user_data").cloned(),
        user_data_eq: req.query.get("user_data__eq").cloned(),
        create_time_gte: time_query(req, "create_time__gte")?,
        create_time_lt: time_query(req, "create_time__lt")?,
        last_update_time_gte: time_query(req, "last_update_time__gte")?,
        last_update_time_lt: time_query(req, "last_update_time__lt")?,
        list_id_gte: id("list_id__gte")?,
        list_id_lt: id("list_id__lt")?,
    })
}

/// `GET /6/lists`: oldest first, or in id order with `list_id__gte` / `list_id__lt`.
pub fn list(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let lists = state
        .store
        .lists_matching(account, &filter(req)?, page(req)?)?;
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"lists": lists.iter().map(view).collect::<Vec<_>>()}),
    ))
}

/// `GET /6/lists/count`: the filters of `GET /6/lists`, without paging.
pub fn count(state: &AppState, req: &Request) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"lists_count": state.store.count_lists_matching(account, &filter(req)?)?}),
    ))
}

/// `GET /6/lists/{id}`.
pub fn get(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    Ok(Reply::Json(
        StatusCode::OK,
        view(&state.store.list(account, parse_id("list_id", id)?)?),
    ))
}

/// `DELETE /6/lists/{id}`: the list goes, its faces stay (unlinked).
pub fn delete(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let list = parse_id("list_id", id)?;
    let members = state.store.faces(
        account,
        &argus_store::FaceFilter {
            list_id: Some(list),
            ..Default::default()
        },
        argus_store::Page {
            page: 1,
            page_size: u32::MAX,
        },
    )?;
    state.store.delete_list(account, list)?;
    for face in members {
        let lists: Vec<Uuid> = face.lists.into_iter().filter(|l| *l != list).collect();
        // A face without a descriptor is not in the index; nothing to update then.
        let _ = state.index.set_lists(face.face_id, lists);
    }
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

/// `PATCH /6/lists/{id}/faces`: attach or detach faces.
pub fn link(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let list = parse_id("list_id", id)?;
    let body: Link = req.json()?;
    let attach = match body.action.as_str() {
        "attach" => true,
        "detach" => false,
        other => {
            return Err(ApiError::bad_json(format!(
                "Failed to validate input json. Path: 'action', message: '{other:?} is not attach or detach'"
            )));
        }
    };
    if body.face_ids.is_empty() || body.face_ids.len() > 1000 {
        return Err(ApiError::bad_json(
            "Failed to validate input json. Path: 'face_ids', message: '1..1000 items'",
        ));
    }
    for (face, lists) in state
        .store
        .link_faces(account, list, &body.face_ids, attach)?
    {
        let _ = state.index.set_lists(face, lists);
    }
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

/// `PATCH /6/lists/{id}`: new user data.
pub fn patch(state: &AppState, req: &Request, id: &str) -> ApiResult<Reply> {
    let account = auth::account(state, req)?;
    let body: NewList = req.json()?;
    if body.user_data.len() > 128 {
        return Err(ApiError::bad_json(
            "Failed to validate input json. Path: 'user_data', message: 'at most 128 characters'",
        ));
    }
    state
        .store
        .update_list(account, parse_id("list_id", id)?, &body.user_data, now_ms())?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}
