//! Polls in a page of posts: the cached part of a post keeps its poll as
//! posted (under a private key); the votes and the viewer's own are read
//! for the whole page in one round trip, and only when the page has polls.

use chrono::Utc;
use lookbook_core::db::polls::{self, Poll as Stored};
use serde_json::Value;

use crate::AppState;
use crate::entities::poll::Poll;
use crate::error::ApiResult;

/// Where the cached part of a post keeps its poll.
pub const KEY: &str = "lookbook_poll";

/// Replaces each post's kept poll with the Poll entity as `viewer` sees it.
pub async fn fill(state: &AppState, viewer: Option<i64>, posts: &mut [Value]) -> ApiResult<()> {
    let kept: Vec<(usize, Stored)> = posts
        .iter_mut()
        .enumerate()
        .filter_map(|(i, post)| {
            let stored = post.as_object_mut()?.remove(KEY)?;
            Some((i, serde_json::from_value(stored).ok()?))
        })
        .collect();
    if kept.is_empty() {
        return Ok(());
    }
    let asked: Vec<(i64, usize)> = kept.iter().map(|(_, p)| (p.id, p.options.len())).collect();
    let tallies = polls::tallies(&state.db.primary, &asked, viewer).await?;
    let now = Utc::now();
    for (i, stored) in kept {
        let post = &mut posts[i];
        let author = post["account"]["id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .unwrap_or_default();
        let tally = tallies.get(&stored.id).cloned().unwrap_or_default();
        let poll = Poll::new(&stored, &tally, author, viewer, now);
        post["poll"] = serde_json::to_value(poll).unwrap_or_default();
    }
    Ok(())
}
