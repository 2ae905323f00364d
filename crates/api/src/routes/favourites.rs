//! Favourites and bookmarks: `POST /api/v1/statuses/:id/favourite` and
//! `unfavourite`, `bookmark` and `unbookmark` (each idempotent),
//! `GET /api/v1/statuses/:id/favourited_by`, and the caller's lists
//! `GET /api/v1/favourites` and `GET /api/v1/bookmarks`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use lookbook_core::db::marks::{self, Mark};
use lookbook_core::db::notifications::{self, Created, Kind};
use lookbook_core::db::relationships::List;
use lookbook_core::db::{reblogs, statuses};
use lookbook_core::stream;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::accounts::parse_id;
use super::follows::account_page;
use crate::AppState;
use crate::auth::{Auth, MaybeAuth};
use crate::counts;
use crate::error::{ApiError, ApiResult};
use crate::pagination::PageParams;
use crate::params::QueryParams;
use crate::statuses::{self as status_entities, render_visible};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(favourite))
        .routes(routes!(unfavourite))
        .routes(routes!(bookmark))
        .routes(routes!(unbookmark))
        .routes(routes!(favourited_by))
        .routes(routes!(favourites))
        .routes(routes!(bookmarks))
}

/// Sets or clears a mark on a post the caller may see, then shows the post.
async fn change(
    state: &AppState,
    auth: &Auth,
    id: &str,
    mark: Mark,
    on: bool,
) -> ApiResult<Json<Value>> {
    let scope = match mark {
        Mark::Favourite => "write:favourites",
        Mark::Bookmark => "write:bookmarks",
    };
    let me = auth.user_with(scope)?;
    // Marking a boost marks the post it shares.
    let id = reblogs::target(&state.db.primary, parse_id(id)?, Some(me))
        .await?
        .ok_or(ApiError::NotFound)?
        .id;
    let favourite = mark == Mark::Favourite;
    if favourite {
        counts::begin_favourite(state, id).await;
    }
    let outcome: ApiResult<(bool, Option<Created>)> = async {
        let mut tx = state.begin().await?;
        let changed = if on {
            marks::set(&mut tx, mark, me, id).await?
        } else {
            marks::clear(&mut tx, mark, me, id).await?
        };
        // The author hears of a like in the like's own transaction.
        let mut created = None;
        if favourite && changed {
            if on {
                created =
                    notifications::create_for_author(&mut tx, me, Kind::Favourite, id).await?;
            } else {
                notifications::remove_for_author(&mut tx, me, Kind::Favourite, id).await?;
            }
        }
        tx.commit().await.map_err(lookbook_core::Error::from)?;
        Ok((changed, created))
    }
    .await;
    if favourite {
        let delta = match (&outcome, on) {
            (Ok((true, _)), true) => 1,
            (Ok((true, _)), false) => -1,
            _ => 0,
        };
        counts::finish_favourite(state, id, delta).await;
    }
    let (_, created) = outcome?;
    stream::notified(&state.kv, created.as_slice()).await;
    render_visible(state, Some(me), id).await.map(Json)
}

/// Favourites (likes) a post; favouriting again changes nothing.
#[utoipa::path(post, path = "/api/v1/statuses/{id}/favourite", tag = "statuses",
    params(("id" = String, Path, description = "Status id")),
    responses((status = 200, description = "The Status, favourited"), (status = 404, description = "No such post the caller may see")))]
async fn favourite(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    change(&state, &auth, &id, Mark::Favourite, true).await
}

/// Takes a favourite back.
#[utoipa::path(post, path = "/api/v1/statuses/{id}/unfavourite", tag = "statuses",
    params(("id" = String, Path, description = "Status id")),
    responses((status = 200, description = "The Status"), (status = 404, description = "No such post the caller may see")))]
async fn unfavourite(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    change(&state, &auth, &id, Mark::Favourite, false).await
}

/// Bookmarks a post (private to the caller).
#[utoipa::path(post, path = "/api/v1/statuses/{id}/bookmark", tag = "statuses",
    params(("id" = String, Path, description = "Status id")),
    responses((status = 200, description = "The Status, bookmarked"), (status = 404, description = "No such post the caller may see")))]
async fn bookmark(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    change(&state, &auth, &id, Mark::Bookmark, true).await
}

/// Removes a bookmark.
#[utoipa::path(post, path = "/api/v1/statuses/{id}/unbookmark", tag = "statuses",
    params(("id" = String, Path, description = "Status id")),
    responses((status = 200, description = "The Status"), (status = 404, description = "No such post the caller may see")))]
async fn unbookmark(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    change(&state, &auth, &id, Mark::Bookmark, false).await
}

/// Who favourited a post, newest first.
#[utoipa::path(get, path = "/api/v1/statuses/{id}/favourited_by", tag = "statuses",
    params(("id" = String, Path, description = "Status id")),
    responses((status = 200, description = "Accounts, with a Link header"), (status = 404, description = "No such post the caller may see")))]
async fn favourited_by(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
    QueryParams(page): QueryParams<PageParams>,
) -> ApiResult<(HeaderMap, Json<Vec<Value>>)> {
    auth.require_if_present("read:statuses")?;
    let id = parse_id(&id)?;
    statuses::visible(&state.db.primary, id, auth.viewer())
        .await?
        .ok_or(ApiError::NotFound)?;
    let path = format!("/api/v1/statuses/{id}/favourited_by");
    account_page(&state, auth.viewer(), List::FavouritedBy, id, &path, &page).await
}

/// The caller's favourites or bookmarks, newest mark first.
async fn marked(
    state: &AppState,
    auth: &Auth,
    mark: Mark,
    page: &PageParams,
) -> ApiResult<(HeaderMap, Json<Vec<Value>>)> {
    let (scope, path) = match mark {
        Mark::Favourite => ("read:favourites", "/api/v1/favourites"),
        Mark::Bookmark => ("read:bookmarks", "/api/v1/bookmarks"),
    };
    let me = auth.user_with(scope)?;
    let limits = &state.config.limits;
    let bounds = page.bounds(limits.page_default.into(), limits.page_max.into())?;
    let rows = marks::page(&state.db.primary, mark, me, bounds).await?;
    let (row_ids, status_ids): (Vec<i64>, Vec<i64>) = rows.into_iter().unzip();
    status_entities::page(
        state,
        Some(me),
        None,
        path,
        &row_ids,
        &status_ids,
        bounds.limit,
    )
    .await
}

/// Posts the caller favourited.
#[utoipa::path(get, path = "/api/v1/favourites", tag = "statuses",
    responses((status = 200, description = "Statuses, with a Link header")))]
async fn favourites(
    State(state): State<AppState>,
    auth: Auth,
    QueryParams(page): QueryParams<PageParams>,
) -> ApiResult<(HeaderMap, Json<Vec<Value>>)> {
    marked(&state, &auth, Mark::Favourite, &page).await
}

/// Posts the caller bookmarked.
#[utoipa::path(get, path = "/api/v1/bookmarks", tag = "statuses",
    responses((status = 200, description = "Statuses, with a Link header")))]
async fn bookmarks(
    State(state): State<AppState>,
    auth: Auth,
    QueryParams(page): QueryParams<PageParams>,
) -> ApiResult<(HeaderMap, Json<Vec<Value>>)> {
    marked(&state, &auth, Mark::Bookmark, &page).await
}
