//! Removing a post or a boost: the row and what hangs off it in one
//! transaction (counters, conversations, the boosted post's count and its
//! notification, the feed clean-up and photo deletion as tasks), then the
//! caches and the streams once it committed.

use lookbook_core::db::notifications::{self, Kind as NoteKind};
use lookbook_core::db::statuses::{self, StatusCounts};
use lookbook_core::db::{conversations, counters};
use lookbook_core::stream::{self, Channel, Event};
use lookbook_core::tasks::{self, Task};

use crate::AppState;
use crate::cached::{self, Kind};
use crate::counts;
use crate::error::{ApiError, ApiResult};

/// Deletes the member's post or boost `id`; 404 when it is not theirs (or
/// gone). A deleted post takes its boosts along; a deleted boost lowers the
/// boosted post's count and takes back its author's notification.
pub async fn remove(state: &AppState, me: i64, id: i64) -> ApiResult<()> {
    let mut tx = state.begin().await?;
    if statuses::lock(&mut tx, id).await? != Some(me) {
        return Err(ApiError::NotFound);
    }
    conversations::remove(&mut tx, id).await?;
    let Some(deleted) = statuses::delete(&mut tx, id).await? else {
        return Err(ApiError::NotFound);
    };
    if deleted.reblog_of_id.is_none() {
        let one_less = counters::Counts {
            statuses: -1,
            ..Default::default()
        };
        counters::add(&mut tx, deleted.account_id, one_less).await?;
    }
    if let Some(parent) = deleted.in_reply_to_id {
        let reply = StatusCounts {
            replies: -1,
            ..Default::default()
        };
        statuses::add_counts(&mut tx, parent, reply).await?;
    }
    if let Some(shared) = deleted.reblog_of_id {
        let boost = StatusCounts {
            reblogs: -1,
            ..Default::default()
        };
        statuses::add_counts(&mut tx, shared, boost).await?;
        notifications::remove_for_author(&mut tx, me, NoteKind::Reblog, shared).await?;
    }
    let unfeed = Task::UnfeedStatus {
        status_id: id,
        author_id: deleted.account_id,
    };
    tasks::enqueue(&mut tx, &unfeed).await?;
    if !deleted.keys.is_empty() {
        tasks::enqueue(&mut tx, &Task::DeleteObjects { keys: deleted.keys }).await?;
    }
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    let gone: Vec<(Channel, Event)> = std::iter::once(id)
        .chain(deleted.reblogs.iter().copied())
        .map(|status_id| (Channel::Everyone, Event::Delete { status_id }))
        .collect();
    stream::publish(&state.kv, &gone).await;
    let mut changed = deleted.replies.clone();
    changed.push(id);
    changed.extend(&deleted.reblogs);
    cached::forget(state, Kind::Status, &changed).await;
    counts::forget_accounts(state, &[deleted.account_id]).await;
    let recounted: Vec<i64> = deleted
        .in_reply_to_id
        .into_iter()
        .chain(deleted.reblog_of_id)
        .collect();
    if !recounted.is_empty() {
        counts::forget_statuses(state, &recounted).await;
    }
    Ok(())
}

/// Takes back the member's boost `boost`; one removed meanwhile by another
/// request is the same outcome.
pub async fn remove_boost(state: &AppState, me: i64, boost: i64) -> ApiResult<()> {
    match remove(state, me, boost).await {
        Err(ApiError::NotFound) | Ok(()) => Ok(()),
        Err(err) => Err(err),
    }
}
