//! The Status entity, put together for a page: the cached part of each
//! post ([`base`]), its author's Account (cached, counts added), its counts
//! and the viewer's favourites and bookmarks — a fixed number of cache and
//! database round trips whatever the page's length.

pub mod base;
pub mod polls;

use std::collections::HashMap;

use axum::Json;
use axum::http::HeaderMap;
use lookbook_core::db::counters::Counts;
use lookbook_core::db::{accounts, marks, statuses};
use serde_json::Value;

pub use base::{content_html, item_entity};

use crate::AppState;
use crate::cached::{self, Kind};
use crate::counts;
use crate::entities;
use crate::error::{ApiError, ApiResult};
use crate::filtering::{self, Context};
use crate::pagination::link_header;

/// Authors as Account JSON (cached without counts), with their counts.
pub async fn authors(state: &AppState, ids: &[i64]) -> ApiResult<HashMap<i64, Value>> {
    let loader = state.clone();
    let mut found = cached::many(state, Kind::Account, ids, move |missing| async move {
        let rows = accounts::by_ids(&loader.db.primary, &missing).await?;
        Ok(rows
            .iter()
            .map(|a| (a.id, entities::account(&loader, a, Counts::default())))
            .collect())
    })
    .await?;
    let counts = counts::accounts(state, ids).await?;
    for (id, account) in &mut found {
        let c = counts.get(id).copied().unwrap_or_default();
        account["followers_count"] = c.followers.into();
        account["following_count"] = c.following.into();
        account["statuses_count"] = c.statuses.into();
        account["last_status_at"] = c.last_status_day().into();
    }
    crate::emojis::fill_accounts(state, found.values_mut()).await;
    Ok(found)
}

/// The posts with these ids as Status JSON, in the order given; ids that no
/// longer exist are left out. A boost carries the post it shares under
/// `reblog`, with the viewer's marks of that post and the viewer's filters
/// it matches (`filtered`). Visibility, and leaving out what a `hide`
/// filter matched, are the caller's business.
pub async fn render(state: &AppState, viewer: Option<i64>, ids: &[i64]) -> ApiResult<Vec<Value>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let loader = state.clone();
    let mut bases = cached::many(state, Kind::Status, ids, move |missing| async move {
        base::load(&loader, &missing).await
    })
    .await?;
    let mut shared_ids: Vec<i64> = bases
        .values()
        .filter_map(|b| b["reblog_of_id"].as_i64())
        .collect();
    shared_ids.sort_unstable();
    shared_ids.dedup();
    let shared: HashMap<i64, Value> = if shared_ids.is_empty() {
        HashMap::new()
    } else {
        // A shared post is never a boost itself, so this goes one level deep.
        Box::pin(render(state, viewer, &shared_ids))
            .await?
            .into_iter()
            .filter_map(|s| Some((s["id"].as_str()?.parse().ok()?, s)))
            .collect()
    };
    let mut author_ids: Vec<i64> = bases
        .values()
        .filter_map(|b| b["account_id"].as_i64())
        .collect();
    author_ids.sort_unstable();
    author_ids.dedup();
    let authors = authors(state, &author_ids).await?;
    let db = &state.db.primary;
    let counts = counts::statuses(state, ids).await?;
    let marked = match viewer {
        Some(me) => Some(marks::among(db, me, ids).await?),
        None => None,
    };
    let repeated = {
        let mut sorted = ids.to_vec();
        sorted.sort_unstable();
        sorted.windows(2).any(|w| w[0] == w[1])
    };
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        // Entities move out, unless a post is listed twice (rare).
        let entity = if repeated {
            bases.get(id).cloned()
        } else {
            bases.remove(id)
        };
        let Some(mut entity) = entity else {
            continue;
        };
        let author_id = entity["account_id"].as_i64().unwrap_or_default();
        let Some(author) = authors.get(&author_id) else {
            continue;
        };
        let shared_id = entity["reblog_of_id"].as_i64();
        if let Some(fields) = entity.as_object_mut() {
            fields.remove("account_id");
            fields.remove("reblog_of_id");
        }
        let counts = counts.get(id).copied().unwrap_or_default();
        entity["account"] = author.clone();
        entity["replies_count"] = counts.replies.into();
        entity["favourites_count"] = counts.favourites.into();
        entity["reblogs_count"] = counts.reblogs.into();
        if let Some(marked) = &marked {
            entity["favourited"] = marked.favourites.contains(id).into();
            entity["bookmarked"] = marked.bookmarks.contains(id).into();
            entity["reblogged"] = marked.reblogs.contains(id).into();
            entity["muted"] = marked.muted.contains(id).into();
            entity["pinned"] = marked.pins.contains(id).into();
        }
        if let Some(shared_id) = shared_id {
            // Gone since the boost was read: the boost goes with it.
            let Some(original) = shared.get(&shared_id) else {
                continue;
            };
            for mark in ["favourited", "bookmarked", "reblogged", "muted"] {
                if let Some(on) = original.get(mark) {
                    entity[mark] = on.clone();
                }
            }
            entity["reblog"] = original.clone();
        }
        out.push(entity);
    }
    polls::fill(state, viewer, &mut out).await?;
    crate::emojis::fill_posts(state, &mut out).await;
    if viewer.is_some() {
        let filters = filtering::load(state, viewer).await?;
        for entity in &mut out {
            if entity["reblog"].is_object() {
                entity["filtered"] = entity["reblog"]["filtered"].clone();
            } else {
                filters.mark(entity);
            }
        }
    }
    Ok(out)
}

/// A page with each post once: a post and boosts of it (newest first) show
/// as the newest of them, so a post many followed accounts boost appears
/// once, where it was last shared.
pub fn collapse_boosts(page: Vec<Value>) -> Vec<Value> {
    let mut seen = std::collections::HashSet::new();
    page.into_iter()
        .filter(|entity| {
            let shown = match &entity["reblog"] {
                Value::Null => &entity["id"],
                shared => &shared["id"],
            };
            seen.insert(shown.as_str().unwrap_or_default().to_string())
        })
        .collect()
}

/// One of the member's own posts as stored, or 404 (another member's post
/// does not exist for editing, deleting or reading the source).
pub async fn own(state: &AppState, me: i64, raw_id: &str) -> ApiResult<statuses::Status> {
    let id = crate::routes::accounts::parse_id(raw_id)?;
    statuses::load(&state.db.primary, &[id])
        .await?
        .pop()
        .filter(|s| s.account_id == me)
        .ok_or(ApiError::NotFound)
}

/// One post the viewer may see, or 404. Nobody signed in sees public and
/// unlisted posts, which the cached entity tells without a query; for a
/// member the database decides (follows, mentions, blocks).
pub async fn render_visible(state: &AppState, viewer: Option<i64>, id: i64) -> ApiResult<Value> {
    let entity = render(state, viewer, &[id])
        .await?
        .pop()
        .ok_or(ApiError::NotFound)?;
    let visible = match viewer {
        None => matches!(entity["visibility"].as_str(), Some("public" | "unlisted")),
        Some(me) if entity["account"]["id"].as_str() == Some(me.to_string().as_str()) => true,
        Some(me) => statuses::visible(state.reader(Some(me)).await, id, Some(me))
            .await?
            .is_some(),
    };
    if !visible {
        return Err(ApiError::NotFound);
    }
    Ok(entity)
}

/// A page of posts with its `Link` header; `row_ids` are what the page is
/// keyed by (the posts' ids, or the favourites' or bookmarks' rows).
pub async fn page(
    state: &AppState,
    viewer: Option<i64>,
    context: Option<Context>,
    path: &str,
    row_ids: &[i64],
    status_ids: &[i64],
    limit: i64,
) -> ApiResult<(HeaderMap, Json<Vec<Value>>)> {
    let mut body = render(state, viewer, status_ids).await?;
    if let Some(context) = context {
        body = filtering::keep(context, body);
    }
    let mut headers = HeaderMap::new();
    if let Some(link) = link_header(&state.config.public_url, path, row_ids, limit) {
        headers.insert(axum::http::header::LINK, link);
    }
    Ok((headers, Json(body)))
}
