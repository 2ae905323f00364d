//! Work on a clock rather than on a task: recomputing trends (every worker
//! runs the loop; each round is claimed in Redis by one of them), ending
//! direct uploads whose URL is long dead (every worker sweeps; rows are
//! locked and skipped, so two sweeps never take the same upload), and
//! queueing the digest mails that are due (one sweep at a time, under a
//! PostgreSQL lock), queueing the native push summaries whose window
//! has passed (rows locked and skipped), closing the polls that have
//! ended (rows locked and skipped), and publishing the scheduled posts that
//! are due (rows locked and skipped).

use std::future::Future;
use std::time::Duration;

use lookbook_core::config::SweepConfig;
use lookbook_core::db::{devices, mail_preferences, polls, uploads};
use lookbook_core::tasks::{self, Task};
use lookbook_core::trending;
use tokio_util::sync::CancellationToken;

use crate::{Context, scheduled};

/// Recomputes trends every `interval` until `stop`.
pub async fn run(ctx: Context, interval: Duration, stop: CancellationToken) {
    let secs = interval.as_secs().max(1);
    loop {
        match trending::claim_round(&ctx.kv, secs).await {
            Ok(true) => match trending::refresh(&ctx.db, &ctx.kv, secs * 10).await {
                Ok(()) => tracing::debug!("trends recomputed"),
                Err(err) => tracing::warn!(error = %err, "could not recompute trends"),
            },
            Ok(false) => {}
            Err(err) => tracing::warn!(error = %err, "could not claim the trends round"),
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(interval) => {}
        }
    }
}

/// Runs `round` every `interval` until `stop`: a round that did a whole
/// `batch` is followed by another at once; what a round did is logged as
/// `did`, a round that failed as `failed`.
async fn repeat<F, Fut>(
    interval: Duration,
    batch: i64,
    (did, failed): (&'static str, &'static str),
    stop: CancellationToken,
    mut round: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = lookbook_core::Result<usize>>,
{
    loop {
        loop {
            match round().await {
                Ok(n) if n as i64 == batch => continue,
                Ok(0) => {}
                Ok(n) => tracing::info!(rows = n, "{did}"),
                Err(err) => tracing::warn!(error = %err, "{failed}"),
            }
            break;
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(interval) => {}
        }
    }
}

/// Uploads ended per transaction.
const SWEEP_BATCH: i64 = 100;

/// Ends dead direct uploads every `config.interval` until `stop`: their keys
/// are deleted by tasks written with the mark, so a file put (again) through
/// a presigned URL does not stay in the bucket.
pub async fn sweep_uploads(ctx: Context, config: SweepConfig, stop: CancellationToken) {
    let logs = (
        "ended dead direct uploads",
        "could not sweep direct uploads",
    );
    repeat(config.interval, SWEEP_BATCH, logs, stop, || async {
        let mut tx = ctx.db.begin().await?;
        let n = uploads::sweep(&mut tx, config.grace, SWEEP_BATCH).await?;
        tx.commit().await?;
        Ok(n)
    })
    .await;
}

/// Digests queued per transaction.
const DIGEST_BATCH: i64 = 200;

/// Every `sweep`, queues a digest for each member who has been away for
/// `after` and has news (marking it sent in the same transaction, so a
/// digest is queued once per absence).
pub async fn queue_digests(
    ctx: Context,
    after: Duration,
    sweep: Duration,
    stop: CancellationToken,
) {
    let logs = ("queued digest mails", "could not queue digest mails");
    repeat(sweep, DIGEST_BATCH, logs, stop, || async {
        let mut tx = ctx.db.begin().await?;
        let due = mail_preferences::take_due(&mut tx, after.as_secs_f64(), DIGEST_BATCH).await?;
        for d in &due {
            let task = Task::MailDigest {
                account_id: d.account_id,
                since: d.since,
            };
            tasks::enqueue(&mut tx, &task).await?;
        }
        tx.commit().await?;
        Ok(due.len())
    })
    .await;
}

/// Summaries queued per transaction.
const SUMMARY_BATCH: i64 = 200;

/// Every `sweep`, queues a summary push for each device and notification
/// group that got notifications within `window` of its last push, once
/// the window has passed (clearing the mark in the same transaction, so a
/// summary is queued once); and forgets groups long past.
pub async fn send_summaries(
    ctx: Context,
    window: Duration,
    sweep: Duration,
    stop: CancellationToken,
) {
    let logs = (
        "queued native push summaries",
        "could not queue native push summaries",
    );
    repeat(sweep, SUMMARY_BATCH, logs, stop, || async {
        let mut tx = ctx.db.begin().await?;
        devices::forget_old_groups(&mut tx).await?;
        let due = devices::take_summaries(&mut tx, window.as_secs_f64(), SUMMARY_BATCH).await?;
        for d in &due {
            let task = Task::NativePush {
                // The group's newest is looked up when the summary is sent.
                notification_id: 0,
                device_id: d.device_id,
                summary: true,
                group_key: Some(d.group_key.clone()),
            };
            tasks::enqueue(&mut tx, &task).await?;
        }
        tx.commit().await?;
        Ok(due.len())
    })
    .await;
}

/// Polls closed per transaction.
const POLL_BATCH: i64 = 100;

/// Every `sweep`, marks the polls that have ended closed and queues the
/// task that tells their voters and authors, in one transaction each
/// batch, so each poll is told once.
pub async fn close_polls(ctx: Context, sweep: Duration, stop: CancellationToken) {
    let logs = ("closed ended polls", "could not close ended polls");
    repeat(sweep, POLL_BATCH, logs, stop, || async {
        let mut tx = ctx.db.begin().await?;
        let ended = polls::close_due(&mut tx, POLL_BATCH).await?;
        for poll_id in &ended {
            tasks::enqueue(&mut tx, &Task::PollEnded { poll_id: *poll_id }).await?;
        }
        tx.commit().await?;
        Ok(ended.len())
    })
    .await;
}

/// Every `sweep`, publishes the scheduled posts that are due, one
/// transaction each.
pub async fn publish_scheduled(ctx: Context, sweep: Duration, stop: CancellationToken) {
    let logs = (
        "published scheduled posts",
        "could not publish a scheduled post",
    );
    // A batch of one: a round that published one is followed by another.
    repeat(sweep, 1, logs, stop, || async {
        Ok(usize::from(scheduled::publish_next(&ctx).await?.is_some()))
    })
    .await;
}
