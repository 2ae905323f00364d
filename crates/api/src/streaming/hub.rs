//! The instance's end of the live channel: one Redis subscription (a
//! pattern over every stream channel) and the table of local connections
//! listening to each channel. An event is handed to each listener's
//! bounded queue without waiting; a listener whose queue is full is too
//! slow, and is cut off (told to close) rather than buffered.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use lookbook_core::kv::Kv;
use lookbook_core::stream::{self, Channel, Event};
use tokio::sync::{Notify, mpsc};

/// Events a connection may have waiting before it counts as too slow.
pub const QUEUE: usize = 256;

/// An event for one connection, with the stream it came through.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The stream's name as the client knows it (`["hashtag", "ootd"]`).
    pub stream: Arc<Vec<String>>,
    pub event: Event,
}

struct Listener {
    connection: u64,
    stream: Arc<Vec<String>>,
    queue: mpsc::Sender<Delivery>,
    /// Wakes the connection to close it.
    kick: Arc<Notify>,
}

/// A connection's end of the hub: its id, its queue, and what closes it.
#[derive(Debug)]
pub struct Connection {
    pub id: u64,
    pub queue: mpsc::Sender<Delivery>,
    pub deliveries: mpsc::Receiver<Delivery>,
    /// Notified when the connection fell too far behind.
    pub kick: Arc<Notify>,
}

/// Who listens to what on this instance.
#[derive(Default)]
pub struct Hub {
    listeners: Mutex<HashMap<Channel, Vec<Listener>>>,
    next_connection: AtomicU64,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub").finish_non_exhaustive()
    }
}

impl Hub {
    /// A new connection (call [`Hub::disconnect`] when it ends).
    pub fn connect(&self) -> Connection {
        let id = self.next_connection.fetch_add(1, Ordering::Relaxed);
        let (queue, deliveries) = mpsc::channel(QUEUE);
        metrics::gauge!("lookbook_streaming_connections").increment(1.0);
        Connection {
            id,
            queue,
            deliveries,
            kick: Arc::new(Notify::new()),
        }
    }

    /// Starts delivering `channel`'s events to the connection, labelled
    /// with `stream`; subscribing twice to one stream is one subscription.
    pub fn subscribe(&self, connection: &Connection, channel: Channel, stream: Vec<String>) {
        let mut table = self.listeners.lock().unwrap_or_else(|p| p.into_inner());
        let list = table.entry(channel).or_default();
        if list
            .iter()
            .any(|l| l.connection == connection.id && *l.stream == stream)
        {
            return;
        }
        list.push(Listener {
            connection: connection.id,
            stream: Arc::new(stream),
            queue: connection.queue.clone(),
            kick: connection.kick.clone(),
        });
    }

    /// Stops delivering `channel`'s events labelled `stream` to the connection.
    pub fn unsubscribe(&self, connection: u64, channel: &Channel, stream: &[String]) {
        let mut table = self.listeners.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(list) = table.get_mut(channel) {
            list.retain(|l| !(l.connection == connection && *l.stream == stream));
            if list.is_empty() {
                table.remove(channel);
            }
        }
    }

    /// Forgets a connection that ended.
    pub fn disconnect(&self, connection: u64) {
        let mut table = self.listeners.lock().unwrap_or_else(|p| p.into_inner());
        table.retain(|_, list| {
            list.retain(|l| l.connection != connection);
            !list.is_empty()
        });
        metrics::gauge!("lookbook_streaming_connections").decrement(1.0);
    }

    /// Hands an event to every local listener of `channel`; a listener whose
    /// queue is full (or whose connection ended) is removed, which closes
    /// its connection once the queue drains.
    pub fn dispatch(&self, channel: &Channel, event: Event) {
        let mut table = self.listeners.lock().unwrap_or_else(|p| p.into_inner());
        let Some(list) = table.get_mut(channel) else {
            return;
        };
        let mut dropped = Vec::new();
        for listener in list.iter() {
            let delivery = Delivery {
                stream: listener.stream.clone(),
                event: event.clone(),
            };
            if listener.queue.try_send(delivery).is_err() {
                listener.kick.notify_one();
                dropped.push(listener.connection);
            }
        }
        if dropped.is_empty() {
            return;
        }
        metrics::counter!("lookbook_streaming_dropped_total").increment(dropped.len() as u64);
        // A slow connection loses every subscription; it was told to close.
        table.retain(|_, list| {
            list.retain(|l| !dropped.contains(&l.connection));
            !list.is_empty()
        });
    }

    /// Listens on Redis for as long as the instance runs, reconnecting after
    /// a failure (events published meanwhile are missed; clients catch up
    /// over the REST API).
    pub async fn listen(self: Arc<Self>, kv: Kv) {
        let mut wait = Duration::from_millis(100);
        loop {
            match self.listen_once(&kv).await {
                Ok(()) => wait = Duration::from_millis(100),
                Err(e) => {
                    tracing::warn!(error = %e, "live events: Redis subscription lost; reconnecting");
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
            }
            tokio::time::sleep(wait).await;
        }
    }

    async fn listen_once(&self, kv: &Kv) -> lookbook_core::Result<()> {
        let mut pubsub = kv.subscriber().await?;
        pubsub.psubscribe(stream::pattern(kv)).await?;
        let mut messages = pubsub.on_message();
        while let Some(message) = messages.next().await {
            let Some(channel) = stream::from_redis(kv, message.get_channel_name()) else {
                continue;
            };
            let Ok(event) = serde_json::from_slice::<Event>(message.get_payload_bytes()) else {
                continue;
            };
            self.dispatch(&channel, event);
        }
        Ok(())
    }
}
