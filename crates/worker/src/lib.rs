//! The Lookbook worker: relays the outbox to RabbitMQ and carries out tasks.
//!
//! - [`consume`]: the consume loop: manual acks, a prefetch bound, retries
//!   through delay queues, parking after the last attempt, and a done-marker
//!   that makes redelivery harmless.
//! - [`tasks`]: one module per task kind.
//! - [`parked`]: listing and replaying parked tasks, for operators.
//! - [`emoji`]: adding and removing custom emojis, for operators.

pub mod claimed;
pub mod consume;
pub mod dkim;
pub mod emoji;
pub mod imaging;
pub mod jwt;
pub mod keys;
pub mod mailer;
pub mod metrics;
pub mod native;
pub mod opengraph;
pub mod parked;
pub mod public_net;
pub mod schedule;
pub mod scheduled;
pub mod tasks;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use lookbook_core::Config;
use lookbook_core::cache::Cache;
use lookbook_core::config::{FeedConfig, Limits};
use lookbook_core::db::Db;
use lookbook_core::kv::Kv;
use lookbook_core::storage::Storage;
use lookbook_core::tasks::relay::Relay;
use lookbook_core::tasks::topology::Topology;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

/// What a task handler may use.
#[derive(Debug, Clone)]
pub struct Context {
    pub db: PgPool,
    pub storage: Storage,
    pub kv: Kv,
    pub feeds: FeedConfig,
    /// Size limits for images.
    pub limits: Limits,
    /// Web Push's HTTP client.
    pub pusher: Arc<tasks::web_push::Pusher>,
    /// APNs and FCM, for the network's own apps.
    pub native: Arc<native::Channels>,
    /// Mail's SMTP client and templates.
    pub mailer: Arc<mailer::Mailer>,
    /// The server's key (signing pushes, sealing tokens).
    pub keys: Arc<keys::Keys>,
    /// This worker's counters.
    pub stats: Arc<Stats>,
    /// Memcached, to drop the cached posts a task changes.
    pub cache: Cache,
    /// The client for pages members link to.
    pub previews: Arc<tasks::fetch_preview::Previews>,
}

/// Counts of what this worker did, since it started.
#[derive(Debug, Default)]
pub struct Stats {
    /// Tasks finished.
    pub done: AtomicU64,
    /// Attempts that failed (each retry that failed counts again).
    pub failed: AtomicU64,
    /// Tasks parked after their last attempt.
    pub parked: AtomicU64,
    /// Deliveries of tasks already done, acknowledged without work.
    pub duplicates: AtomicU64,
    /// Pushes a push service accepted.
    pub pushes: AtomicU64,
    /// Mails an SMTP server accepted.
    pub mails: AtomicU64,
}

impl Stats {
    /// Reads a counter.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::SeqCst)
    }
}

/// Connections kept back from tasks: the outbox relay and the schedule
/// each need one, and pushes and mail one for their short reads and writes.
const RESERVED_CONNECTIONS: u32 = 3;

/// How many tasks may run at once with `max_connections` database
/// connections: each holds one for its whole run.
pub fn task_turns(max_connections: u32) -> usize {
    max_connections.saturating_sub(RESERVED_CONNECTIONS).max(1) as usize
}

/// A worker process: the relay and the consumers.
#[derive(Debug)]
pub struct Worker {
    config: Config,
    context: Context,
    stats: Arc<Stats>,
}

impl Worker {
    /// Builds the clients; nothing waits for a service to answer.
    pub async fn build(config: Config) -> anyhow::Result<Worker> {
        let db = Db::connect_lazy(&config.database)?;
        let storage = Storage::new(&config.s3, config.outbound_timeout);
        let kv = Kv::connect(&config.redis, config.outbound_timeout)?;
        let cache = Cache::connect(&config.memcached, config.outbound_timeout).await?;
        let stats = Arc::new(Stats::default());
        Ok(Worker {
            context: Context {
                db: db.primary,
                storage,
                kv,
                feeds: config.feeds.clone(),
                limits: config.limits.clone(),
                pusher: Arc::new(tasks::web_push::Pusher::new(&config)?),
                native: Arc::new(native::Channels::new(&config)?),
                mailer: Arc::new(mailer::Mailer::new(&config)?),
                keys: Arc::new(keys::Keys::new(config.push.vapid_private_key.clone())),
                stats: stats.clone(),
                cache,
                previews: Arc::new(tasks::fetch_preview::Previews::new(&config)?),
            },
            config,
            stats,
        })
    }

    /// The counters, shared with the running worker.
    pub fn stats(&self) -> Arc<Stats> {
        self.stats.clone()
    }

    /// Runs the relay and the consumers until `stop` is cancelled; in-flight
    /// tasks finish first.
    pub async fn run(self, stop: CancellationToken) {
        let topology = Topology::new(&self.config.amqp);
        let relay = Relay {
            db: self.context.db.clone(),
            topology: topology.clone(),
            amqp_url: self.config.amqp.url.clone(),
            poll_interval: self.config.outbox.poll_interval,
            batch_size: self.config.outbox.batch_size,
            timeout: self.config.outbound_timeout,
        };
        let schedule = schedule::run(
            self.context.clone(),
            self.config.feeds.trends_interval,
            stop.clone(),
        );
        let sweep = schedule::sweep_uploads(
            self.context.clone(),
            self.config.sweep.clone(),
            stop.clone(),
        );
        let digests = schedule::queue_digests(
            self.context.clone(),
            self.config.mail.digest_after,
            self.config.mail.digest_sweep,
            stop.clone(),
        );
        let summaries = schedule::send_summaries(
            self.context.clone(),
            self.config.push.native.collapse_window,
            self.config.push.native.summary_sweep,
            stop.clone(),
        );
        let polls =
            schedule::close_polls(self.context.clone(), self.config.sweep.polls, stop.clone());
        let scheduled = schedule::publish_scheduled(
            self.context.clone(),
            self.config.sweep.scheduled,
            stop.clone(),
        );
        let consumer = consume::Consumer {
            context: self.context,
            topology,
            amqp_url: self.config.amqp.url.clone(),
            kinds: self.config.amqp.consume_kinds.clone(),
            prefetch: self.config.amqp.prefetch,
            turns: Arc::new(tokio::sync::Semaphore::new(task_turns(
                self.config.database.max_connections,
            ))),
            push_turns: Arc::new(tokio::sync::Semaphore::new(self.config.push.concurrency)),
            native_turns: Arc::new(tokio::sync::Semaphore::new(self.config.push.concurrency)),
            mail_turns: Arc::new(tokio::sync::Semaphore::new(self.config.mail.concurrency)),
            timeout: self.config.outbound_timeout,
            stats: self.stats,
        };
        tokio::join!(
            relay.run(stop.clone()),
            consumer.run(stop),
            schedule,
            sweep,
            digests,
            summaries,
            polls,
            scheduled
        );
    }
}
