//! The outbox relay: publishes unsent outbox rows to RabbitMQ and marks them
//! sent, in batches, with publisher confirms.
//!
//! Rows are claimed with `FOR UPDATE SKIP LOCKED`, so any number of relays can
//! run side by side without publishing a row twice in the normal case. A row
//! is marked sent only after the broker confirmed it; if the process dies in
//! between, the row is published again and the worker's done-marker makes the
//! duplicate harmless.

use std::time::{Duration, Instant};

use lapin::{Channel, Connection};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use crate::db::outbox;
use crate::tasks::broker::{self, Message};
use crate::tasks::topology::Topology;

/// Published rows and done markers are kept this many days.
const RETENTION_DAYS: i32 = 3;
/// How often old rows are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// The longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Moves tasks from the outbox to the broker.
#[derive(Debug, Clone)]
pub struct Relay {
    pub db: PgPool,
    pub topology: Topology,
    pub amqp_url: crate::Secret,
    /// Pause after a pass that found fewer rows than a full batch.
    pub poll_interval: Duration,
    pub batch_size: i64,
    /// Bound on connecting and on one batch's publish-and-confirm.
    pub timeout: Duration,
}

impl Relay {
    /// Relays until `stop` is cancelled, reconnecting with backoff whenever
    /// the broker goes away; rows written meanwhile wait in the outbox.
    pub async fn run(self, stop: CancellationToken) {
        let mut link: Option<(Connection, Channel)> = None;
        let mut backoff = Duration::from_millis(100);
        let mut last_prune = Instant::now();
        while !stop.is_cancelled() {
            let Some((_, channel)) = &link else {
                match self.connect().await {
                    Ok(connected) => {
                        tracing::info!("outbox relay connected to the broker");
                        link = Some(connected);
                        backoff = Duration::from_millis(100);
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "outbox relay cannot reach the broker");
                        pause(&stop, backoff).await;
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                    }
                }
                continue;
            };
            match tokio::time::timeout(self.timeout, self.relay_batch(channel)).await {
                Ok(Ok(n)) if n as i64 >= self.batch_size => {}
                Ok(Ok(_)) => pause(&stop, self.poll_interval).await,
                outcome => {
                    let reason = match outcome {
                        Ok(Err(err)) => err.to_string(),
                        _ => "publishing timed out".to_string(),
                    };
                    tracing::warn!(error = %reason, "outbox relay batch failed; rows stay unsent");
                    if !channel.status().connected() || reason.contains("timed out") {
                        link = None;
                    }
                    pause(&stop, backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
            if last_prune.elapsed() >= PRUNE_EVERY {
                last_prune = Instant::now();
                if let Err(err) = outbox::prune(&self.db, RETENTION_DAYS).await {
                    tracing::warn!(error = %err, "pruning the outbox failed");
                }
                if let Err(err) = crate::db::mail_tokens::prune(&self.db).await {
                    tracing::warn!(error = %err, "pruning expired mail links failed");
                }
            }
        }
    }

    async fn connect(&self) -> crate::Result<(Connection, Channel)> {
        let (conn, channel) =
            broker::connect(self.amqp_url.expose(), "lookbook-relay", self.timeout).await?;
        self.topology.declare(&channel).await?;
        Ok((conn, channel))
    }

    /// Publishes one batch and marks it sent; returns how many rows it moved.
    pub async fn relay_batch(&self, channel: &Channel) -> crate::Result<usize> {
        let mut tx = self.db.begin().await?;
        let rows = outbox::claim_unsent(&mut tx, self.batch_size).await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let mut confirms = Vec::with_capacity(rows.len());
        for row in &rows {
            let body = serde_json::to_vec(&row.payload).map_err(anyhow::Error::from)?;
            let message = Message {
                task_id: row.id,
                kind: &row.kind,
                body: &body,
                attempt: 1,
                error: None,
            };
            confirms.push(
                broker::publish(channel, &self.topology.exchange(), &row.kind, &message).await?,
            );
        }
        for confirm in confirms {
            broker::confirmed(confirm).await?;
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        outbox::mark_sent(&mut tx, &ids).await?;
        tx.commit().await?;
        metrics::counter!("outbox_published_total").increment(ids.len() as u64);
        Ok(ids.len())
    }
}

/// Sleeps for `duration` unless `stop` is cancelled first.
pub async fn pause(stop: &CancellationToken, duration: Duration) {
    tokio::select! {
        () = stop.cancelled() => {}
        () = tokio::time::sleep(duration) => {}
    }
}
