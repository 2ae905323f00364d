//! Direct posts as an inbox: `GET /api/v1/conversations`,
//! `DELETE /api/v1/conversations/:id` and `POST /api/v1/conversations/:id/read`.
//! Conversations are filed where direct posts are written
//! ([`super::compose`]) and deleted ([`crate::operations::removal`]).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use lookbook_core::db::conversations;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::accounts::parse_id;
use crate::AppState;
use crate::auth::Auth;
use crate::entities::conversation::{Conversation, hydrate};
use crate::error::{ApiError, ApiResult};
use crate::pagination::{PageParams, link_header};
use crate::params::QueryParams;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(inbox))
        .routes(routes!(hide))
        .routes(routes!(read))
}

/// The caller's conversations, the one with the newest post first; paged
/// by the newest post's id.
#[utoipa::path(get, path = "/api/v1/conversations", tag = "statuses",
    params(("max_id" = Option<String>, Query, description = "Older than this post"),
           ("since_id" = Option<String>, Query, description = "Newer than this post"),
           ("min_id" = Option<String>, Query, description = "Just newer than this post"),
           ("limit" = Option<i64>, Query, description = "At most 40; 20 when absent")),
    responses((status = 200, description = "Conversations, with a Link header", body = [Conversation])))]
async fn inbox(
    State(state): State<AppState>,
    auth: Auth,
    QueryParams(page): QueryParams<PageParams>,
) -> ApiResult<(HeaderMap, Json<Vec<Conversation>>)> {
    let me = auth.user_with("read:statuses")?;
    let bounds = page.bounds(20, 40)?;
    let rows = conversations::page(&state.db.primary, me, bounds).await?;
    let keys: Vec<i64> = rows.iter().map(|r| r.last_status_id).collect();
    let body = hydrate(&state, me, &rows).await?;
    let mut headers = HeaderMap::new();
    if let Some(link) = link_header(
        &state.config.public_url,
        "/api/v1/conversations",
        &keys,
        bounds.limit,
    ) {
        headers.insert(axum::http::header::LINK, link);
    }
    Ok((headers, Json(body)))
}

/// Takes a conversation out of the caller's inbox; its posts stay, and the
/// next direct post in it brings it back.
#[utoipa::path(delete, path = "/api/v1/conversations/{id}", tag = "statuses",
    params(("id" = String, Path, description = "The conversation")),
    responses((status = 200, description = "An empty object"),
              (status = 404, description = "Not one of the caller's conversations")))]
async fn hide(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:conversations")?;
    if !conversations::hide(&state.db.primary, me, parse_id(&id)?).await? {
        return Err(ApiError::NotFound);
    }
    Ok(Json(json!({})))
}

/// Marks a conversation read.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/read", tag = "statuses",
    params(("id" = String, Path, description = "The conversation")),
    responses((status = 200, description = "The Conversation, read", body = Conversation),
              (status = 404, description = "Not one of the caller's conversations")))]
async fn read(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Conversation>> {
    let me = auth.user_with("write:conversations")?;
    let row = conversations::mark_read(&state.db.primary, me, parse_id(&id)?)
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut shown = hydrate(&state, me, &[row]).await?;
    Ok(Json(shown.remove(0)))
}
