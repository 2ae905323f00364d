//! A member's posts and boosts: `GET /api/v1/accounts/:id/statuses`, with
//! `only_media`, `exclude_replies`, `exclude_reblogs`, `tagged` and
//! `pinned`, showing only what the caller may see.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use lookbook_core::db::pins;
use lookbook_core::db::statuses::{self, AccountFilter};
use serde::Deserialize;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::accounts::{load, parse_id};
use crate::AppState;
use crate::auth::MaybeAuth;
use crate::error::ApiResult;
use crate::filtering::Context;
use crate::pagination::PageParams;
use crate::params::{QueryParams, flex_bool, flex_string};
use crate::statuses::page as status_page;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(account_statuses))
}

#[derive(Debug, Default, Deserialize)]
struct Filters {
    #[serde(default, deserialize_with = "flex_bool")]
    only_media: Option<bool>,
    #[serde(default, deserialize_with = "flex_bool")]
    exclude_replies: Option<bool>,
    #[serde(default, deserialize_with = "flex_bool")]
    exclude_reblogs: Option<bool>,
    #[serde(default, deserialize_with = "flex_bool")]
    pinned: Option<bool>,
    #[serde(default, deserialize_with = "flex_string")]
    tagged: Option<String>,
    #[serde(flatten)]
    page: PageParams,
}

/// An account's posts, newest first.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/statuses", tag = "accounts",
    params(("id" = String, Path, description = "Account id"),
           ("only_media" = Option<bool>, Query, description = "Only posts with photos"),
           ("exclude_replies" = Option<bool>, Query, description = "Leave out comments on others' posts"),
           ("exclude_reblogs" = Option<bool>, Query, description = "Leave out boosts"),
           ("tagged" = Option<String>, Query, description = "Only posts with this hashtag"),
           ("pinned" = Option<bool>, Query, description = "Only the posts pinned to the profile, newest pin first")),
    responses((status = 200, description = "Statuses, with a Link header"), (status = 404, description = "No such account")))]
async fn account_statuses(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
    QueryParams(f): QueryParams<Filters>,
) -> ApiResult<(HeaderMap, Json<Vec<Value>>)> {
    auth.require_if_present("read:statuses")?;
    let owner = load(&state, parse_id(&id)?).await?;
    let limits = &state.config.limits;
    let bounds = f
        .page
        .bounds(limits.page_default.into(), limits.page_max.into())?;
    let path = format!("/api/v1/accounts/{}/statuses", owner.id);
    // The pinned posts all at once, newest pin first.
    if f.pinned == Some(true) {
        let db = state.reader(auth.viewer()).await;
        let ids = pins::of_account(db, owner.id, auth.viewer()).await?;
        return status_page(
            &state,
            auth.viewer(),
            Some(Context::Account),
            &path,
            &[],
            &ids,
            bounds.limit,
        )
        .await;
    }
    let tagged = f.tagged.as_deref().map(|t| t.trim_start_matches('#'));
    let filter = AccountFilter {
        only_media: f.only_media.unwrap_or(false),
        exclude_replies: f.exclude_replies.unwrap_or(false),
        exclude_reblogs: f.exclude_reblogs.unwrap_or(false),
        tagged,
    };
    let ids = statuses::by_account(
        state.reader(auth.viewer()).await,
        owner.id,
        auth.viewer(),
        &filter,
        bounds,
    )
    .await?;
    status_page(
        &state,
        auth.viewer(),
        Some(Context::Account),
        &path,
        &ids,
        &ids,
        bounds.limit,
    )
    .await
}
