//! `unfeed_status` and `refresh_feed`: keep Redis home feeds in line with
//! PostgreSQL — a deleted post leaves its author's followers' feeds, and
//! after a follow, unfollow, block or mute (or their undoing) one account's
//! recent posts enter or leave one member's feed. Readers check every entry
//! anyway; this keeps feeds complete and free of posts that would be
//! skipped. Running either twice gives the same feed.

use anyhow::Context as _;
use lookbook_core::db::relationships::PageBounds;
use lookbook_core::db::timelines;
use lookbook_core::feeds;
use sqlx::PgConnection;

use super::TaskError;
use crate::Context;

const BATCH: i64 = 1000;

fn transient(e: lookbook_core::Error) -> TaskError {
    TaskError::Transient(e.into())
}

/// Removes a deleted post from the author's and their followers' feeds.
pub async fn status(
    ctx: &Context,
    status_id: i64,
    author_id: i64,
    tx: &mut PgConnection,
) -> Result<(), TaskError> {
    feeds::remove_everywhere(&ctx.kv, &[author_id], status_id)
        .await
        .context("removing from the author's feed")
        .map_err(TaskError::Transient)?;
    let mut after = 0;
    loop {
        let page = timelines::followers_page(&mut *tx, author_id, None, None, after, BATCH)
            .await
            .map_err(transient)?;
        let Some((last, _)) = page.last() else { break };
        after = *last;
        let followers: Vec<i64> = page.iter().map(|(_, account)| *account).collect();
        feeds::remove_everywhere(&ctx.kv, &followers, status_id)
            .await
            .context("removing from followers' feeds")
            .map_err(TaskError::Transient)?;
    }
    Ok(())
}

/// Adds the target's recent posts that now belong in the member's home
/// (unless the target is a large account, merged in when read) and removes
/// those that no longer do (posts mentioning the member or carrying
/// a hashtag they follow stay).
pub async fn refresh(
    ctx: &Context,
    account_id: i64,
    target_id: i64,
    tx: &mut PgConnection,
) -> Result<(), TaskError> {
    // Refreshes of one feed take turns, each reading the graph as it is
    // when its turn comes: an older refresh finishing late cannot put back
    // what a newer one took out.
    timelines::lock_feed(&mut *tx, account_id)
        .await
        .map_err(transient)?;
    let bounds = PageBounds {
        max_id: None,
        since_id: None,
        min_id: None,
        limit: ctx.feeds.size as i64,
    };
    let recent = timelines::recent_by(&mut *tx, &[target_id], bounds)
        .await
        .map_err(transient)?;
    let kept = timelines::home_filter(&mut *tx, account_id, &recent)
        .await
        .map_err(transient)?;
    let gone: Vec<i64> = recent.into_iter().filter(|id| !kept.contains(id)).collect();
    feeds::remove(&ctx.kv, account_id, &gone)
        .await
        .context("removing from the member's feed")
        .map_err(TaskError::Transient)?;
    // A large account's posts are merged in when read, never stored.
    let large = timelines::is_large(&mut *tx, target_id, ctx.feeds.fanout_max_followers)
        .await
        .map_err(transient)?;
    if !large {
        feeds::push(&ctx.kv, &[account_id], &kept, ctx.feeds.size)
            .await
            .context("adding to the member's feed")
            .map_err(TaskError::Transient)?;
    }
    Ok(())
}
