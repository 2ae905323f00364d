//! Timelines: `GET /api/v1/timelines/home` (the member's Redis feed, rebuilt
//! from PostgreSQL when missing, with large accounts merged in and every
//! entry checked), `GET /api/v1/timelines/public`,
//! `GET /api/v1/timelines/tag/:hashtag` (`any[]`, `all[]`, `none[]`) and
//! `GET /api/v1/timelines/list/:id` (read from PostgreSQL).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use lookbook_core::db::relationships::PageBounds;
use lookbook_core::db::timelines::{self, PublicFilter};
use lookbook_core::db::{lists, tags};
use lookbook_core::feeds;
use serde::Deserialize;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::accounts::parse_id;
use crate::AppState;
use crate::auth::{Auth, MaybeAuth};
use crate::error::{ApiError, ApiResult};
use crate::filtering::Context;
use crate::pagination::PageParams;
use crate::params::{QueryParams, flex_bool, flex_list};
use crate::statuses::{collapse_boosts, page as status_page};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(home))
        .routes(routes!(public))
        .routes(routes!(tag))
        .routes(routes!(list))
}

/// Rounds of reading the feed when entries turn out stale.
const ROUNDS: usize = 3;

fn bounds(state: &AppState, page: &PageParams) -> ApiResult<PageBounds> {
    let limits = &state.config.limits;
    page.bounds(limits.page_default.into(), limits.page_max.into())
}

/// The ids of `ids` (newest first) inside the bounds, newest first.
fn slice(ids: &[i64], bounds: PageBounds) -> Vec<i64> {
    let inside = ids.iter().copied().filter(|id| {
        bounds.max_id.is_none_or(|max| *id < max) && bounds.lower().is_none_or(|low| *id > low)
    });
    let inside: Vec<i64> = inside.collect();
    let limit = bounds.limit as usize;
    if bounds.ascending() {
        inside[inside.len().saturating_sub(limit)..].to_vec()
    } else {
        inside.into_iter().take(limit).collect()
    }
}

/// Home ids from PostgreSQL alone: when the feed is missing (rebuilt from
/// these), or Redis is down. The posts of `large` accounts are left out:
/// they are merged in on every read.
async fn home_from_database(
    state: &AppState,
    me: i64,
    bounds: PageBounds,
    large: &[i64],
    rebuild: bool,
) -> ApiResult<Vec<i64>> {
    let size = state.config.feeds.size as i64;
    let before = if rebuild { None } else { bounds.max_id };
    // A rebuilt feed is kept, so it is read from the primary: a lagging
    // replica could leave out posts already fanned out.
    let db = if rebuild {
        &state.db.primary
    } else {
        state.reader(Some(me)).await
    };
    if rebuild && let Err(err) = feeds::create(&state.kv, me).await {
        tracing::warn!(error = %err, "could not create a home feed");
    }
    let candidates = timelines::home_candidates(db, me, before, size, large).await?;
    if rebuild
        && let Err(err) = feeds::push(&state.kv, &[me], &candidates, state.config.feeds.size).await
    {
        tracing::warn!(error = %err, "could not fill a rebuilt home feed");
    }
    Ok(slice(&candidates, bounds))
}

/// The page of the member's home timeline.
async fn home_ids(state: &AppState, me: i64, bounds: PageBounds) -> ApiResult<Vec<i64>> {
    let db = state.reader(Some(me)).await;
    // Accounts are merged in from half the fan-out threshold on, so a post
    // of an account hovering around it is always fanned out, merged, or both.
    let threshold = state.config.feeds.fanout_max_followers / 2;
    let large = timelines::large_followed(db, me, threshold).await?;
    let mut upper = bounds.max_id;
    let mut page: Vec<i64> = Vec::new();
    for _ in 0..ROUNDS {
        let want = bounds.limit * 2;
        let from_feed = match feeds::range(
            &state.kv,
            me,
            upper,
            bounds.lower(),
            bounds.ascending(),
            want,
        )
        .await
        {
            Ok(Some(ids)) => ids,
            Ok(None) => {
                return merge_large(
                    db,
                    me,
                    home_from_database(state, me, bounds, &large, true).await?,
                    &large,
                    bounds,
                )
                .await;
            }
            Err(err) => {
                tracing::warn!(error = %err, "home feed unavailable; reading PostgreSQL");
                return merge_large(
                    db,
                    me,
                    home_from_database(state, me, bounds, &large, false).await?,
                    &large,
                    bounds,
                )
                .await;
            }
        };
        let exhausted = (from_feed.len() as i64) < want;
        let next_upper = from_feed.last().copied();
        let mut round = merge_large(
            db,
            me,
            from_feed,
            &large,
            PageBounds {
                max_id: upper,
                ..bounds
            },
        )
        .await?;
        // Merged posts older than the feed read so far wait for the next
        // round: feed entries between them would be skipped otherwise.
        if !exhausted && let Some(floor) = next_upper {
            round.retain(|id| *id >= floor);
        }
        page.append(&mut round);
        page.sort_unstable_by(|a, b| b.cmp(a));
        page.dedup();
        if page.len() as i64 >= bounds.limit || exhausted || bounds.ascending() {
            break;
        }
        upper = next_upper;
    }
    Ok(slice(&page, bounds))
}

/// Adds the posts of followed large accounts (not fanned out) to `ids`, and
/// keeps what still belongs in the member's home, newest first.
async fn merge_large(
    db: &sqlx::PgPool,
    me: i64,
    mut ids: Vec<i64>,
    large: &[i64],
    bounds: PageBounds,
) -> ApiResult<Vec<i64>> {
    if !large.is_empty() {
        ids.extend(timelines::recent_by(db, large, bounds).await?);
    }
    ids.sort_unstable_by(|a, b| b.cmp(a));
    ids.dedup();
    Ok(slice(
        &timelines::home_filter(db, me, &ids).await?,
        PageBounds {
            limit: i64::MAX,
            ..bounds
        },
    ))
}

/// The member's home timeline: their posts, those of whom they follow, posts
/// mentioning them and posts with hashtags they follow, newest first.
#[utoipa::path(get, path = "/api/v1/timelines/home", tag = "timelines",
    responses((status = 200, description = "Statuses, with a Link header")))]
async fn home(
    State(state): State<AppState>,
    auth: Auth,
    QueryParams(page): QueryParams<PageParams>,
) -> ApiResult<(HeaderMap, Json<Vec<Value>>)> {
    let me = auth.user_with("read:statuses")?;
    let bounds = bounds(&state, &page)?;
    let ids = home_ids(&state, me, bounds).await?;
    let (headers, Json(page)) = status_page(
        &state,
        Some(me),
        Some(Context::Home),
        "/api/v1/timelines/home",
        &ids,
        &ids,
        bounds.limit,
    )
    .await?;
    Ok((headers, Json(collapse_boosts(page))))
}

#[derive(Debug, Default, Deserialize)]
struct PublicParams {
    #[serde(default, deserialize_with = "flex_bool")]
    only_media: Option<bool>,
    #[serde(default, deserialize_with = "flex_bool")]
    remote: Option<bool>,
    #[serde(default, deserialize_with = "flex_list")]
    any: Option<Vec<String>>,
    #[serde(default, deserialize_with = "flex_list")]
    all: Option<Vec<String>>,
    #[serde(default, deserialize_with = "flex_list")]
    none: Option<Vec<String>>,
    #[serde(flatten)]
    page: PageParams,
}

fn tag_names(list: &Option<Vec<String>>) -> Vec<String> {
    list.iter()
        .flatten()
        .map(|t| t.trim().trim_start_matches('#').to_lowercase())
        .filter(|t| !t.is_empty())
        .take(10)
        .collect()
}

async fn public_page(
    state: &AppState,
    auth: &MaybeAuth,
    p: &PublicParams,
    hashtag: Option<&str>,
    path: &str,
) -> ApiResult<(HeaderMap, Json<Vec<Value>>)> {
    auth.require_if_present("read:statuses")?;
    let bounds = bounds(state, &p.page)?;
    // Every post here is local: a remote-only timeline is empty.
    if p.remote == Some(true) {
        return status_page(state, None, None, path, &[], &[], bounds.limit).await;
    }
    let mut any = tag_names(&p.any);
    if let Some(tag) = hashtag {
        any.push(tag.trim_start_matches('#').to_lowercase());
    }
    // Hashtags nobody used match nothing: answered without walking the
    // public posts looking for them.
    let all = tag_names(&p.all);
    if !any.is_empty() || !all.is_empty() {
        let asked: Vec<String> = any.iter().chain(&all).cloned().collect();
        let known = tags::existing(&state.db.primary, &asked).await?;
        any.retain(|t| known.contains(t));
        let unknown_all = all.iter().any(|t| !known.contains(t));
        let asked_any = hashtag.is_some() || !tag_names(&p.any).is_empty();
        if (asked_any && any.is_empty()) || unknown_all {
            return status_page(state, None, None, path, &[], &[], bounds.limit).await;
        }
    }
    let filter = PublicFilter {
        only_media: p.only_media.unwrap_or(false),
        any,
        all,
        none: tag_names(&p.none),
    };
    // The Link header keeps the filters, so the next page is filtered too.
    let query = {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if filter.only_media {
            query.append_pair("only_media", "true");
        }
        for (name, list) in [("any[]", &p.any), ("all[]", &p.all), ("none[]", &p.none)] {
            for tag in tag_names(list) {
                query.append_pair(name, &tag);
            }
        }
        query.finish()
    };
    let path = if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    };
    let path = path.as_str();
    let db = state.reader(auth.viewer()).await;
    let ids = timelines::public(db, auth.viewer(), &filter, bounds).await?;
    status_page(
        state,
        auth.viewer(),
        Some(Context::Public),
        path,
        &ids,
        &ids,
        bounds.limit,
    )
    .await
}

/// Public posts, newest first (comments on others' posts left out).
#[utoipa::path(get, path = "/api/v1/timelines/public", tag = "timelines",
    params(("only_media" = Option<bool>, Query, description = "Only posts with photos")),
    responses((status = 200, description = "Statuses, with a Link header")))]
async fn public(
    State(state): State<AppState>,
    auth: MaybeAuth,
    QueryParams(p): QueryParams<PublicParams>,
) -> ApiResult<(HeaderMap, Json<Vec<Value>>)> {
    public_page(&state, &auth, &p, None, "/api/v1/timelines/public").await
}

/// Public posts with a hashtag (or one of `any[]`, all of `all[]`, none of
/// `none[]`), newest first.
#[utoipa::path(get, path = "/api/v1/timelines/tag/{hashtag}", tag = "timelines",
    params(("hashtag" = String, Path, description = "The hashtag, without #")),
    responses((status = 200, description = "Statuses, with a Link header")))]
async fn tag(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(hashtag): Path<String>,
    QueryParams(p): QueryParams<PublicParams>,
) -> ApiResult<(HeaderMap, Json<Vec<Value>>)> {
    let tag: String = form_urlencoded::byte_serialize(hashtag.to_lowercase().as_bytes()).collect();
    let path = format!("/api/v1/timelines/tag/{tag}");
    public_page(&state, &auth, &p, Some(&hashtag), &path).await
}

/// Posts and boosts by the members of one of the caller's lists, newest
/// first, with the comments the list's `replies_policy` lets through.
#[utoipa::path(get, path = "/api/v1/timelines/list/{list_id}", tag = "timelines",
    params(("list_id" = String, Path, description = "List id")),
    responses((status = 200, description = "Statuses, with a Link header"),
              (status = 404, description = "No such list of the caller's")))]
async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Path(list_id): Path<String>,
    QueryParams(page): QueryParams<PageParams>,
) -> ApiResult<(HeaderMap, Json<Vec<Value>>)> {
    let me = auth.user_with("read:lists")?;
    let list = lists::get(&state.db.primary, me, parse_id(&list_id)?)
        .await?
        .ok_or(ApiError::NotFound)?;
    let bounds = bounds(&state, &page)?;
    let db = state.reader(Some(me)).await;
    // The page is bounded by the candidates read, so a post left out (a
    // muted member's, say) does not end the paging early.
    let (candidates, ids) = timelines::list(db, me, list.id, &list.replies_policy, bounds).await?;
    let path = format!("/api/v1/timelines/list/{}", list.id);
    let (headers, Json(page)) = status_page(
        &state,
        Some(me),
        Some(Context::Home),
        &path,
        &candidates,
        &ids,
        bounds.limit,
    )
    .await?;
    Ok((headers, Json(collapse_boosts(page))))
}
