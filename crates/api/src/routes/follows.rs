//! Following: follow and unfollow, relationships, followers and following
//! lists, and follow requests for locked accounts.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use lookbook_core::db::accounts;
use lookbook_core::db::accounts::Account;
use lookbook_core::db::graph::{self, Change, FollowOptions};
use lookbook_core::db::relationships::{self, List};
use std::collections::HashSet;

use serde::Deserialize;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::accounts::{load, parse_id};
use crate::AppState;
use crate::auth::{Auth, MaybeAuth};
use crate::counts;
use crate::entities;
use crate::error::{ApiError, ApiResult};
use crate::pagination::{PageParams, link_header};
use crate::params::{IdList, Params, QueryParams, flex_bool, flex_list};

/// Account lists: 40 by default, 80 at most, as in Mastodon.
pub const LIST_DEFAULT: i64 = 40;
pub const LIST_MAX: i64 = 80;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(follow))
        .routes(routes!(unfollow))
        .routes(routes!(relationships_of))
        .routes(routes!(followers))
        .routes(routes!(following))
        .routes(routes!(follow_requests))
        .routes(routes!(authorize_request))
        .routes(routes!(reject_request))
}

/// Applies one graph change from the caller to the account `id` and answers
/// the relationship as it then stands.
pub async fn change(
    state: &AppState,
    auth: &Auth,
    scope: &str,
    id: &str,
    change: Change,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with(scope)?;
    let target = load(state, parse_id(id)?).await?;
    graph::apply(&state.db.primary, me, target.id, &change).await?;
    counts::forget_accounts(state, &[me, target.id]).await;
    relationship(state, me, target.id).await
}

/// Accepts or turns down the pending request of the account `id`; 404 when
/// it has none.
async fn answer_request(
    state: &AppState,
    auth: &Auth,
    id: &str,
    change: Change,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:follows")?;
    let requester = parse_id(id)?;
    if !graph::apply(&state.db.primary, me, requester, &change).await? {
        return Err(ApiError::NotFound);
    }
    counts::forget_accounts(state, &[me, requester]).await;
    relationship(state, me, requester).await
}

/// The caller's relationship with one account, as the graph now stands.
pub async fn relationship(state: &AppState, me: i64, target: i64) -> ApiResult<Json<Value>> {
    let found = relationships::relationships(&state.db.primary, me, &[target]).await?;
    let relationship = found.first().ok_or(ApiError::NotFound)?;
    Ok(Json(entities::relationship(relationship)))
}

/// The body of `POST /api/v1/accounts/:id/follow` (a form or JSON).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = FollowForm)]
struct FollowParams {
    /// Show their boosts (default true); a boolean read as Mastodon reads it.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_bool")]
    reblogs: Option<bool>,
    /// Be notified of their posts (default false); a boolean read as Mastodon reads it.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_bool")]
    notify: Option<bool>,
    /// Only their posts in these languages (ISO 639-1 codes); `languages[]` in a form.
    #[schema(value_type = Option<Vec<String>>)]
    #[serde(default, deserialize_with = "flex_list")]
    languages: Option<Vec<String>>,
}

/// Follows an account, or asks to when it approves its followers.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/follow", tag = "follows",
    params(("id" = String, Path, description = "Account id")),
    request_body(content = FollowParams, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The Relationship"), (status = 403, description = "Not allowed"), (status = 404, description = "No such account")))]
async fn follow(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<FollowParams>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:follows")?;
    let target = load(&state, parse_id(&id)?).await?;
    if target.id == me {
        return Err(ApiError::Forbidden(
            "Following your own account is not allowed".into(),
        ));
    }
    let mut tx = state.begin().await?;
    graph::lock_pair(&mut tx, me, target.id).await?;
    if graph::blocked_either_way(&mut tx, me, target.id).await? {
        return Err(ApiError::Forbidden("This action is not allowed".into()));
    }
    let options = FollowOptions {
        reblogs: p.reblogs,
        notify: p.notify,
        languages: p.languages,
    };
    let (_, created) = graph::follow(&mut tx, me, target.id, target.locked, &options).await?;
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    counts::forget_accounts(&state, &[me, target.id]).await;
    lookbook_core::stream::notified(&state.kv, created.as_slice()).await;
    relationship(&state, me, target.id).await
}

/// Stops following an account (or withdraws a request).
#[utoipa::path(post, path = "/api/v1/accounts/{id}/unfollow", tag = "follows",
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, description = "The Relationship"), (status = 404, description = "No such account")))]
async fn unfollow(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    change(&state, &auth, "write:follows", &id, Change::Unfollow).await
}

/// How the caller stands with each account in `id[]`; unknown ids are left out.
#[utoipa::path(get, path = "/api/v1/accounts/relationships", tag = "follows",
    responses((status = 200, description = "Relationships")))]
async fn relationships_of(
    State(state): State<AppState>,
    auth: Auth,
    QueryParams(p): QueryParams<IdList>,
) -> ApiResult<Json<Vec<Value>>> {
    let me = auth.user_with("read:follows")?;
    let ids = p.named(LIST_MAX as usize)?;
    let found = relationships::relationships(&state.db.primary, me, &ids).await?;
    // Keep the order the client asked in.
    let ordered = ids
        .iter()
        .filter_map(|id| found.iter().find(|r| r.id == *id))
        .map(entities::relationship)
        .collect();
    Ok(Json(ordered))
}

/// Those of `ids` that `viewer` blocks or is blocked by: never shown to them.
pub async fn blocked_among(state: &AppState, viewer: i64, ids: &[i64]) -> ApiResult<HashSet<i64>> {
    Ok(relationships::relationships(&state.db.primary, viewer, ids)
        .await?
        .into_iter()
        .filter(|r| r.blocking || r.blocked_by)
        .map(|r| r.id)
        .collect())
}

/// Renders a page of a list with its Link header, hiding accounts that block
/// the viewer or that the viewer blocks.
pub async fn account_page(
    state: &AppState,
    viewer: Option<i64>,
    list: List,
    owner: i64,
    path: &str,
    page: &PageParams,
) -> ApiResult<(HeaderMap, Json<Vec<Value>>)> {
    let bounds = page.bounds(LIST_DEFAULT, LIST_MAX)?;
    // The owner's lists are not shown to someone the owner blocks.
    if let Some(me) = viewer
        && me != owner
        && relationships::relationships(&state.db.primary, me, &[owner])
            .await?
            .first()
            .is_some_and(|r| r.blocked_by)
    {
        return Ok((HeaderMap::new(), Json(Vec::new())));
    }
    // The primary: a member reading a list right after changing it sees the change.
    let edges = relationships::page(&state.db.primary, list, owner, bounds).await?;
    let ids: Vec<i64> = edges.iter().map(|e| e.account_id).collect();
    let found = accounts::by_ids(&state.db.primary, &ids).await?;
    let hidden = match viewer {
        Some(me) => blocked_among(state, me, &ids).await?,
        None => HashSet::new(),
    };
    let ordered: Vec<Account> = edges
        .iter()
        .filter(|e| !hidden.contains(&e.account_id))
        .filter_map(|e| found.iter().find(|a| a.id == e.account_id).cloned())
        .collect();
    let mut body = entities::accounts(state, &ordered).await?;
    if list == List::Mutes {
        for entity in &mut body {
            let id = entity["id"].as_str().and_then(|id| id.parse::<i64>().ok());
            let edge = edges.iter().find(|e| Some(e.account_id) == id);
            entity["mute_expires_at"] = edge.and_then(|e| e.expires_at).map(entities::time).into();
        }
    }
    let mut headers = HeaderMap::new();
    let row_ids: Vec<i64> = edges.iter().map(|e| e.id).collect();
    if let Some(link) = link_header(&state.config.public_url, path, &row_ids, bounds.limit) {
        headers.insert(axum::http::header::LINK, link);
    }
    Ok((headers, Json(body)))
}

/// A public list of the account `id` (`followers` or `following`).
async fn public_list(
    state: &AppState,
    auth: &MaybeAuth,
    id: &str,
    list: List,
    page: &PageParams,
) -> ApiResult<(HeaderMap, Json<Vec<Value>>)> {
    let owner = load(state, parse_id(id)?).await?;
    auth.require_if_present("read:accounts")?;
    let name = if list == List::Followers {
        "followers"
    } else {
        "following"
    };
    let path = format!("/api/v1/accounts/{}/{name}", owner.id);
    account_page(state, auth.viewer(), list, owner.id, &path, page).await
}

/// Who follows an account, newest first.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/followers", tag = "follows",
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, description = "Accounts, with a Link header"), (status = 404, description = "No such account")))]
async fn followers(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
    QueryParams(page): QueryParams<PageParams>,
) -> ApiResult<(HeaderMap, Json<Vec<Value>>)> {
    public_list(&state, &auth, &id, List::Followers, &page).await
}

/// Whom an account follows, newest first.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/following", tag = "follows",
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, description = "Accounts, with a Link header"), (status = 404, description = "No such account")))]
async fn following(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
    QueryParams(page): QueryParams<PageParams>,
) -> ApiResult<(HeaderMap, Json<Vec<Value>>)> {
    public_list(&state, &auth, &id, List::Following, &page).await
}

/// Accounts waiting for the caller's approval.
#[utoipa::path(get, path = "/api/v1/follow_requests", tag = "follows",
    responses((status = 200, description = "Accounts, with a Link header")))]
async fn follow_requests(
    State(state): State<AppState>,
    auth: Auth,
    QueryParams(page): QueryParams<PageParams>,
) -> ApiResult<(HeaderMap, Json<Vec<Value>>)> {
    let me = auth.user_with("read:follows")?;
    account_page(
        &state,
        Some(me),
        List::FollowRequests,
        me,
        "/api/v1/follow_requests",
        &page,
    )
    .await
}

/// Accepts a follow request.
#[utoipa::path(post, path = "/api/v1/follow_requests/{id}/authorize", tag = "follows",
    params(("id" = String, Path, description = "Id of the account that asked")),
    responses((status = 200, description = "The Relationship"), (status = 404, description = "No such request")))]
async fn authorize_request(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    answer_request(&state, &auth, &id, Change::AuthorizeRequest).await
}

/// Turns a follow request down.
#[utoipa::path(post, path = "/api/v1/follow_requests/{id}/reject", tag = "follows",
    params(("id" = String, Path, description = "Id of the account that asked")),
    responses((status = 200, description = "The Relationship"), (status = 404, description = "No such request")))]
async fn reject_request(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    answer_request(&state, &auth, &id, Change::RejectRequest).await
}
