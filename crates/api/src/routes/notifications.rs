//! Notifications, one at a time: `GET /api/v1/notifications` (filters,
//! paging), `/:id`, `POST /clear`, `POST /:id/dismiss` and
//! `GET /unread_count` (counted from the notifications marker).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use lookbook_core::db::markers;
use lookbook_core::db::notifications::{self, Filter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::accounts::parse_id;
use crate::AppState;
use crate::auth::Auth;
use crate::entities::notification::{self as entity, Notification};
use crate::error::{ApiError, ApiResult};
use crate::pagination::{PageParams, link_header};
use crate::params::{QueryParams, flex_bool, flex_i64, flex_list};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(unread_count))
        .routes(routes!(clear))
        .routes(routes!(show))
        .routes(routes!(dismiss))
}

/// Which notifications a list or a count takes in.
#[derive(Debug, Default, Deserialize)]
pub struct FilterParams {
    #[serde(default, deserialize_with = "flex_list")]
    pub types: Option<Vec<String>>,
    #[serde(default, deserialize_with = "flex_list")]
    pub exclude_types: Option<Vec<String>>,
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default, deserialize_with = "flex_bool")]
    pub include_filtered: Option<bool>,
}

impl FilterParams {
    pub fn filter(&self) -> ApiResult<Filter> {
        let account_id = match self.account_id.as_deref().filter(|s| !s.is_empty()) {
            Some(id) => Some(parse_id(id)?),
            None => None,
        };
        Ok(Filter {
            types: self.types.clone().unwrap_or_default(),
            exclude_types: self.exclude_types.clone().unwrap_or_default(),
            account_id,
            include_filtered: self.include_filtered.unwrap_or(false),
        })
    }
}

/// The query of a list (one by one or grouped): the filters and the page.
#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    #[serde(flatten)]
    pub filter: FilterParams,
    #[serde(flatten)]
    pub page: PageParams,
}

/// The member's notifications, newest first (default 40, at most 80).
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications",
    params(("types[]" = Option<Vec<String>>, Query, description = "Only these types"),
           ("exclude_types[]" = Option<Vec<String>>, Query, description = "Not these types"),
           ("account_id" = Option<String>, Query, description = "Only from this account"),
           ("include_filtered" = Option<bool>, Query, description = "Include notifications held back by the policy"),
           ("max_id" = Option<String>, Query), ("since_id" = Option<String>, Query),
           ("min_id" = Option<String>, Query), ("limit" = Option<i64>, Query)),
    responses((status = 200, description = "Notifications, with a Link header", body = [Notification]),
              (status = 401, description = "Not signed in")))]
async fn list(
    State(state): State<AppState>,
    auth: Auth,
    QueryParams(p): QueryParams<ListParams>,
) -> ApiResult<(HeaderMap, Json<Vec<Notification>>)> {
    let me = auth.user_with("read:notifications")?;
    let filter = p.filter.filter()?;
    let bounds = p.page.bounds(40, 80)?;
    let limit = bounds.limit;
    let rows = notifications::page(state.reader(Some(me)).await, me, &filter, bounds).await?;
    let ids: Vec<i64> = rows.iter().map(|n| n.id).collect();
    let body = entity::notifications(&state, me, &rows).await?;
    let mut headers = HeaderMap::new();
    if let Some(link) = link_header(
        &state.config.public_url,
        "/api/v1/notifications",
        &ids,
        limit,
    ) {
        headers.insert(axum::http::header::LINK, link);
    }
    Ok((headers, Json(body)))
}

/// One of the member's notifications.
#[utoipa::path(get, path = "/api/v1/notifications/{id}", tag = "notifications",
    params(("id" = String, Path, description = "Notification id")),
    responses((status = 200, description = "The Notification", body = Notification),
              (status = 404, description = "No such notification of the caller's")))]
async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Notification>> {
    let me = auth.user_with("read:notifications")?;
    let id = parse_id(&id)?;
    let found = notifications::get(state.reader(Some(me)).await, me, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    entity::notifications(&state, me, &[found])
        .await?
        .pop()
        .map(Json)
        .ok_or(ApiError::NotFound)
}

/// Clears all notifications.
#[utoipa::path(post, path = "/api/v1/notifications/clear", tag = "notifications",
    responses((status = 200, description = "An empty object")))]
async fn clear(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<serde_json::Map<String, serde_json::Value>>> {
    let me = auth.user_with("write:notifications")?;
    let mut tx = state.begin().await?;
    notifications::clear(&mut tx, me).await?;
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    state.writing(me).await;
    Ok(Json(serde_json::Map::new()))
}

/// Dismisses one notification.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/dismiss", tag = "notifications",
    params(("id" = String, Path, description = "Notification id")),
    responses((status = 200, description = "An empty object"),
              (status = 404, description = "No such notification of the caller's")))]
async fn dismiss(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Map<String, serde_json::Value>>> {
    let me = auth.user_with("write:notifications")?;
    let id = parse_id(&id)?;
    let mut tx = state.begin().await?;
    let found = notifications::dismiss(&mut tx, me, id).await?;
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    if !found {
        return Err(ApiError::NotFound);
    }
    state.writing(me).await;
    Ok(Json(serde_json::Map::new()))
}

/// A count of unread notifications.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnreadCount {
    pub count: i64,
}

/// The query of an unread count.
#[derive(Debug, Default, Deserialize)]
pub struct CountParams {
    #[serde(flatten)]
    pub filter: FilterParams,
    #[serde(default, deserialize_with = "flex_i64")]
    pub limit: Option<i64>,
}

impl CountParams {
    /// The cap: default 100, at most 1,000.
    pub fn cap(&self) -> ApiResult<i64> {
        match self.limit {
            None => Ok(100),
            Some(n) if n >= 1 => Ok(n.min(1000)),
            Some(n) => Err(ApiError::BadRequest(format!(
                "limit must be at least 1, got {n}"
            ))),
        }
    }
}

/// How many notifications are newer than the notifications marker.
#[utoipa::path(get, path = "/api/v1/notifications/unread_count", tag = "notifications",
    params(("limit" = Option<i64>, Query, description = "Count up to this many (default 100, at most 1000)"),
           ("types[]" = Option<Vec<String>>, Query), ("exclude_types[]" = Option<Vec<String>>, Query),
           ("account_id" = Option<String>, Query)),
    responses((status = 200, description = "The count", body = UnreadCount)))]
async fn unread_count(
    State(state): State<AppState>,
    auth: Auth,
    QueryParams(p): QueryParams<CountParams>,
) -> ApiResult<Json<UnreadCount>> {
    let me = auth.user_with("read:notifications")?;
    let filter = p.filter.filter()?;
    let cap = p.cap()?;
    let db = state.reader(Some(me)).await;
    let after = markers::last_read(db, me, "notifications").await?;
    let count = notifications::unread_count(db, me, after, &filter, cap).await?;
    Ok(Json(UnreadCount { count }))
}
