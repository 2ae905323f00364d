//! Blocking and muting, and the lists of blocked and muted accounts.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use chrono::{Duration, Utc};
use lookbook_core::db::graph::Change;
use lookbook_core::db::relationships::List;
use serde::Deserialize;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::follows::{account_page, change};
use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::pagination::PageParams;
use crate::params::{Params, QueryParams, flex_bool, flex_i64};

/// The longest mute with a duration: a hundred years (longer is "forever").
const MUTE_MAX_SECS: i64 = 100 * 365 * 24 * 3600;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(block))
        .routes(routes!(unblock))
        .routes(routes!(mute))
        .routes(routes!(unmute))
        .routes(routes!(blocks))
        .routes(routes!(mutes))
}

/// Blocks an account: follows between the two end, both ways.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/block", tag = "blocks",
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, description = "The Relationship"), (status = 404, description = "No such account")))]
async fn block(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    change(&state, &auth, "write:blocks", &id, Change::Block).await
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/unblock", tag = "blocks",
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, description = "The Relationship"), (status = 404, description = "No such account")))]
async fn unblock(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    change(&state, &auth, "write:blocks", &id, Change::Unblock).await
}

/// The body of `POST /api/v1/accounts/:id/mute` (a form or JSON).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = MuteForm)]
struct MuteParams {
    /// Whether their notifications are muted too (default true); a boolean
    /// read as Mastodon reads it: false, f, 0 or off mean false.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_bool")]
    notifications: Option<bool>,
    /// Seconds until the mute ends; 0 or absent: until unmuted.
    #[schema(minimum = 0)]
    #[serde(default, deserialize_with = "flex_i64")]
    duration: Option<i64>,
}

/// Mutes an account, optionally for `duration` seconds (0: until unmuted).
#[utoipa::path(post, path = "/api/v1/accounts/{id}/mute", tag = "blocks",
    params(("id" = String, Path, description = "Account id")),
    request_body(content = MuteParams, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The Relationship"), (status = 404, description = "No such account"), (status = 422, description = "Bad duration")))]
async fn mute(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<MuteParams>,
) -> ApiResult<Json<Value>> {
    auth.require("write:mutes")?;
    let expires_at = match p.duration.unwrap_or(0) {
        0 => None,
        secs if (1..=MUTE_MAX_SECS).contains(&secs) => Some(Utc::now() + Duration::seconds(secs)),
        other => {
            return Err(ApiError::Unprocessable(format!(
                "duration must be between 0 and {MUTE_MAX_SECS} seconds, got {other}"
            )));
        }
    };
    let hide_notifications = p.notifications.unwrap_or(true);
    change(
        &state,
        &auth,
        "write:mutes",
        &id,
        Change::Mute {
            hide_notifications,
            expires_at,
        },
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/unmute", tag = "blocks",
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, description = "The Relationship"), (status = 404, description = "No such account")))]
async fn unmute(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    change(&state, &auth, "write:mutes", &id, Change::Unmute).await
}

/// Accounts the caller blocks, newest block first.
#[utoipa::path(get, path = "/api/v1/blocks", tag = "blocks",
    responses((status = 200, description = "Accounts, with a Link header")))]
async fn blocks(
    State(state): State<AppState>,
    auth: Auth,
    QueryParams(page): QueryParams<PageParams>,
) -> ApiResult<(HeaderMap, Json<Vec<Value>>)> {
    let me = auth.user_with("read:blocks")?;
    account_page(&state, None, List::Blocks, me, "/api/v1/blocks", &page).await
}

/// Accounts the caller mutes, newest mute first, with `mute_expires_at`.
#[utoipa::path(get, path = "/api/v1/mutes", tag = "blocks",
    responses((status = 200, description = "Accounts, with a Link header")))]
async fn mutes(
    State(state): State<AppState>,
    auth: Auth,
    QueryParams(page): QueryParams<PageParams>,
) -> ApiResult<(HeaderMap, Json<Vec<Value>>)> {
    let me = auth.user_with("read:mutes")?;
    account_page(&state, None, List::Mutes, me, "/api/v1/mutes", &page).await
}
