//! `fan_out`: puts a new post into the Redis home feeds of those who should
//! see it — the author, the followers (for a comment on someone else's
//! post, only followers of both), those mentioned and those following one
//! of its hashtags — in batches (a boost reaches the booster's followers).
//! Authors with very many followers are skipped: readers merge their posts
//! in. Adding a post twice is a no-op.
//! Followers who asked (`notify`) get a `status` notification, and every
//! stream that should show the post hears of it once the task commits.

use anyhow::Context as _;
use lookbook_core::db::{notifications, statuses, timelines};
use lookbook_core::feeds;
use lookbook_core::stream::{Channel, Event};
use sqlx::PgConnection;

use super::TaskError;
use crate::Context;

/// Followers read and fed per round.
const BATCH: i64 = 1000;

/// Reads through `tx`, the connection the task already holds: taking a
/// second one from the pool while holding the first is how a burst of tasks
/// starves the pool.
pub async fn run(
    ctx: &Context,
    status_id: i64,
    tx: &mut PgConnection,
    events: &mut Vec<(Channel, Event)>,
) -> Result<(), TaskError> {
    let transient = |e: lookbook_core::Error| TaskError::Transient(e.into());
    let Some(status) = statuses::load(&mut *tx, &[status_id])
        .await
        .map_err(transient)?
        .pop()
    else {
        // Deleted before it was fanned out: nothing to do.
        return Ok(());
    };
    let size = ctx.feeds.size;
    let mut direct: Vec<i64> = vec![status.account_id];
    direct.extend(
        statuses::mentions_of(&mut *tx, &[status_id])
            .await
            .map_err(transient)?
            .remove(&status_id)
            .unwrap_or_default()
            .into_iter()
            .map(|(id, _)| id),
    );
    // Hashtag followers get public posts only (unlisted ones stay out of discovery).
    if status.visibility == "public" {
        direct.extend(
            timelines::tag_followers(&mut *tx, status_id)
                .await
                .map_err(transient)?,
        );
    }
    feeds::push(&ctx.kv, &direct, &[status_id], size)
        .await
        .context("pushing to the author's and mentioned members' feeds")
        .map_err(TaskError::Transient)?;
    let update = Event::Update { status_id };
    events.extend(direct.iter().map(|id| (Channel::User(*id), update.clone())));
    let boost = status.reblog_of_id.is_some();
    // Boosts stay out of the public streams, and subscribers hear of new posts only.
    if status.visibility == "public" && !boost {
        events.push((Channel::Public, update.clone()));
        let tags = statuses::tag_names(&mut *tx, status_id)
            .await
            .map_err(transient)?;
        events.extend(
            tags.into_iter()
                .map(|t| (Channel::Hashtag(t), update.clone())),
        );
    }
    // Followers who asked to hear of every post get a notification.
    if !boost {
        let subscribed =
            notifications::create_for_subscribers(&mut *tx, status.account_id, status_id)
                .await
                .map_err(transient)?;
        events.extend(subscribed.iter().map(|c| {
            let event = Event::Notification {
                notification_id: c.id,
            };
            (Channel::User(c.recipient), event)
        }));
    }
    if status.visibility == "direct" {
        return Ok(());
    }
    // A large account's followers merge its posts in when they read; their
    // live streams still hear of each post.
    let large = timelines::is_large(&mut *tx, status.account_id, ctx.feeds.fanout_max_followers)
        .await
        .map_err(transient)?;
    let replied_to = status
        .in_reply_to_account_id
        .filter(|other| *other != status.account_id);
    // A boost skips followers whose home would not show it anyway.
    let shared_author = match status.reblog_of_id {
        Some(shared) => match statuses::load(&mut *tx, &[shared])
            .await
            .map_err(transient)?
            .pop()
        {
            Some(original) => Some(original.account_id),
            // The shared post is gone, and the boost with it.
            None => return Ok(()),
        },
        None => None,
    };
    let mut after = 0;
    let mut fed = 0;
    loop {
        let page = timelines::followers_page(
            &mut *tx,
            status.account_id,
            replied_to,
            shared_author,
            after,
            BATCH,
        )
        .await
        .map_err(transient)?;
        let Some((last, _)) = page.last() else { break };
        after = *last;
        let followers: Vec<i64> = page.iter().map(|(_, account)| *account).collect();
        if !large {
            feeds::push(&ctx.kv, &followers, &[status_id], size)
                .await
                .context("pushing to followers' feeds")
                .map_err(TaskError::Transient)?;
        }
        events.extend(
            followers
                .iter()
                .map(|id| (Channel::User(*id), update.clone())),
        );
        fed += followers.len();
    }
    tracing::info!(status_id, followers = fed, "fanned out");
    Ok(())
}
