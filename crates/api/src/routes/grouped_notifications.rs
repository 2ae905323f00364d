//! Grouped notifications (API version 2): `GET /api/v2/notifications`,
//! `/unread_count`, `/:group_key`, `/:group_key/accounts` and
//! `POST /:group_key/dismiss`. Each read first counts what arrived since
//! the member's last one into their groups.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use lookbook_core::db::markers;
use lookbook_core::db::notification_groups::{self, Group};
use lookbook_core::db::relationships::PageBounds;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::notifications::{CountParams, ListParams, UnreadCount};
use crate::AppState;
use crate::auth::Auth;
use crate::entities::notification::{self as entity, GroupedNotificationsResults};
use crate::error::{ApiError, ApiResult};
use crate::pagination::{PageParams, link_header};
use crate::params::QueryParams;
use crate::statuses::authors;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(unread_count))
        .routes(routes!(show))
        .routes(routes!(accounts))
        .routes(routes!(dismiss))
}

/// Brings the member's groups up to date (a read with nothing new writes
/// nothing).
async fn catch_up(state: &AppState, me: i64) -> ApiResult<()> {
    if !notification_groups::pending(&state.db.primary, me).await? {
        return Ok(());
    }
    let mut tx = state.begin().await?;
    notification_groups::catch_up(&mut tx, me).await?;
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    Ok(())
}

/// The member's notifications in groups, by each group's most recent
/// notification, newest first (default 40, at most 80 groups).
#[utoipa::path(get, path = "/api/v2/notifications", tag = "notifications",
    params(("types[]" = Option<Vec<String>>, Query, description = "Only these types"),
           ("exclude_types[]" = Option<Vec<String>>, Query, description = "Not these types"),
           ("account_id" = Option<String>, Query, description = "Only groups naming this account"),
           ("max_id" = Option<String>, Query), ("since_id" = Option<String>, Query),
           ("min_id" = Option<String>, Query), ("limit" = Option<i64>, Query)),
    responses((status = 200, description = "Groups with their accounts and posts, with a Link header",
               body = GroupedNotificationsResults),
              (status = 401, description = "Not signed in")))]
async fn list(
    State(state): State<AppState>,
    auth: Auth,
    QueryParams(p): QueryParams<ListParams>,
) -> ApiResult<(HeaderMap, Json<GroupedNotificationsResults>)> {
    let me = auth.user_with("read:notifications")?;
    let filter = p.filter.filter()?;
    let bounds = p.page.bounds(40, 80)?;
    let limit = bounds.limit;
    catch_up(&state, me).await?;
    let groups = notification_groups::page(&state.db.primary, me, &filter, bounds).await?;
    let ids: Vec<i64> = groups.iter().map(|g| g.most_recent_id).collect();
    let body = entity::grouped(&state, me, &groups).await?;
    let mut headers = HeaderMap::new();
    if let Some(link) = link_header(
        &state.config.public_url,
        "/api/v2/notifications",
        &ids,
        limit,
    ) {
        headers.insert(axum::http::header::LINK, link);
    }
    Ok((headers, Json(body)))
}

/// One group, by its key.
async fn group(state: &AppState, me: i64, key: &str) -> ApiResult<Group> {
    if key.is_empty() || key.len() > 200 {
        return Err(ApiError::NotFound);
    }
    catch_up(state, me).await?;
    notification_groups::get(&state.db.primary, me, key)
        .await?
        .ok_or(ApiError::NotFound)
}

/// One group with its accounts and post.
#[utoipa::path(get, path = "/api/v2/notifications/{group_key}", tag = "notifications",
    params(("group_key" = String, Path, description = "The group's key")),
    responses((status = 200, description = "The group", body = GroupedNotificationsResults),
              (status = 404, description = "No such group of the caller's")))]
async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(key): Path<String>,
) -> ApiResult<Json<GroupedNotificationsResults>> {
    let me = auth.user_with("read:notifications")?;
    let found = group(&state, me, &key).await?;
    let body = entity::grouped(&state, me, &[found]).await?;
    if body.notification_groups.is_empty() {
        return Err(ApiError::NotFound);
    }
    Ok(Json(body))
}

/// Everyone behind a group, newest first ("Ana and 2,341 others").
#[utoipa::path(get, path = "/api/v2/notifications/{group_key}/accounts", tag = "notifications",
    params(("group_key" = String, Path, description = "The group's key"),
           ("max_id" = Option<String>, Query), ("min_id" = Option<String>, Query),
           ("limit" = Option<i64>, Query, description = "Default 40, at most 80")),
    responses((status = 200, description = "Accounts, with a Link header"),
              (status = 404, description = "No such group of the caller's")))]
async fn accounts(
    State(state): State<AppState>,
    auth: Auth,
    Path(key): Path<String>,
    QueryParams(page): QueryParams<PageParams>,
) -> ApiResult<(HeaderMap, Json<Vec<Value>>)> {
    let me = auth.user_with("read:notifications")?;
    group(&state, me, &key).await?;
    let bounds: PageBounds = page.bounds(40, 80)?;
    let limit = bounds.limit;
    let rows = notification_groups::accounts(&state.db.primary, me, &key, bounds).await?;
    let ids: Vec<i64> = rows.iter().map(|(_, account)| *account).collect();
    let found = authors(&state, &ids).await?;
    let body = ids.iter().filter_map(|id| found.get(id).cloned()).collect();
    let row_ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    let path = format!("/api/v2/notifications/{}/accounts", urlencode(&key));
    let mut headers = HeaderMap::new();
    if let Some(link) = link_header(&state.config.public_url, &path, &row_ids, limit) {
        headers.insert(axum::http::header::LINK, link);
    }
    Ok((headers, Json(body)))
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Dismisses a whole group.
#[utoipa::path(post, path = "/api/v2/notifications/{group_key}/dismiss", tag = "notifications",
    params(("group_key" = String, Path, description = "The group's key")),
    responses((status = 200, description = "An empty object"),
              (status = 404, description = "No such group of the caller's")))]
async fn dismiss(
    State(state): State<AppState>,
    auth: Auth,
    Path(key): Path<String>,
) -> ApiResult<Json<serde_json::Map<String, Value>>> {
    let me = auth.user_with("write:notifications")?;
    if key.is_empty() || key.len() > 200 {
        return Err(ApiError::NotFound);
    }
    let mut tx = state.begin().await?;
    let found = notification_groups::dismiss(&mut tx, me, &key).await?;
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    if !found {
        return Err(ApiError::NotFound);
    }
    state.writing(me).await;
    Ok(Json(serde_json::Map::new()))
}

/// How many groups have news since the notifications marker.
#[utoipa::path(get, path = "/api/v2/notifications/unread_count", tag = "notifications",
    params(("limit" = Option<i64>, Query, description = "Count up to this many (default 100, at most 1000)"),
           ("types[]" = Option<Vec<String>>, Query), ("exclude_types[]" = Option<Vec<String>>, Query)),
    responses((status = 200, description = "The count", body = UnreadCount)))]
async fn unread_count(
    State(state): State<AppState>,
    auth: Auth,
    QueryParams(p): QueryParams<CountParams>,
) -> ApiResult<Json<UnreadCount>> {
    let me = auth.user_with("read:notifications")?;
    let filter = p.filter.filter()?;
    let cap = p.cap()?;
    catch_up(&state, me).await?;
    let db = &state.db.primary;
    let after = markers::last_read(db, me, "notifications").await?;
    let count = notification_groups::unread_count(db, me, after, &filter, cap).await?;
    Ok(Json(UnreadCount { count }))
}
