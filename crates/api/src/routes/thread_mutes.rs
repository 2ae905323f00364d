//! Muting a thread: `POST /api/v1/statuses/:id/mute` and `unmute` (each
//! idempotent). Nothing about a muted thread notifies the member (comments,
//! mentions, likes, boosts, edits), and its posts carry `muted: true`.

use axum::Json;
use axum::extract::{Path, State};
use lookbook_core::db::{reblogs, thread_mutes};
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::accounts::parse_id;
use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::statuses::render_visible;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(mute))
        .routes(routes!(unmute))
}

/// The post `raw` names (a boost names the post it shares), if the caller
/// may see it.
async fn target(state: &AppState, me: i64, raw: &str) -> ApiResult<i64> {
    Ok(reblogs::target(&state.db.primary, parse_id(raw)?, Some(me))
        .await?
        .ok_or(ApiError::NotFound)?
        .id)
}

/// Stops notifications about the thread the post belongs to.
#[utoipa::path(post, path = "/api/v1/statuses/{id}/mute", tag = "statuses",
    params(("id" = String, Path, description = "Status id")),
    responses((status = 200, description = "The Status, muted"),
              (status = 404, description = "No such post the caller may see")))]
async fn mute(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:mutes")?;
    let id = target(&state, me, &id).await?;
    thread_mutes::mute(&state.db.primary, me, id).await?;
    render_visible(&state, Some(me), id).await.map(Json)
}

/// Lets notifications about the thread through again.
#[utoipa::path(post, path = "/api/v1/statuses/{id}/unmute", tag = "statuses",
    params(("id" = String, Path, description = "Status id")),
    responses((status = 200, description = "The Status"),
              (status = 404, description = "No such post the caller may see")))]
async fn unmute(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:mutes")?;
    let id = target(&state, me, &id).await?;
    thread_mutes::unmute(&state.db.primary, me, id).await?;
    render_visible(&state, Some(me), id).await.map(Json)
}
