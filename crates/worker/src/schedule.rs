//! Work on a clock rather than on a task: recomputing trends (every worker
//! runs the loop; each round is claimed in Redis by one of them), ending
//! direct uploads whose URL is long dead (every worker sweeps; rows are
//! locked and skipped, so two sweeps never take the same upload), and
//! queueing the digest mails that are due (one sweep at a time, under a
//! PostgreSQL lock).

use std::time::Duration;

use lookbook_core::config::SweepConfig;
use lookbook_core::db::{mail_preferences, uploads};
use lookbook_core::tasks::{self, Task};
use lookbook_core::trending;
use tokio_util::sync::CancellationToken;

use crate::Context;

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

/// Uploads ended per transaction.
const SWEEP_BATCH: i64 = 100;

/// Ends dead direct uploads every `config.interval` until `stop`: their keys
/// are deleted by tasks written with the mark, so a file put (again) through
/// a presigned URL does not stay in the bucket.
pub async fn sweep_uploads(ctx: Context, config: SweepConfig, stop: CancellationToken) {
    loop {
        loop {
            let swept = async {
                let mut tx = ctx.db.begin().await?;
                let n = uploads::sweep(&mut tx, config.grace, SWEEP_BATCH).await?;
                tx.commit().await?;
                Ok::<usize, lookbook_core::Error>(n)
            }
            .await;
            match swept {
                Ok(n) if n as i64 == SWEEP_BATCH => continue,
                Ok(0) => {}
                Ok(n) => tracing::info!(uploads = n, "ended dead direct uploads"),
                Err(err) => tracing::warn!(error = %err, "could not sweep direct uploads"),
            }
            break;
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(config.interval) => {}
        }
    }
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
    loop {
        loop {
            let queued = async {
                let mut tx = ctx.db.begin().await?;
                let due =
                    mail_preferences::take_due(&mut tx, after.as_secs_f64(), DIGEST_BATCH).await?;
                for d in &due {
                    let task = Task::MailDigest {
                        account_id: d.account_id,
                        since: d.since,
                    };
                    tasks::enqueue(&mut tx, &task).await?;
                }
                tx.commit().await?;
                Ok::<usize, lookbook_core::Error>(due.len())
            }
            .await;
            match queued {
                Ok(n) if n as i64 == DIGEST_BATCH => continue,
                Ok(0) => {}
                Ok(n) => tracing::info!(digests = n, "queued digest mails"),
                Err(err) => tracing::warn!(error = %err, "could not queue digest mails"),
            }
            break;
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(sweep) => {}
        }
    }
}
