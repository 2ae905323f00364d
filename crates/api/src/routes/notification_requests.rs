//! What becomes of notifications from strangers: the policy
//! (`GET`/`PATCH /api/v2/notifications/policy`, and version 1's
//! `GET`/`PUT /api/v1/notifications/policy`) and the requests holding back
//! what it filtered (`/api/v1/notifications/requests`, one per sender, with
//! accept and dismiss, one or many).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use lookbook_core::db::notification_policy::{self, ACTIONS, Policy};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::accounts::parse_id;
use crate::AppState;
use crate::auth::Auth;
use crate::entities::notification::{
    self as entity, NotificationPolicy, NotificationPolicyV1, NotificationRequest,
};
use crate::error::{ApiError, ApiResult};
use crate::pagination::{PageParams, link_header};
use crate::params::{Params, QueryParams, flex_bool, flex_list, flex_string};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(policy, update_policy))
        .routes(routes!(policy_v1, update_policy_v1))
        .routes(routes!(requests))
        .routes(routes!(request))
        .routes(routes!(accept))
        .routes(routes!(dismiss))
        .routes(routes!(accept_many))
        .routes(routes!(dismiss_many))
        .routes(routes!(merged))
}

async fn current(state: &AppState, me: i64) -> ApiResult<NotificationPolicy> {
    let db = &state.db.primary;
    let policy = notification_policy::get(db, me).await?;
    let summary = notification_policy::summary(db, me).await?;
    Ok(NotificationPolicy::new(policy, summary))
}

/// The member's notification policy.
#[utoipa::path(get, path = "/api/v2/notifications/policy", tag = "notifications",
    responses((status = 200, description = "The policy", body = NotificationPolicy)))]
async fn policy(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<NotificationPolicy>> {
    let me = auth.user_with("read:notifications")?;
    current(&state, me).await.map(Json)
}

/// A change to the policy; what is left out (or empty) stays.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = NotificationPolicyForm)]
struct PolicyChange {
    #[serde(default, deserialize_with = "flex_string")]
    #[schema(value_type = String, required = false, pattern = "^(accept|filter|drop)?$")]
    for_not_following: Option<String>,
    #[serde(default, deserialize_with = "flex_string")]
    #[schema(value_type = String, required = false, pattern = "^(accept|filter|drop)?$")]
    for_not_followers: Option<String>,
    #[serde(default, deserialize_with = "flex_string")]
    #[schema(value_type = String, required = false, pattern = "^(accept|filter|drop)?$")]
    for_new_accounts: Option<String>,
    #[serde(default, deserialize_with = "flex_string")]
    #[schema(value_type = String, required = false, pattern = "^(accept|filter|drop)?$")]
    for_private_mentions: Option<String>,
    #[serde(default, deserialize_with = "flex_string")]
    #[schema(value_type = String, required = false, pattern = "^(accept|filter|drop)?$")]
    for_limited_accounts: Option<String>,
}

fn pick(field: &str, given: Option<String>, current: String) -> ApiResult<String> {
    match given {
        None => Ok(current),
        Some(value) if value.is_empty() => Ok(current),
        Some(value) if ACTIONS.contains(&value.as_str()) => Ok(value),
        Some(value) => Err(ApiError::Unprocessable(format!(
            "{field} must be accept, filter or drop, not '{}'",
            crate::params::truncate(&value)
        ))),
    }
}

/// Changes the policy: each rule `accept`, `filter` or `drop`.
#[utoipa::path(patch, path = "/api/v2/notifications/policy", tag = "notifications",
    request_body(content = PolicyChange, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The policy", body = NotificationPolicy),
              (status = 422, description = "A rule that is not accept, filter or drop")))]
async fn update_policy(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<PolicyChange>,
) -> ApiResult<Json<NotificationPolicy>> {
    let me = auth.user_with("write:notifications")?;
    let now = notification_policy::get(&state.db.primary, me).await?;
    let next = Policy {
        for_not_following: pick(
            "for_not_following",
            p.for_not_following,
            now.for_not_following,
        )?,
        for_not_followers: pick(
            "for_not_followers",
            p.for_not_followers,
            now.for_not_followers,
        )?,
        for_new_accounts: pick("for_new_accounts", p.for_new_accounts, now.for_new_accounts)?,
        for_private_mentions: pick(
            "for_private_mentions",
            p.for_private_mentions,
            now.for_private_mentions,
        )?,
        for_limited_accounts: pick(
            "for_limited_accounts",
            p.for_limited_accounts,
            now.for_limited_accounts,
        )?,
    };
    let mut tx = state.begin().await?;
    notification_policy::set(&mut tx, me, &next).await?;
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    current(&state, me).await.map(Json)
}

/// The policy in version 1's shape.
#[utoipa::path(get, path = "/api/v1/notifications/policy", tag = "notifications",
    responses((status = 200, description = "The policy", body = NotificationPolicyV1)))]
async fn policy_v1(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<NotificationPolicyV1>> {
    let me = auth.user_with("read:notifications")?;
    current(&state, me).await.map(|p| Json(p.into()))
}

/// A change to the policy in version 1's shape: a filter on holds back.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = NotificationPolicyV1Form)]
struct PolicyChangeV1 {
    /// A boolean read as Mastodon reads it.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_bool")]
    filter_not_following: Option<bool>,
    /// A boolean read as Mastodon reads it.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_bool")]
    filter_not_followers: Option<bool>,
    /// A boolean read as Mastodon reads it.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_bool")]
    filter_new_accounts: Option<bool>,
    /// A boolean read as Mastodon reads it.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_bool")]
    filter_private_mentions: Option<bool>,
}

/// Changes the policy in version 1's terms.
#[utoipa::path(put, path = "/api/v1/notifications/policy", tag = "notifications",
    request_body(content = PolicyChangeV1, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The policy", body = NotificationPolicyV1)))]
async fn update_policy_v1(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<PolicyChangeV1>,
) -> ApiResult<Json<NotificationPolicyV1>> {
    let me = auth.user_with("write:notifications")?;
    let mut next = notification_policy::get(&state.db.primary, me).await?;
    let rule = |on: bool| if on { "filter" } else { "accept" }.to_string();
    if let Some(on) = p.filter_not_following {
        next.for_not_following = rule(on);
    }
    if let Some(on) = p.filter_not_followers {
        next.for_not_followers = rule(on);
    }
    if let Some(on) = p.filter_new_accounts {
        next.for_new_accounts = rule(on);
    }
    if let Some(on) = p.filter_private_mentions {
        next.for_private_mentions = rule(on);
    }
    let mut tx = state.begin().await?;
    notification_policy::set(&mut tx, me, &next).await?;
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    current(&state, me).await.map(|p| Json(p.into()))
}

/// The member's requests, newest first (default 40, at most 80).
#[utoipa::path(get, path = "/api/v1/notifications/requests", tag = "notifications",
    params(("max_id" = Option<String>, Query), ("min_id" = Option<String>, Query),
           ("since_id" = Option<String>, Query), ("limit" = Option<i64>, Query)),
    responses((status = 200, description = "Requests, with a Link header", body = [NotificationRequest])))]
async fn requests(
    State(state): State<AppState>,
    auth: Auth,
    QueryParams(page): QueryParams<PageParams>,
) -> ApiResult<(HeaderMap, Json<Vec<NotificationRequest>>)> {
    let me = auth.user_with("read:notifications")?;
    let bounds = page.bounds(40, 80)?;
    let rows = notification_policy::requests(
        &state.db.primary,
        me,
        None,
        bounds.max_id,
        bounds.lower(),
        bounds.limit,
    )
    .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.newest_id).collect();
    let body = entity::requests(&state, me, &rows).await?;
    let mut headers = HeaderMap::new();
    let path = "/api/v1/notifications/requests";
    if let Some(link) = link_header(&state.config.public_url, path, &ids, bounds.limit) {
        headers.insert(axum::http::header::LINK, link);
    }
    Ok((headers, Json(body)))
}

/// One request (its id is the sender's account id).
#[utoipa::path(get, path = "/api/v1/notifications/requests/{id}", tag = "notifications",
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "The request", body = NotificationRequest),
              (status = 404, description = "No such request")))]
async fn request(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<NotificationRequest>> {
    let me = auth.user_with("read:notifications")?;
    let from = parse_id(&id)?;
    let rows =
        notification_policy::requests(&state.db.primary, me, Some(from), None, None, 1).await?;
    entity::requests(&state, me, &rows)
        .await?
        .pop()
        .map(Json)
        .ok_or(ApiError::NotFound)
}

async fn settle(state: &AppState, auth: &Auth, ids: &[String], accept: bool) -> ApiResult<u64> {
    let me = auth.user_with("write:notifications")?;
    let senders = ids
        .iter()
        .map(|id| parse_id(id))
        .collect::<ApiResult<Vec<i64>>>()?;
    let mut tx = state.begin().await?;
    let n = if accept {
        notification_policy::accept(&mut tx, me, &senders).await?
    } else {
        notification_policy::dismiss(&mut tx, me, &senders).await?
    };
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    state.writing(me).await;
    Ok(n)
}

/// Accepts a request: its notifications are shown, and the sender's pass
/// from now on.
#[utoipa::path(post, path = "/api/v1/notifications/requests/{id}/accept", tag = "notifications",
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "An empty object"), (status = 404, description = "No such request")))]
async fn accept(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Map<String, Value>>> {
    if settle(&state, &auth, &[id], true).await? == 0 {
        return Err(ApiError::NotFound);
    }
    Ok(Json(Map::new()))
}

/// Dismisses a request: its notifications go.
#[utoipa::path(post, path = "/api/v1/notifications/requests/{id}/dismiss", tag = "notifications",
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "An empty object"), (status = 404, description = "No such request")))]
async fn dismiss(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Map<String, Value>>> {
    if settle(&state, &auth, &[id], false).await? == 0 {
        return Err(ApiError::NotFound);
    }
    Ok(Json(Map::new()))
}

/// Request ids, for the bulk forms (`id[]`).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = NotificationRequestIdsForm)]
struct Ids {
    #[serde(default, deserialize_with = "flex_list")]
    #[schema(required = true, value_type = Vec<String>, min_items = 1)]
    id: Option<Vec<String>>,
}

impl Ids {
    fn required(self) -> ApiResult<Vec<String>> {
        match self.id {
            Some(ids) if !ids.is_empty() => Ok(ids),
            _ => Err(ApiError::Unprocessable("id[] names no request".into())),
        }
    }
}

/// Accepts several requests.
#[utoipa::path(post, path = "/api/v1/notifications/requests/accept", tag = "notifications",
    request_body(content = Ids, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "An empty object")))]
async fn accept_many(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<Ids>,
) -> ApiResult<Json<Map<String, Value>>> {
    settle(&state, &auth, &p.required()?, true).await?;
    Ok(Json(Map::new()))
}

/// Dismisses several requests.
#[utoipa::path(post, path = "/api/v1/notifications/requests/dismiss", tag = "notifications",
    request_body(content = Ids, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "An empty object")))]
async fn dismiss_many(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<Ids>,
) -> ApiResult<Json<Map<String, Value>>> {
    settle(&state, &auth, &p.required()?, false).await?;
    Ok(Json(Map::new()))
}

/// Whether accepted requests have reached the notifications (here they do
/// at once).
#[utoipa::path(get, path = "/api/v1/notifications/requests/merged", tag = "notifications",
    responses((status = 200, description = "{\"merged\": true}")))]
async fn merged(auth: Auth) -> ApiResult<Json<Value>> {
    auth.user_with("read:notifications")?;
    Ok(Json(serde_json::json!({ "merged": true })))
}
