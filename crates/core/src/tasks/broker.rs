//! Connecting to RabbitMQ and publishing with confirms.
//!
//! Connections are not shared between loops: the relay and each consumer own
//! theirs and, on any error, drop it and connect again with backoff. That is
//! the recovery: nothing is lost, because the outbox keeps unsent tasks and
//! unacknowledged deliveries go back to their queue.

use std::time::Duration;

use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};

/// Header with the attempt a delivery is (1 for the first).
pub const ATTEMPT_HEADER: &str = "x-attempt";
/// Header with the error that parked a task.
pub const ERROR_HEADER: &str = "x-last-error";
/// Header with the task kind, so a parked task can be routed back.
pub const KIND_HEADER: &str = "x-task-kind";

/// Opens a connection and a channel with publisher confirms on.
pub async fn connect(
    url: &str,
    name: &str,
    timeout: Duration,
) -> crate::Result<(Connection, Channel)> {
    let props = ConnectionProperties::default().with_connection_name(name.into());
    let conn = tokio::time::timeout(timeout, Connection::connect(url, props))
        .await
        .map_err(|_| crate::Error::Other(anyhow::anyhow!("connecting to RabbitMQ timed out")))??;
    let channel = conn.create_channel().await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    Ok((conn, channel))
}

/// A message as the task pipeline sends it.
#[derive(Debug, Clone)]
pub struct Message<'a> {
    /// The outbox id, which identifies the task across redeliveries.
    pub task_id: i64,
    pub kind: &'a str,
    pub body: &'a [u8],
    pub attempt: u32,
    /// Why the previous attempt failed, if one did.
    pub error: Option<&'a str>,
}

impl Message<'_> {
    fn properties(&self) -> BasicProperties {
        let mut headers = FieldTable::default();
        headers.insert(
            ATTEMPT_HEADER.into(),
            AMQPValue::LongLongInt(i64::from(self.attempt)),
        );
        headers.insert(KIND_HEADER.into(), AMQPValue::LongString(self.kind.into()));
        if let Some(error) = self.error {
            let error: String = error.chars().take(1000).collect();
            headers.insert(ERROR_HEADER.into(), AMQPValue::LongString(error.into()));
        }
        BasicProperties::default()
            .with_message_id(ShortString::from(self.task_id.to_string()))
            .with_content_type("application/json".into())
            .with_delivery_mode(2)
            .with_headers(headers)
    }
}

/// Starts publishing `message`; the returned future resolves once the broker
/// confirmed it (see [`confirmed`]).
pub async fn publish(
    channel: &Channel,
    exchange: &str,
    routing_key: &str,
    message: &Message<'_>,
) -> crate::Result<lapin::PublisherConfirm> {
    let options = BasicPublishOptions {
        mandatory: true,
        ..Default::default()
    };
    Ok(channel
        .basic_publish(
            exchange.into(),
            routing_key.into(),
            options,
            message.body,
            message.properties(),
        )
        .await?)
}

/// Waits for a publisher confirm; a nack or a returned (unroutable) message is an error.
pub async fn confirmed(confirm: lapin::PublisherConfirm) -> crate::Result<()> {
    let confirmation = confirm.await?;
    if !confirmation.is_ack() {
        return Err(anyhow::anyhow!("the broker refused a message").into());
    }
    if confirmation.take_message().is_some() {
        return Err(anyhow::anyhow!("a message had no queue to go to").into());
    }
    Ok(())
}

/// Reads a header as an integer.
pub fn header_int(props: &BasicProperties, name: &str) -> Option<i64> {
    match props.headers().as_ref()?.inner().get(name)? {
        AMQPValue::LongLongInt(n) => Some(*n),
        AMQPValue::LongInt(n) => Some(i64::from(*n)),
        AMQPValue::ShortInt(n) => Some(i64::from(*n)),
        _ => None,
    }
}

/// Reads a header as a string.
pub fn header_str(props: &BasicProperties, name: &str) -> Option<String> {
    match props.headers().as_ref()?.inner().get(name)? {
        AMQPValue::LongString(s) => Some(s.to_string()),
        AMQPValue::ShortString(s) => Some(s.to_string()),
        _ => None,
    }
}
