//! Tasks that talk to another server (a push service, an SMTP server) are
//! not done inside one transaction: waiting on a slow server must not hold
//! a database connection. Such a task is claimed first, so a redelivery
//! while it runs waits, and one that was done is not done twice; a claim
//! left by a worker that died is taken over after a while.

use std::future::Future;

use lookbook_core::db::outbox::{self, Claim};
use sqlx::PgPool;

use crate::tasks::TaskError;

/// How long a claim lasts before another worker may take it over (its
/// worker died mid-task): well past any request's deadline.
const CLAIM_STALE_SECS: f64 = 120.0;

/// Runs `work` for task `task_id` of `kind` unless it was done already;
/// marks it done when `work` succeeds and gives the claim up when it fails
/// (the task is then retried).
pub async fn once<F, Fut>(db: &PgPool, task_id: i64, kind: &str, work: F) -> Result<(), TaskError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<(), TaskError>>,
{
    let transient = |e: lookbook_core::Error| TaskError::Transient(e.into());
    match outbox::claim(db, task_id, kind, CLAIM_STALE_SECS)
        .await
        .map_err(transient)?
    {
        Claim::Done => return Ok(()),
        Claim::Busy => {
            return Err(TaskError::Transient(anyhow::anyhow!(
                "another worker is carrying out this task"
            )));
        }
        Claim::Mine => {}
    }
    match work().await {
        Ok(()) => outbox::finish(db, task_id, kind).await.map_err(transient),
        Err(error) => {
            if let Err(e) = outbox::release(db, task_id).await {
                tracing::warn!(error = %e, "could not release the task's claim; it lapses");
            }
            Err(error)
        }
    }
}
