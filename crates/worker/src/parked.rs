//! Parked tasks, for operators: list them, and replay them into their work
//! queues once the cause is fixed.

use std::time::Duration;

use lapin::options::{BasicAckOptions, BasicGetOptions, BasicNackOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lookbook_core::Config;
use lookbook_core::tasks::broker::{self, ATTEMPT_HEADER, ERROR_HEADER, KIND_HEADER, Message};
use lookbook_core::tasks::topology::Topology;

/// A task in the parked queue.
#[derive(Debug, Clone)]
pub struct ParkedTask {
    pub task_id: Option<i64>,
    pub kind: String,
    pub attempts: i64,
    pub error: String,
    pub body: String,
}

/// Reads every parked task without removing any.
pub async fn list(config: &Config) -> lookbook_core::Result<Vec<ParkedTask>> {
    let topology = Topology::new(&config.amqp);
    let (conn, channel) = connect(config, &topology).await?;
    let mut found = Vec::new();
    let mut held = Vec::new();
    while let Some(message) = channel
        .basic_get(topology.parked_queue().into(), BasicGetOptions::default())
        .await?
    {
        let props = &message.delivery.properties;
        found.push(ParkedTask {
            task_id: props
                .message_id()
                .as_ref()
                .and_then(|id| id.as_str().parse().ok()),
            kind: broker::header_str(props, KIND_HEADER).unwrap_or_default(),
            attempts: broker::header_int(props, ATTEMPT_HEADER).unwrap_or(0),
            error: broker::header_str(props, ERROR_HEADER).unwrap_or_default(),
            body: String::from_utf8_lossy(&message.delivery.data).into_owned(),
        });
        held.push(message.delivery);
    }
    // Put them all back, in order, now that each was seen once.
    for delivery in held {
        delivery
            .nack(BasicNackOptions {
                requeue: true,
                ..Default::default()
            })
            .await?;
    }
    let _ = conn.close(200, "listed".into()).await;
    Ok(found)
}

/// Moves every task parked at the start back to its work queue with a fresh
/// attempt count; returns how many moved.
pub async fn replay(config: &Config) -> lookbook_core::Result<usize> {
    let topology = Topology::new(&config.amqp);
    let (conn, channel) = connect(config, &topology).await?;
    // Only what is parked now: a replayed task that fails again at once is
    // parked behind them and must not be replayed again in this round.
    let parked = channel
        .queue_declare(
            topology.parked_queue().into(),
            QueueDeclareOptions {
                passive: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await?
        .message_count();
    let mut moved = 0;
    for _ in 0..parked {
        let Some(message) = channel
            .basic_get(topology.parked_queue().into(), BasicGetOptions::default())
            .await?
        else {
            break;
        };
        let delivery = message.delivery;
        let props = &delivery.properties;
        let kind = broker::header_str(props, KIND_HEADER).unwrap_or_default();
        let task_id = props
            .message_id()
            .as_ref()
            .and_then(|id| id.as_str().parse().ok())
            .unwrap_or(0);
        let replayed = Message {
            task_id,
            kind: &kind,
            body: &delivery.data,
            attempt: 1,
            error: None,
        };
        let confirm = broker::publish(&channel, &topology.exchange(), &kind, &replayed).await?;
        match broker::confirmed(confirm).await {
            Ok(()) => {
                delivery.ack(BasicAckOptions::default()).await?;
                moved += 1;
            }
            Err(err) => {
                // No queue for that kind: leave the task parked.
                tracing::warn!(%kind, error = %err, "cannot replay a parked task");
                delivery
                    .nack(BasicNackOptions {
                        requeue: true,
                        ..Default::default()
                    })
                    .await?;
                break;
            }
        }
    }
    let _ = conn.close(200, "replayed".into()).await;
    Ok(moved)
}

async fn connect(
    config: &Config,
    topology: &Topology,
) -> lookbook_core::Result<(lapin::Connection, lapin::Channel)> {
    let timeout = config.outbound_timeout.max(Duration::from_secs(1));
    let (conn, channel) =
        broker::connect(config.amqp.url.expose(), "lookbook-worker-admin", timeout).await?;
    topology.declare(&channel).await?;
    Ok((conn, channel))
}
