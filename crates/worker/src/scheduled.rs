//! Publishing scheduled posts when they are due. Each is taken (its row
//! deleted) and published in one transaction, so it appears once even with
//! several workers or a worker stopped halfway. Published as the author
//! would have posted it then: a post answered that the author can no longer
//! see is not answered, and a poll runs from publication.

use chrono::Utc;
use lookbook_core::counted::{self, ACCOUNT, STATUS};
use lookbook_core::db::polls::NewPoll;
use lookbook_core::db::scheduled_statuses::{self, Scheduled};
use lookbook_core::db::statuses::NewStatus;
use lookbook_core::db::{ids, reblogs};
use lookbook_core::posting::{self, Draft};
use lookbook_core::stream;
use sqlx::{Postgres, Transaction};

use crate::Context;

/// Publishes the next due post; its id, or None when none is due.
pub async fn publish_next(ctx: &Context) -> lookbook_core::Result<Option<i64>> {
    let mut tx = ctx.db.begin().await?;
    let Some(due) = scheduled_statuses::take_due(&mut tx).await? else {
        return Ok(None);
    };
    match publish(ctx, tx, &due, true).await {
        // Its photos went away meanwhile (deleted with the member's
        // uploads, say): published without them rather than never.
        Err(lookbook_core::Error::Invalid(why)) => {
            tracing::warn!(scheduled = due.id, reason = %why, "a scheduled post lost its photos");
            let mut tx = ctx.db.begin().await?;
            // Taken again: another worker may have published it meanwhile.
            if !scheduled_statuses::take(&mut tx, due.id).await? {
                return Ok(None);
            }
            publish(ctx, tx, &due, false).await.map(Some)
        }
        // Put off, so the posts due after it are not held up while it is
        // retried.
        Err(err) => {
            if let Err(also) = scheduled_statuses::postpone(&ctx.db, due.id, RETRY_SECS).await {
                tracing::warn!(error = %also, "could not put off a scheduled post");
            }
            Err(err)
        }
        Ok(id) => Ok(Some(id)),
    }
}

/// How long a post whose publication failed waits before the next try.
const RETRY_SECS: i64 = 60;

/// Publishes `due`, already taken in `tx`, and commits.
async fn publish(
    ctx: &Context,
    mut tx: Transaction<'_, Postgres>,
    due: &Scheduled,
    with_media: bool,
) -> lookbook_core::Result<i64> {
    let p = &due.params;
    let in_reply_to = match p.in_reply_to_id {
        Some(parent) => reblogs::target(&mut *tx, parent, Some(due.account_id))
            .await?
            .map(|t| (t.id, t.account_id)),
        None => None,
    };
    let id = ids::next(&mut *tx).await?;
    let draft = Draft {
        status: NewStatus {
            id,
            account_id: due.account_id,
            text: &p.text,
            spoiler_text: &p.spoiler_text,
            sensitive: p.sensitive,
            visibility: &p.visibility,
            language: p.language.as_deref(),
            in_reply_to,
            application_id: p.application_id,
        },
        media_ids: if with_media { &p.media_ids } else { &[] },
        poll: p.poll.as_ref().map(|poll| NewPoll {
            options: &poll.options,
            multiple: poll.multiple,
            hide_totals: poll.hide_totals,
            expires_at: Utc::now() + chrono::Duration::seconds(poll.expires_in),
        }),
    };
    let published = posting::publish(&mut tx, &draft).await?;
    tx.commit().await?;
    after_commit(ctx, due.account_id, &published).await;
    tracing::info!(
        scheduled = due.id,
        status = id,
        "published a scheduled post"
    );
    Ok(id)
}

/// Streams the notifications and drops the counts the post changed.
async fn after_commit(ctx: &Context, author: i64, published: &posting::Published) {
    stream::notified(&ctx.kv, &published.notified).await;
    if let Err(err) = counted::forget(&ctx.kv, &ACCOUNT, &[author]).await {
        tracing::warn!(error = %err, "could not drop an author's cached counts");
    }
    if let Some(parent) = published.parent
        && let Err(err) = counted::forget(&ctx.kv, &STATUS, &[parent]).await
    {
        tracing::warn!(error = %err, "could not drop a post's cached counts");
    }
}
