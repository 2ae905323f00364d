//! Boosts: `POST /api/v1/statuses/:id/reblog` and `unreblog` (each
//! idempotent) and `GET /api/v1/statuses/:id/reblogged_by`. A boost shares
//! a public or unlisted post with the booster's followers; members may
//! boost their own followers-only posts, which stay followers-only.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use lookbook_core::db::notifications::{self, Kind as NoteKind};
use lookbook_core::db::relationships::List;
use lookbook_core::db::{accounts, ids, reblogs};
use lookbook_core::stream;
use lookbook_core::tasks::{self, Task};
use serde::Deserialize;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::accounts::parse_id;
use super::follows::account_page;
use crate::AppState;
use crate::auth::{Auth, MaybeAuth};
use crate::counts;
use crate::error::{ApiError, ApiResult};
use crate::operations::removal;
use crate::pagination::PageParams;
use crate::params::{Params, QueryParams, flex_string};
use crate::statuses::{render, render_visible};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(reblog))
        .routes(routes!(unreblog))
        .routes(routes!(reblogged_by))
}

/// What a boost may be seen as.
const VISIBILITIES: &[&str] = &["public", "unlisted", "private"];

/// The body of `POST /api/v1/statuses/:id/reblog` (a form or JSON).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = ReblogForm)]
struct ReblogParams {
    /// Who sees the boost: `public`, `unlisted` or `private` (default: the
    /// member's default visibility, `private` when that is `direct`). A
    /// boost of a followers-only post is followers-only.
    #[schema(value_type = String, required = false, pattern = "^(public|unlisted|private)?$")]
    #[serde(default, deserialize_with = "flex_string")]
    visibility: Option<String>,
}

/// Boosts a post: it appears, as the caller's boost, in their followers'
/// home timelines, and its author is notified. Boosting again answers the
/// same boost.
#[utoipa::path(post, path = "/api/v1/statuses/{id}/reblog", tag = "statuses",
    params(("id" = String, Path, description = "Status id")),
    request_body(content = ReblogParams, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The boost: a Status with the boosted Status under `reblog`"),
              (status = 403, description = "Followers-only and direct posts of others cannot be boosted"),
              (status = 404, description = "No such post the caller may see"),
              (status = 422, description = "Unknown visibility")))]
async fn reblog(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<ReblogParams>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:statuses")?;
    let shared = reblogs::target(&state.db.primary, parse_id(&id)?, Some(me))
        .await?
        .ok_or(ApiError::NotFound)?;
    let own = shared.account_id == me;
    let visibility = match shared.visibility.as_str() {
        "public" | "unlisted" => match p.visibility.filter(|v| !v.is_empty()) {
            Some(v) => v,
            // A default of direct (not a boost's) shares with followers.
            None => match accounts::by_id(&state.db.primary, me)
                .await?
                .ok_or(ApiError::NotFound)?
                .privacy
                .as_str()
            {
                "direct" => "private".to_string(),
                default => default.to_string(),
            },
        },
        "private" if own => "private".to_string(),
        _ => return Err(ApiError::Forbidden("This action is not allowed".into())),
    };
    if !VISIBILITIES.contains(&visibility.as_str()) {
        return Err(ApiError::Unprocessable(format!(
            "Validation failed: visibility must be one of {}",
            VISIBILITIES.join(", ")
        )));
    }
    let id = ids::next(&state.db.primary).await?;
    let mut tx = state.begin().await?;
    let boosted = reblogs::insert(
        &mut tx,
        id,
        me,
        shared.id,
        &visibility,
        Some(auth.grant.app_id),
    )
    .await?;
    let mut notified = Vec::new();
    if boosted {
        notified.extend(
            notifications::create_for_author(&mut tx, me, NoteKind::Reblog, shared.id).await?,
        );
        tasks::enqueue(&mut tx, &Task::FanOut { status_id: id }).await?;
    }
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    let boost = if boosted {
        counts::forget_statuses(&state, &[shared.id]).await;
        stream::notified(&state.kv, &notified).await;
        id
    } else {
        reblogs::mine(&state.db.primary, me, shared.id)
            .await?
            .ok_or(ApiError::NotFound)?
            .0
    };
    render(&state, Some(me), &[boost])
        .await?
        .pop()
        .map(Json)
        .ok_or(ApiError::NotFound)
}

/// Takes back the caller's boost of a post (nothing to take back is fine);
/// answers the post that was boosted.
#[utoipa::path(post, path = "/api/v1/statuses/{id}/unreblog", tag = "statuses",
    params(("id" = String, Path, description = "Status id")),
    responses((status = 200, description = "The Status that was boosted"),
              (status = 404, description = "No such post the caller may see")))]
async fn unreblog(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:statuses")?;
    let id = parse_id(&id)?;
    match reblogs::mine(&state.db.primary, me, id).await? {
        // The post the caller had shared, also when its author has blocked
        // them since.
        Some((boost, shared)) => {
            removal::remove_boost(&state, me, boost).await?;
            render(&state, Some(me), &[shared])
                .await?
                .pop()
                .map(Json)
                .ok_or(ApiError::NotFound)
        }
        // Nothing to take back: the post, if the caller may see it.
        None => {
            let shared = reblogs::target(&state.db.primary, id, Some(me))
                .await?
                .ok_or(ApiError::NotFound)?;
            render_visible(&state, Some(me), shared.id).await.map(Json)
        }
    }
}

/// Who boosted a post, newest first.
#[utoipa::path(get, path = "/api/v1/statuses/{id}/reblogged_by", tag = "statuses",
    params(("id" = String, Path, description = "Status id")),
    responses((status = 200, description = "Accounts, with a Link header"), (status = 404, description = "No such post the caller may see")))]
async fn reblogged_by(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
    QueryParams(page): QueryParams<PageParams>,
) -> ApiResult<(HeaderMap, Json<Vec<Value>>)> {
    auth.require_if_present("read:statuses")?;
    let shared = reblogs::target(&state.db.primary, parse_id(&id)?, auth.viewer())
        .await?
        .ok_or(ApiError::NotFound)?;
    let path = format!("/api/v1/statuses/{}/reblogged_by", shared.id);
    account_page(
        &state,
        auth.viewer(),
        List::RebloggedBy,
        shared.id,
        &path,
        &page,
    )
    .await
}
