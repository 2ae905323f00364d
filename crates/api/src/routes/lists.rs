//! Lists: `GET|POST /api/v1/lists`, `GET|PUT|DELETE /api/v1/lists/:id`,
//! `GET|POST|DELETE /api/v1/lists/:id/accounts` (accounts the member
//! follows) and `GET /api/v1/accounts/:id/lists`. The timeline of a list
//! is `GET /api/v1/timelines/list/:id` ([`super::timelines`]).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use lookbook_core::db::accounts;
use lookbook_core::db::lists::{self, Changes, MAX_MEMBERS, MAX_PER_ACCOUNT, Refusal};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::accounts::{load, parse_id};
use crate::AppState;
use crate::auth::Auth;
use crate::entities::list::List;
use crate::error::{ApiError, ApiResult};
use crate::pagination::{PageParams, link_header};
use crate::params::{Params, QueryParams, flex_bool, flex_list, flex_string};
use crate::statuses::authors;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(mine, create))
        .routes(routes!(show, update, delete))
        .routes(routes!(accounts, add_accounts, remove_accounts))
        .routes(routes!(holding))
}

const POLICIES: &[&str] = &["followed", "list", "none"];

/// Longest title kept.
const TITLE_MAX: usize = 256;

/// The body of `POST /api/v1/lists` and `PUT /api/v1/lists/:id` (a form or JSON).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = ListForm)]
struct ListParams {
    /// The list's name (needed to create one; not blank).
    #[schema(value_type = String, required = false, max_length = 256,
             pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
    #[serde(default, deserialize_with = "flex_string")]
    title: Option<String>,
    /// Which comments the timeline shows: `followed`, `list` (default) or `none`.
    #[schema(value_type = String, required = false, pattern = "^(followed|list|none)?$")]
    #[serde(default, deserialize_with = "flex_string")]
    replies_policy: Option<String>,
    /// Whether the members' posts stay out of the home timeline; a boolean
    /// read as Mastodon reads it.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_bool")]
    exclusive: Option<bool>,
}

impl ListParams {
    /// The changes asked for, checked.
    fn changes(&self) -> ApiResult<Changes<'_>> {
        if self
            .title
            .as_deref()
            .is_some_and(|t| t.chars().count() > TITLE_MAX)
        {
            return Err(ApiError::Unprocessable(format!(
                "Validation failed: Title is too long (at most {TITLE_MAX} characters)"
            )));
        }
        let title = self.title.as_deref().map(str::trim);
        if title.is_some_and(str::is_empty) {
            return Err(ApiError::Unprocessable(
                "Validation failed: Title can't be blank".into(),
            ));
        }
        let replies_policy = self.replies_policy.as_deref().filter(|p| !p.is_empty());
        if replies_policy.is_some_and(|p| !POLICIES.contains(&p)) {
            return Err(ApiError::Unprocessable(format!(
                "Validation failed: replies_policy must be one of {}",
                POLICIES.join(", ")
            )));
        }
        Ok(Changes {
            title,
            replies_policy,
            exclusive: self.exclusive,
        })
    }
}

/// One of the caller's lists, or 404.
async fn owned(state: &AppState, me: i64, raw: &str) -> ApiResult<lists::List> {
    lists::get(&state.db.primary, me, parse_id(raw)?)
        .await?
        .ok_or(ApiError::NotFound)
}

/// The caller's lists.
#[utoipa::path(get, path = "/api/v1/lists", tag = "lists",
    responses((status = 200, description = "The caller's Lists, oldest first", body = [List])))]
async fn mine(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<List>>> {
    let me = auth.user_with("read:lists")?;
    let found = lists::of_account(&state.db.primary, me).await?;
    Ok(Json(found.into_iter().map(List::from).collect()))
}

/// Makes a list.
#[utoipa::path(post, path = "/api/v1/lists", tag = "lists",
    request_body(content = ListParams, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The new List", body = List),
              (status = 422, description = "No title, an unknown replies policy, or too many lists")))]
async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<ListParams>,
) -> ApiResult<Json<List>> {
    let me = auth.user_with("write:lists")?;
    let changes = p.changes()?;
    let Some(title) = changes.title else {
        return Err(ApiError::Unprocessable(
            "Validation failed: Title can't be blank".into(),
        ));
    };
    let mut tx = state.begin().await?;
    let Some(list) = lists::create(&mut tx, me, title, &changes).await? else {
        return Err(ApiError::Unprocessable(format!(
            "Validation failed: at most {MAX_PER_ACCOUNT} lists"
        )));
    };
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    Ok(Json(list.into()))
}

/// One of the caller's lists.
#[utoipa::path(get, path = "/api/v1/lists/{id}", tag = "lists",
    params(("id" = String, Path, description = "List id")),
    responses((status = 200, description = "The List", body = List),
              (status = 404, description = "No such list of the caller's")))]
async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<List>> {
    let me = auth.user_with("read:lists")?;
    Ok(Json(owned(&state, me, &id).await?.into()))
}

/// Renames a list or changes its settings.
#[utoipa::path(put, path = "/api/v1/lists/{id}", tag = "lists",
    params(("id" = String, Path, description = "List id")),
    request_body(content = ListParams, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The List", body = List),
              (status = 404, description = "No such list of the caller's"),
              (status = 422, description = "A blank title or an unknown replies policy")))]
async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<ListParams>,
) -> ApiResult<Json<List>> {
    let me = auth.user_with("write:lists")?;
    let changes = p.changes()?;
    let list = lists::update(&state.db.primary, me, parse_id(&id)?, &changes)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(list.into()))
}

/// Deletes a list (its accounts stay followed).
#[utoipa::path(delete, path = "/api/v1/lists/{id}", tag = "lists",
    params(("id" = String, Path, description = "List id")),
    responses((status = 200, description = "An empty object"),
              (status = 404, description = "No such list of the caller's")))]
async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:lists")?;
    if !lists::delete(&state.db.primary, me, parse_id(&id)?).await? {
        return Err(ApiError::NotFound);
    }
    Ok(Json(json!({})))
}

/// The accounts of a list, newest added first; `limit=0` lists them all.
#[utoipa::path(get, path = "/api/v1/lists/{id}/accounts", tag = "lists",
    params(("id" = String, Path, description = "List id")),
    responses((status = 200, description = "Accounts, with a Link header"),
              (status = 404, description = "No such list of the caller's")))]
async fn accounts(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    QueryParams(mut page): QueryParams<PageParams>,
) -> ApiResult<(HeaderMap, Json<Vec<Value>>)> {
    let me = auth.user_with("read:lists")?;
    let list = owned(&state, me, &id).await?;
    let all = page.limit == Some(0);
    if all {
        page.limit = Some(MAX_MEMBERS);
    }
    let max = if all { MAX_MEMBERS } else { 80 };
    let bounds = page.bounds(40, max)?;
    let rows = lists::members(&state.db.primary, list.id, bounds).await?;
    let (row_ids, account_ids): (Vec<i64>, Vec<i64>) = rows.into_iter().unzip();
    let mut found = authors(&state, &account_ids).await?;
    let body = account_ids
        .iter()
        .filter_map(|id| found.remove(id))
        .collect();
    let mut headers = HeaderMap::new();
    let path = format!("/api/v1/lists/{}/accounts", list.id);
    if !all && let Some(link) = link_header(&state.config.public_url, &path, &row_ids, bounds.limit)
    {
        headers.insert(axum::http::header::LINK, link);
    }
    Ok((headers, Json(body)))
}

/// The `account_ids[]` of a change to a list's accounts (a form, JSON or the query).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = ListAccountsForm)]
struct AccountIds {
    /// The accounts (`account_ids[]` in a form).
    #[schema(value_type = Vec<String>, required = false)]
    #[serde(default, deserialize_with = "flex_list")]
    account_ids: Option<Vec<String>>,
}

impl AccountIds {
    /// The ids, each an existing account (404 otherwise); none changes nothing.
    async fn existing(&self, state: &AppState) -> ApiResult<Vec<i64>> {
        let raw = self.account_ids.as_deref().unwrap_or_default();
        if raw.len() > MAX_MEMBERS as usize {
            return Err(ApiError::Unprocessable(format!(
                "Validation failed: at most {MAX_MEMBERS} accounts at once"
            )));
        }
        let mut ids = Vec::with_capacity(raw.len());
        for id in raw {
            ids.push(parse_id(id.trim())?);
        }
        ids.sort_unstable();
        ids.dedup();
        let found = accounts::by_ids(&state.db.primary, &ids).await?;
        if found.len() < ids.len() {
            return Err(ApiError::NotFound);
        }
        Ok(ids)
    }
}

/// Adds accounts the caller follows to a list.
#[utoipa::path(post, path = "/api/v1/lists/{id}/accounts", tag = "lists",
    params(("id" = String, Path, description = "List id")),
    request_body(content = AccountIds, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "An empty object"),
              (status = 404, description = "No such list of the caller's, or no such account"),
              (status = 422, description = "An account the caller does not follow, or a full list")))]
async fn add_accounts(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<AccountIds>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:lists")?;
    let list = owned(&state, me, &id).await?;
    let ids = p.existing(&state).await?;
    let mut tx = state.begin().await?;
    match lists::add_members(&mut tx, me, list.id, &ids).await? {
        Ok(()) => {}
        Err(Refusal::NotFollowed) => {
            return Err(ApiError::Unprocessable(
                "Validation failed: only accounts you follow can be added to a list".into(),
            ));
        }
        Err(Refusal::Gone) => return Err(ApiError::NotFound),
        Err(Refusal::Full) => {
            return Err(ApiError::Unprocessable(format!(
                "Validation failed: a list holds at most {MAX_MEMBERS} accounts"
            )));
        }
    }
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    Ok(Json(json!({})))
}

/// Takes accounts out of a list.
#[utoipa::path(delete, path = "/api/v1/lists/{id}/accounts", tag = "lists",
    params(("id" = String, Path, description = "List id")),
    request_body(content = AccountIds, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "An empty object"),
              (status = 404, description = "No such list of the caller's, or no such account")))]
async fn remove_accounts(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<AccountIds>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:lists")?;
    let list = owned(&state, me, &id).await?;
    let ids = p.existing(&state).await?;
    lists::remove_members(&state.db.primary, list.id, &ids).await?;
    Ok(Json(json!({})))
}

/// The caller's lists that hold an account.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/lists", tag = "lists",
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, description = "The caller's Lists holding the account", body = [List]),
              (status = 404, description = "No such account")))]
async fn holding(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<List>>> {
    let me = auth.user_with("read:lists")?;
    let account = load(&state, parse_id(&id)?).await?;
    let found = lists::holding(&state.db.primary, me, account.id).await?;
    Ok(Json(found.into_iter().map(List::from).collect()))
}
