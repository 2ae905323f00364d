//! Announcements from the operators: `GET /api/v1/announcements` (the
//! running ones), `POST /api/v1/announcements/:id/dismiss` (mark one read),
//! and `PUT|DELETE /api/v1/announcements/:id/reactions/:name` (react with an
//! emoji). Operators publish them with `lookbook-api announce`.

use axum::Json;
use axum::extract::{Path, State};
use lookbook_core::db::announcements;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Auth;
use crate::entities::announcement::{Announcement, render};
use crate::error::{ApiError, ApiResult};
use crate::operations::announcements::{self as operations, ReactionName};
use crate::params::{QueryParams, flex_bool};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(index))
        .routes(routes!(dismiss))
        .routes(routes!(react, unreact))
}

/// The query of `GET /api/v1/announcements`.
#[derive(Debug, Default, Deserialize)]
struct ListParams {
    #[serde(default, deserialize_with = "flex_bool")]
    with_dismissed: Option<bool>,
}

/// An announcement's id from the path; anything else is a missing record.
fn announcement_id(raw: &str) -> ApiResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(ApiError::NotFound)
}

/// The running announcements (started or without a start, not ended),
/// newest first, each with whether the member marked it read.
#[utoipa::path(get, path = "/api/v1/announcements", tag = "instance",
    params(("with_dismissed" = Option<bool>, Query, description = "Include those the member marked read")),
    responses((status = 200, description = "The Announcements", body = [Announcement]),
              (status = 401, description = "No valid token"),
              (status = 422, description = "An app token, not a member's")))]
async fn index(
    State(state): State<AppState>,
    auth: Auth,
    QueryParams(p): QueryParams<ListParams>,
) -> ApiResult<Json<Vec<Announcement>>> {
    let me = auth.user()?;
    let with_dismissed = p.with_dismissed.unwrap_or(false);
    let shown = announcements::running(&state.db.primary, me, with_dismissed).await?;
    Ok(Json(render(&state, me, &shown).await?))
}

/// Marks a running announcement read for the member (again: no change).
#[utoipa::path(post, path = "/api/v1/announcements/{id}/dismiss", tag = "instance",
    params(("id" = String, Path, description = "Announcement id")),
    responses((status = 200, description = "An empty object"),
              (status = 404, description = "No such running announcement")))]
async fn dismiss(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Map<String, Value>>> {
    let me = auth.user_with("write:accounts")?;
    let id = announcement_id(&id)?;
    if !announcements::dismiss(&state.db.primary, me, id).await? {
        return Err(ApiError::NotFound);
    }
    Ok(Json(Map::new()))
}

/// Reacts to a running announcement with one Unicode emoji or a custom
/// emoji's shortcode (again: no change). An announcement holds at most
/// eight different reactions.
#[utoipa::path(put, path = "/api/v1/announcements/{id}/reactions/{name}", tag = "instance",
    params(("id" = String, Path, description = "Announcement id"),
           ("name" = String, Path, description = "A Unicode emoji, or a custom emoji's shortcode")),
    responses((status = 200, description = "An empty object"),
              (status = 404, description = "No such running announcement"),
              (status = 422, description = "Not an emoji, or eight different reactions already")))]
async fn react(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, name)): Path<(String, String)>,
) -> ApiResult<Json<Map<String, Value>>> {
    let me = auth.user_with("write:favourites")?;
    let id = announcement_id(&id)?;
    let name = ReactionName::parse(&state.db.primary, &name).await?;
    operations::react(&state.db.primary, &state.kv, me, id, &name).await?;
    Ok(Json(Map::new()))
}

/// Takes the member's reaction back (none there: no change).
#[utoipa::path(delete, path = "/api/v1/announcements/{id}/reactions/{name}", tag = "instance",
    params(("id" = String, Path, description = "Announcement id"),
           ("name" = String, Path, description = "A Unicode emoji, or a custom emoji's shortcode")),
    responses((status = 200, description = "An empty object"),
              (status = 404, description = "No such running announcement")))]
async fn unreact(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, name)): Path<(String, String)>,
) -> ApiResult<Json<Map<String, Value>>> {
    let me = auth.user_with("write:favourites")?;
    let id = announcement_id(&id)?;
    operations::unreact(&state.db.primary, &state.kv, me, id, &name).await?;
    Ok(Json(Map::new()))
}
