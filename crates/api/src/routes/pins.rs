//! Pinning posts to the top of one's profile: `POST /api/v1/statuses/:id/pin`
//! and `unpin` (each idempotent). Pinned posts are listed by
//! `GET /api/v1/accounts/:id/statuses?pinned=true` and carry `pinned: true`
//! for their author.

use axum::Json;
use axum::extract::{Path, State};
use lookbook_core::db::pins::{self, Refusal};
use lookbook_core::db::statuses;
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
        .routes(routes!(pin))
        .routes(routes!(unpin))
}

/// The post, if the caller may see it.
async fn visible(state: &AppState, me: i64, raw: &str) -> ApiResult<i64> {
    statuses::visible(&state.db.primary, parse_id(raw)?, Some(me))
        .await?
        .ok_or(ApiError::NotFound)
}

/// Pins one of the caller's posts to their profile (at most five).
#[utoipa::path(post, path = "/api/v1/statuses/{id}/pin", tag = "statuses",
    params(("id" = String, Path, description = "Status id")),
    responses((status = 200, description = "The Status, pinned"),
              (status = 404, description = "No such post the caller may see"),
              (status = 422, description = "Someone else's post, a boost, a direct post, or five pinned already")))]
async fn pin(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:accounts")?;
    let id = visible(&state, me, &id).await?;
    let mut tx = state.begin().await?;
    let refusal = match pins::pin(&mut tx, me, id).await? {
        Ok(()) => None,
        Err(Refusal::NotOwn) => Some("Someone else's post cannot be pinned".to_string()),
        Err(Refusal::Boost) => Some("A boost cannot be pinned".to_string()),
        Err(Refusal::Direct) => {
            Some("Posts only visible to mentioned members cannot be pinned".to_string())
        }
        Err(Refusal::Full) => Some(format!(
            "You have already pinned the maximum number of posts ({})",
            pins::MAX_PER_ACCOUNT
        )),
    };
    if let Some(reason) = refusal {
        return Err(ApiError::Unprocessable(format!(
            "Validation failed: {reason}"
        )));
    }
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    render_visible(&state, Some(me), id).await.map(Json)
}

/// Unpins one of the caller's posts.
#[utoipa::path(post, path = "/api/v1/statuses/{id}/unpin", tag = "statuses",
    params(("id" = String, Path, description = "Status id")),
    responses((status = 200, description = "The Status, not pinned"),
              (status = 404, description = "No such post the caller may see")))]
async fn unpin(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:accounts")?;
    let id = visible(&state, me, &id).await?;
    pins::unpin(&state.db.primary, me, id).await?;
    render_visible(&state, Some(me), id).await.map(Json)
}
