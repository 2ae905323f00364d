//! A filter's posts: `GET|POST /api/v2/filters/:id/statuses` and
//! `GET|DELETE /api/v2/filters/statuses/:id`. Only a post the member may
//! see can be added.

use axum::Json;
use axum::extract::{Path, State};
use lookbook_core::db::{filters, statuses};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::accounts::parse_id;
use crate::AppState;
use crate::auth::Auth;
use crate::entities::filter::FilterStatus;
use crate::error::{ApiError, ApiResult};
use crate::filtering;
use crate::operations::filters::refused;
use crate::params::{Params, flex_string};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(of_filter, add))
        .routes(routes!(show, delete))
}

/// The body of `POST /api/v2/filters/:id/statuses`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = FilterStatusForm)]
struct StatusParams {
    /// The post to filter.
    #[schema(value_type = String, required = true)]
    #[serde(default, deserialize_with = "flex_string")]
    status_id: Option<String>,
}

/// The posts of one of the caller's filters.
#[utoipa::path(get, path = "/api/v2/filters/{id}/statuses", tag = "filters",
    params(("id" = String, Path, description = "The filter")),
    responses((status = 200, description = "FilterStatuses", body = [FilterStatus]),
              (status = 404, description = "Not one of the caller's filters")))]
async fn of_filter(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<FilterStatus>>> {
    let me = auth.user_with("read:filters")?;
    let found = filters::get(&state.db.primary, me, parse_id(&id)?)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(
        found.statuses.into_iter().map(FilterStatus::from).collect(),
    ))
}

/// Adds a post the caller may see to one of their filters.
#[utoipa::path(post, path = "/api/v2/filters/{id}/statuses", tag = "filters",
    params(("id" = String, Path, description = "The filter")),
    request_body(content = StatusParams, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The FilterStatus", body = FilterStatus),
              (status = 404, description = "Not one of the caller's filters, or no such post the caller may see"),
              (status = 422, description = "No status_id, or the filter is full")))]
async fn add(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<StatusParams>,
) -> ApiResult<Json<FilterStatus>> {
    let me = auth.user_with("write:filters")?;
    let filter = parse_id(&id)?;
    let raw = p.status_id.as_deref().map(str::trim).unwrap_or_default();
    if raw.is_empty() {
        return Err(ApiError::Unprocessable(
            "Validation failed: status_id can't be blank".into(),
        ));
    }
    let status = parse_id(raw)?;
    statuses::visible(&state.db.primary, status, Some(me))
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut tx = state.begin().await?;
    let added = filters::add_status(&mut tx, me, filter, status)
        .await?
        .map_err(refused)?;
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    filtering::forget(&state, me).await;
    Ok(Json(added.into()))
}

/// One post of the caller's filters.
#[utoipa::path(get, path = "/api/v2/filters/statuses/{id}", tag = "filters",
    params(("id" = String, Path, description = "The filtered post's entry")),
    responses((status = 200, description = "The FilterStatus", body = FilterStatus),
              (status = 404, description = "Not an entry of the caller's filters")))]
async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<FilterStatus>> {
    let me = auth.user_with("read:filters")?;
    let found = filters::status(&state.db.primary, me, parse_id(&id)?)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(found.into()))
}

/// Takes a post out of the caller's filters.
#[utoipa::path(delete, path = "/api/v2/filters/statuses/{id}", tag = "filters",
    params(("id" = String, Path, description = "The filtered post's entry")),
    responses((status = 200, description = "An empty object"),
              (status = 404, description = "Not an entry of the caller's filters")))]
async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:filters")?;
    if !filters::delete_status(&state.db.primary, me, parse_id(&id)?).await? {
        return Err(ApiError::NotFound);
    }
    filtering::forget(&state, me).await;
    Ok(Json(json!({})))
}
