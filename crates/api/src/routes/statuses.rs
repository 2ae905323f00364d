//! Reading and removing posts: `GET /api/v1/statuses/:id` and
//! `GET /api/v1/statuses?id[]=` (visibility enforced), `DELETE /api/v1/statuses/:id` (its photos leave S3 through the
//! worker), `GET /api/v1/statuses/:id/context` (the comment thread) and
//! `GET /api/v1/statuses/:id/source` (the text as written, for editing).

use axum::Json;
use axum::extract::{Path, State};
use lookbook_core::db::{reblogs, statuses};
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::accounts::parse_id;

use crate::AppState;
use crate::auth::{Auth, MaybeAuth};
use crate::error::{ApiError, ApiResult};
use crate::filtering::{Context, keep};
use crate::operations::removal;
use crate::params::{IdList, QueryParams};
use crate::statuses::{render, render_visible};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(many))
        .routes(routes!(show, delete))
        .routes(routes!(context))
        .routes(routes!(source))
}

/// Several posts at once (`id[]`), in the order asked; those that do not
/// exist or that the caller may not see are left out.
#[utoipa::path(get, path = "/api/v1/statuses", tag = "statuses",
    params(("id[]" = Vec<String>, Query, description = "Status ids")),
    responses((status = 200, description = "The Statuses the caller may see"),
              (status = 422, description = "More ids than a page holds")))]
async fn many(
    State(state): State<AppState>,
    auth: MaybeAuth,
    QueryParams(p): QueryParams<IdList>,
) -> ApiResult<Json<Vec<Value>>> {
    auth.require_if_present("read:statuses")?;
    let ids = p.ids(state.config.limits.page_max as usize)?;
    let viewer = auth.viewer();
    let visible = statuses::visible_of(state.reader(viewer).await, &ids, viewer).await?;
    render(&state, viewer, &visible).await.map(Json)
}

/// A post, if the caller may see it: followers-only posts only to followers,
/// direct posts only to those mentioned, nothing across a block.
#[utoipa::path(get, path = "/api/v1/statuses/{id}", tag = "statuses",
    params(("id" = String, Path, description = "Status id")),
    responses((status = 200, description = "The Status"), (status = 404, description = "No such post the caller may see")))]
async fn show(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    auth.require_if_present("read:statuses")?;
    let id = parse_id(&id)?;
    render_visible(&state, auth.viewer(), id).await.map(Json)
}

/// Deletes one of the caller's posts or boosts; answers with it, `text`
/// included, so a client can offer to redraft it.
#[utoipa::path(delete, path = "/api/v1/statuses/{id}", tag = "statuses",
    params(("id" = String, Path, description = "Status id")),
    responses((status = 200, description = "The deleted Status with its source text"), (status = 404, description = "No such post of the caller's")))]
async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:statuses")?;
    let row = crate::statuses::own(&state, me, &id).await?;
    let id = row.id;
    let mut entity = render(&state, Some(me), &[id])
        .await?
        .pop()
        .ok_or(ApiError::NotFound)?;
    entity["text"] = row.text.into();
    removal::remove(&state, me, id).await?;
    Ok(Json(entity))
}

/// The thread around a post: the posts it answers (`ancestors`) and the
/// comments under it (`descendants`), oldest first, each only if the caller
/// may see it.
#[utoipa::path(get, path = "/api/v1/statuses/{id}/context", tag = "statuses",
    params(("id" = String, Path, description = "Status id")),
    responses((status = 200, description = "The Context"), (status = 404, description = "No such post the caller may see")))]
async fn context(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    auth.require_if_present("read:statuses")?;
    let id = parse_id(&id)?;
    let viewer = auth.viewer();
    let db = &state.db.primary;
    // A boost's thread is the thread of the post it shares.
    let id = reblogs::target(db, id, viewer)
        .await?
        .ok_or(ApiError::NotFound)?
        .id;
    let ancestors = statuses::ancestors(db, id, viewer).await?;
    let descendants = statuses::descendants(db, id, viewer).await?;
    Ok(Json(json!({
        "ancestors": keep(Context::Thread, render(&state, viewer, &ancestors).await?),
        "descendants": keep(Context::Thread, render(&state, viewer, &descendants).await?),
    })))
}

/// The text of one of the caller's posts as they wrote it, for editing.
#[utoipa::path(get, path = "/api/v1/statuses/{id}/source", tag = "statuses",
    params(("id" = String, Path, description = "Status id")),
    responses((status = 200, description = "id, text, spoiler_text"), (status = 404, description = "No such post of the caller's")))]
async fn source(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("read:statuses")?;
    let row = crate::statuses::own(&state, me, &id).await?;
    Ok(Json(json!({
        "id": row.id.to_string(),
        "text": row.text,
        "spoiler_text": row.spoiler_text,
    })))
}
