//! Work on a clock rather than on a task: recomputing trends. Every worker
//! runs the loop; each round is claimed in Redis by one of them.

use std::time::Duration;

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
