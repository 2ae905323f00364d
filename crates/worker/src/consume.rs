//! The consume loop.
//!
//! Every task kind has its queue; the worker consumes them all with manual
//! acks and a prefetch bound per queue. Deliveries run only while a turn is
//! free, and there are fewer turns than database connections: each task
//! holds one connection (its transaction) for its whole run, so a burst
//! waits for turns instead of timing out on the pool. For each delivery it
//! opens a transaction, records the task done (a second delivery of the same
//! task waits for the first and then finds the marker), runs the handler and
//! commits. A task that failed for a passing reason (a service away, a
//! timeout) goes to the delay queue for its attempt, after a random pause so
//! that retries after an outage do not all return at once; it is retried for
//! as long as it fails. Only a task that can never succeed is parked. Either
//! way the message is acknowledged only after it was handed on: a crash at
//! any point leaves it in a queue, never lost.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions, QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{Channel, Connection};
use lookbook_core::tasks::Task;
use lookbook_core::tasks::broker::{self, ATTEMPT_HEADER, KIND_HEADER, Message};
use lookbook_core::tasks::relay::pause;
use lookbook_core::tasks::topology::Topology;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::tasks::{self, TaskError};
use crate::{Context, Stats};

/// The longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// How long in-flight tasks may run on after a stop before they are abandoned
/// (their messages are then redelivered).
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);
/// How often the depth of the task queues is sampled for `/metrics`.
const DEPTH_SAMPLE_INTERVAL: Duration = Duration::from_secs(5);
/// The longest random pause before a retry is handed to its delay queue.
const MAX_JITTER: Duration = Duration::from_secs(2);

/// Consumes the task queues of the configured kinds.
#[derive(Debug)]
pub struct Consumer {
    pub context: Context,
    pub topology: Topology,
    /// The kinds consumed (`WORKER_TASK_KINDS`).
    pub kinds: Vec<&'static str>,
    pub amqp_url: lookbook_core::Secret,
    /// Unacknowledged deliveries per queue.
    pub prefetch: u16,
    /// Tasks that may run at once: fewer than the database connections, so
    /// that every running task has its connection.
    pub turns: Arc<Semaphore>,
    /// Turns of the tasks that wait on other servers, which hold no
    /// connection while they wait: a push service that hangs uses up the
    /// push turns, an SMTP server that is down the mail turns, never the
    /// turns of images and feeds, nor each other's.
    pub push_turns: Arc<Semaphore>,
    pub native_turns: Arc<Semaphore>,
    pub mail_turns: Arc<Semaphore>,
    /// Bound on connecting and on each publish to a retry or parked queue.
    pub timeout: Duration,
    pub stats: Arc<Stats>,
}

impl Consumer {
    /// Consumes until `stop` is cancelled, reconnecting with backoff whenever
    /// the broker goes away.
    pub async fn run(self, stop: CancellationToken) {
        let me = Arc::new(self);
        let mut backoff = Duration::from_millis(100);
        while !stop.is_cancelled() {
            match me.clone().session(&stop).await {
                Ok(()) => break,
                Err(err) => {
                    tracing::warn!(error = %err, "task consumer lost the broker; reconnecting");
                    pause(&stop, backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }

    /// One connection's lifetime: returns Ok after a stop, Err when the
    /// connection fails.
    async fn session(self: Arc<Self>, stop: &CancellationToken) -> lookbook_core::Result<()> {
        let (conn, channel) = self.connect().await?;
        tracing::info!("task consumer connected to the broker");
        let mut consumers = Vec::new();
        for kind in &self.kinds {
            let consumer = channel
                .basic_consume(
                    self.topology.queue(kind).into(),
                    format!("lookbook-worker-{kind}").into(),
                    BasicConsumeOptions::default(),
                    FieldTable::default(),
                )
                .await?;
            consumers.push(consumer);
        }
        let mut deliveries = futures_util::stream::select_all(consumers);
        let sampling = CancellationToken::new();
        let depths = conn.create_channel().await?;
        tokio::spawn(self.clone().sample_depths(depths, sampling.clone()));
        let _stop_sampling = sampling.drop_guard();
        let mut in_flight = JoinSet::new();
        let outcome = loop {
            tokio::select! {
                () = stop.cancelled() => break Ok(()),
                next = deliveries.next() => match next {
                    Some(Ok(delivery)) => {
                        let me = self.clone();
                        let channel = channel.clone();
                        in_flight.spawn(async move { me.process(&channel, delivery).await });
                    }
                    Some(Err(err)) => break Err(err.into()),
                    None => break Err(anyhow::anyhow!("the broker closed the consumer").into()),
                },
                Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
            }
        };
        let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
            while in_flight.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!("in-flight tasks did not finish; their messages will be redelivered");
        }
        let _ = conn.close(200, "worker stopping".into()).await;
        outcome
    }

    /// Every few seconds, until `stop`, records how many tasks wait in each
    /// task queue and in the parked queue (`task_queue_depth{kind}`), on
    /// a channel of its own.
    async fn sample_depths(self: Arc<Self>, channel: Channel, stop: CancellationToken) {
        // Every kind, not only those this worker takes: any worker tells
        // how much waits, whoever is to do it.
        let mut queues: Vec<(String, String)> = Task::KINDS
            .iter()
            .map(|kind| (kind.to_string(), self.topology.queue(kind)))
            .collect();
        queues.push(("parked".into(), self.topology.parked_queue()));
        loop {
            for (kind, queue) in &queues {
                let passive = QueueDeclareOptions {
                    passive: true,
                    ..Default::default()
                };
                match channel
                    .queue_declare(queue.as_str().into(), passive, FieldTable::default())
                    .await
                {
                    Ok(q) => metrics::gauge!("task_queue_depth", "kind" => kind.clone())
                        .set(f64::from(q.message_count())),
                    Err(_) => return,
                }
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(DEPTH_SAMPLE_INTERVAL) => {}
            }
        }
    }

    async fn connect(&self) -> lookbook_core::Result<(Connection, Channel)> {
        let (conn, channel) =
            broker::connect(self.amqp_url.expose(), "lookbook-worker", self.timeout).await?;
        self.topology.declare(&channel).await?;
        channel
            .basic_qos(self.prefetch, BasicQosOptions::default())
            .await?;
        Ok((conn, channel))
    }

    /// Handles one delivery and settles it: ack after success or after the
    /// task was handed to a retry or parked queue; nack (requeue) only when
    /// even that failed.
    async fn process(&self, channel: &Channel, delivery: Delivery) {
        let props = &delivery.properties;
        let attempt = broker::header_int(props, ATTEMPT_HEADER)
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(1)
            .max(1);
        let kind = broker::header_str(props, KIND_HEADER)
            .unwrap_or_else(|| delivery.routing_key.to_string());
        let task_id = props
            .message_id()
            .as_ref()
            .and_then(|id| id.as_str().parse::<i64>().ok());
        let span = tracing::info_span!("task", task_id = task_id.unwrap_or(0), %kind, attempt);
        let settled = async {
            let outcome = match task_id {
                None => Err(TaskError::Permanent(anyhow::anyhow!(
                    "the message has no task id"
                ))),
                Some(id) => match self.turns_of(&kind).acquire().await {
                    Ok(_turn) => self.execute(id, &kind, &delivery.data).await,
                    Err(_) => Err(TaskError::Transient(anyhow::anyhow!(
                        "the worker is stopping"
                    ))),
                },
            };
            let result = match outcome {
                Ok(()) => Ok(()),
                Err(error) => {
                    self.reschedule(
                        channel,
                        &delivery,
                        task_id.unwrap_or(0),
                        &kind,
                        attempt,
                        error,
                    )
                    .await
                }
            };
            match result {
                Ok(()) => delivery.ack(BasicAckOptions::default()).await.map(|_| ()),
                Err(err) => {
                    tracing::error!(error = %err, "could not hand the task on; returning it to its queue");
                    delivery
                        .nack(BasicNackOptions {
                            requeue: true,
                            ..Default::default()
                        })
                        .await
                        .map(|_| ())
                }
            }
        };
        if let Err(err) = settled.instrument(span).await {
            tracing::warn!(error = %err, "could not settle a delivery; the broker will redeliver it");
        }
    }

    /// The turns a task of `kind` waits for.
    fn turns_of(&self, kind: &str) -> &Semaphore {
        match kind {
            "web_push" | "fetch_preview" => &self.push_turns,
            "native_push" => &self.native_turns,
            "account_mail" | "mail_digest" => &self.mail_turns,
            _ => &self.turns,
        }
    }

    /// Runs the handler inside the transaction that records the task done.
    async fn execute(&self, task_id: i64, kind: &str, body: &[u8]) -> Result<(), TaskError> {
        let task: Task = serde_json::from_slice(body)
            .map_err(|e| TaskError::Permanent(anyhow::anyhow!("undecodable task: {e}")))?;
        if let Some(outcome) = tasks::remote(&self.context, task_id, &task).await {
            outcome?;
            self.stats.done.fetch_add(1, Ordering::SeqCst);
            metrics::counter!("tasks_total", "kind" => kind.to_string(), "outcome" => "done")
                .increment(1);
            return Ok(());
        }
        let transient = |e: lookbook_core::Error| TaskError::Transient(e.into());
        let mut tx = self
            .context
            .db
            .begin()
            .await
            .map_err(|e| transient(e.into()))?;
        if !lookbook_core::db::outbox::claim_done(&mut tx, task_id, kind)
            .await
            .map_err(transient)?
        {
            self.stats.duplicates.fetch_add(1, Ordering::SeqCst);
            metrics::counter!("tasks_total", "kind" => kind.to_string(), "outcome" => "duplicate")
                .increment(1);
            tracing::info!("task already done; acknowledging the duplicate");
            return Ok(());
        }
        let mut events = Vec::new();
        tasks::handle(&self.context, &task, &mut tx, &mut events).await?;
        tx.commit().await.map_err(|e| transient(e.into()))?;
        lookbook_core::stream::publish(&self.context.kv, &events).await;
        self.stats.done.fetch_add(1, Ordering::SeqCst);
        metrics::counter!("tasks_total", "kind" => kind.to_string(), "outcome" => "done")
            .increment(1);
        Ok(())
    }

    /// Sends a failed task to the delay queue for its attempt, or parks it.
    async fn reschedule(
        &self,
        channel: &Channel,
        delivery: &Delivery,
        task_id: i64,
        kind: &str,
        attempt: u32,
        error: TaskError,
    ) -> lookbook_core::Result<()> {
        self.stats.failed.fetch_add(1, Ordering::SeqCst);
        let reason = error.to_string();
        let park = matches!(error, TaskError::Permanent(_));
        let delay = match &error {
            // No sooner than the other server asked.
            TaskError::Later(_, wait) => self
                .topology
                .retry_delay(attempt)
                .max(self.topology.delay_at_least(*wait)),
            _ => self.topology.retry_delay(attempt),
        };
        if !park {
            let most = (delay / 4).min(MAX_JITTER);
            let jitter = most.mul_f64(rand::random::<f64>());
            tokio::time::sleep(jitter).await;
        }
        let message = Message {
            task_id,
            kind,
            body: &delivery.data,
            attempt: if park { attempt } else { attempt + 1 },
            error: Some(&reason),
        };
        let (exchange, routing_key) = if park {
            (String::new(), self.topology.parked_queue())
        } else {
            (self.topology.retry_exchange(delay), kind.to_string())
        };
        let publish = async {
            let confirm = broker::publish(channel, &exchange, &routing_key, &message).await?;
            broker::confirmed(confirm).await
        };
        tokio::time::timeout(self.timeout, publish)
            .await
            .map_err(|_| anyhow::anyhow!("publishing the retry timed out"))??;
        if park {
            self.stats.parked.fetch_add(1, Ordering::SeqCst);
            metrics::counter!("tasks_total", "kind" => kind.to_string(), "outcome" => "parked")
                .increment(1);
            tracing::error!(error = %reason, "task parked: it cannot succeed as it stands");
        } else {
            metrics::counter!("tasks_total", "kind" => kind.to_string(), "outcome" => "retried")
                .increment(1);
            tracing::warn!(error = %reason, "task failed; retrying later");
        }
        Ok(())
    }
}
