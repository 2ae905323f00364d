//! Hashtags: `GET /api/v1/tags/:name`, following them
//! (`POST /api/v1/tags/:name/follow` and `unfollow`; a followed tag's posts
//! reach the home timeline) and `GET /api/v1/followed_tags`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use lookbook_core::db::tags;
use lookbook_core::feeds;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{Auth, MaybeAuth};
use crate::entities::tag::{self, Tag};
use crate::error::{ApiError, ApiResult};
use crate::pagination::{PageParams, link_header};
use crate::params::QueryParams;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(show))
        .routes(routes!(follow))
        .routes(routes!(unfollow))
        .routes(routes!(followed_tags))
}

/// A tag name as stored: without `#`, lowercase, letters, digits and `_`
/// (not only digits), up to 100 characters; none for what is not one.
pub fn tag_name(raw: &str) -> Option<String> {
    let name = raw.trim().trim_start_matches('#').to_lowercase();
    let valid = !name.is_empty()
        && name.chars().count() <= 100
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
        && name.chars().any(|c| !c.is_ascii_digit());
    valid.then_some(name)
}

/// [`tag_name`], or 404: a name that is not a tag names no tag.
fn normalize(raw: &str) -> ApiResult<String> {
    tag_name(raw).ok_or(ApiError::NotFound)
}

/// One tag with its week of use.
async fn one(state: &AppState, name: &str, following: Option<bool>) -> ApiResult<Json<Tag>> {
    let mut tags = tag::hydrate(state, &[(name.to_string(), following)]).await?;
    Ok(Json(tags.remove(0)))
}

/// A hashtag, and whether the caller follows it.
#[utoipa::path(get, path = "/api/v1/tags/{name}", tag = "timelines",
    params(("name" = String, Path, description = "The hashtag, without #")),
    responses((status = 200, description = "The Tag", body = Tag), (status = 404, description = "No post has used it")))]
async fn show(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(name): Path<String>,
) -> ApiResult<Json<Tag>> {
    auth.require_if_present("read:statuses")?;
    let name = normalize(&name)?;
    tags::shown_id(&state.db.primary, &name, auth.viewer())
        .await?
        .ok_or(ApiError::NotFound)?;
    let following = match auth.viewer() {
        Some(me) => Some(tags::follows(&state.db.primary, me, &name).await?),
        None => None,
    };
    one(&state, &name, following).await
}

/// Follows or stops following a hashtag, then drops the member's home feed
/// so the next read rebuilds it with (or without) the tag's posts. Readers
/// check every entry, so failing to drop it costs completeness for a while,
/// never correctness.
async fn change(state: &AppState, auth: &Auth, name: &str, follow: bool) -> ApiResult<Json<Tag>> {
    let me = auth.user_with("write:follows")?;
    let name = normalize(name)?;
    if follow {
        tags::follow(&state.db.primary, me, &name).await?;
    } else {
        tags::unfollow(&state.db.primary, me, &name).await?;
    }
    if let Err(err) = feeds::forget(&state.kv, me).await {
        tracing::warn!(error = %err, "could not drop a home feed after a tag follow change");
    }
    one(state, &name, Some(follow)).await
}

/// Follows a hashtag: its posts reach the caller's home timeline.
#[utoipa::path(post, path = "/api/v1/tags/{name}/follow", tag = "timelines",
    params(("name" = String, Path, description = "The hashtag, without #")),
    responses((status = 200, description = "The Tag, followed", body = Tag)))]
async fn follow(
    State(state): State<AppState>,
    auth: Auth,
    Path(name): Path<String>,
) -> ApiResult<Json<Tag>> {
    change(&state, &auth, &name, true).await
}

/// Stops following a hashtag.
#[utoipa::path(post, path = "/api/v1/tags/{name}/unfollow", tag = "timelines",
    params(("name" = String, Path, description = "The hashtag, without #")),
    responses((status = 200, description = "The Tag", body = Tag)))]
async fn unfollow(
    State(state): State<AppState>,
    auth: Auth,
    Path(name): Path<String>,
) -> ApiResult<Json<Tag>> {
    change(&state, &auth, &name, false).await
}

/// The hashtags the caller follows, newest first.
#[utoipa::path(get, path = "/api/v1/followed_tags", tag = "timelines",
    responses((status = 200, description = "Tags, with a Link header", body = [Tag])))]
async fn followed_tags(
    State(state): State<AppState>,
    auth: Auth,
    QueryParams(page): QueryParams<PageParams>,
) -> ApiResult<(HeaderMap, Json<Vec<Tag>>)> {
    let me = auth.user_with("read:follows")?;
    let limits = &state.config.limits;
    let bounds = page.bounds(limits.page_default.into(), limits.page_max.into())?;
    let rows = tags::followed(&state.db.primary, me, bounds).await?;
    let row_ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    let names: Vec<(String, Option<bool>)> = rows
        .iter()
        .map(|(_, name)| (name.clone(), Some(true)))
        .collect();
    let body = tag::hydrate(&state, &names).await?;
    let mut headers = HeaderMap::new();
    let link = link_header(
        &state.config.public_url,
        "/api/v1/followed_tags",
        &row_ids,
        bounds.limit,
    );
    if let Some(link) = link {
        headers.insert(axum::http::header::LINK, link);
    }
    Ok((headers, Json(body)))
}
