//! The handles every handler shares: configuration and the service clients.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use deadpool_redis::redis;
use lookbook_core::Config;
use lookbook_core::cache::Cache;
use lookbook_core::db::Db;
use lookbook_core::db::stats::ServerStats;
use lookbook_core::kv::Kv;
use lookbook_core::storage::Storage;
use lookbook_core::webpush::vapid::Vapid;

use crate::flights::Flights;

/// The deadline of each Redis and Memcached call.
const CACHE_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(500);

/// How long a member's reads stay on the primary after they write.
pub const READ_YOUR_WRITES: std::time::Duration = std::time::Duration::from_secs(10);

/// Cheap to clone: every field is a handle.
#[derive(Clone, Debug)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub kv: Kv,
    pub cache: Cache,
    pub storage: Storage,
    /// Loads in progress, so concurrent misses of one key load once.
    pub flights: Arc<Flights>,
    /// This instance's cache hits and loads.
    pub cache_stats: Arc<crate::cached::Stats>,
    /// Turns for requests in flight (load shedding).
    pub gate: Arc<crate::shed::Gate>,
    /// Anonymous public answers kept for about a second.
    pub microcache: Arc<crate::microcache::Microcache>,
    /// Whether the read replica may serve reads (lag, reachability).
    pub replica: Arc<crate::replica::ReplicaHealth>,
    /// Live-channel connections on this instance and what they listen to.
    pub hub: Arc<crate::streaming::hub::Hub>,
    /// The VAPID key, loaded on first use (configured, or kept in PostgreSQL).
    vapid: Arc<tokio::sync::OnceCell<Arc<Vapid>>>,
    /// Members, posts and the contact member, read at most once a minute
    /// per instance.
    pub about: Arc<tokio::sync::Mutex<Option<About>>>,
    /// Set once shutdown begins, so `/readyz` sends the load balancer elsewhere.
    draining: Arc<AtomicBool>,
}

/// What the instance entities say of the server that changes: counts and
/// the contact member, as last read.
#[derive(Debug, Clone)]
pub struct About {
    pub read_at: std::time::Instant,
    pub stats: ServerStats,
    pub contact: Option<serde_json::Value>,
}

impl AppState {
    /// Builds every client with bounded pools and timeouts; nothing here waits
    /// for a service to answer.
    pub async fn connect(config: Config) -> anyhow::Result<AppState> {
        let timeout = config.outbound_timeout;
        // Caches answer in a millisecond or not at all: waiting long on one
        // would cost more than reading PostgreSQL.
        let kv = Kv::connect(&config.redis, timeout.min(CACHE_TIMEOUT))?;
        let hub = Arc::new(crate::streaming::hub::Hub::default());
        tokio::spawn(hub.clone().listen(kv.clone()));
        Ok(AppState {
            db: Db::connect_lazy(&config.database)?,
            kv,
            hub,
            cache: Cache::connect(&config.memcached, timeout.min(CACHE_TIMEOUT)).await?,
            storage: Storage::new(&config.s3, timeout),
            flights: Arc::new(Flights::default()),
            cache_stats: Arc::default(),
            gate: Arc::new(crate::shed::Gate::new(
                config.http.max_in_flight,
                config.http.queue_wait,
                config.http.latency_target,
            )),
            microcache: Arc::new(crate::microcache::Microcache::new(
                config.http.microcache,
                config.http.microcache_bytes,
            )),
            replica: Arc::new(crate::replica::ReplicaHealth::new(
                config.database.replica_max_lag,
            )),
            config: Arc::new(config),
            vapid: Arc::default(),
            about: Arc::default(),
            draining: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The VAPID key pushes are signed with.
    pub async fn vapid(&self) -> lookbook_core::Result<Arc<Vapid>> {
        self.vapid
            .get_or_try_init(|| async {
                Vapid::load(
                    &self.db.primary,
                    self.config.push.vapid_private_key.as_ref(),
                )
                .await
                .map(Arc::new)
            })
            .await
            .cloned()
    }

    /// The VAPID public key clients subscribe with; empty while PostgreSQL
    /// cannot be asked for it.
    pub async fn vapid_key(&self) -> String {
        match self.vapid().await {
            Ok(vapid) => vapid.public_key(),
            Err(error) => {
                tracing::warn!(%error, "the VAPID key could not be loaded");
                String::new()
            }
        }
    }

    /// Where a read for `viewer` goes: the replica, unless there is none,
    /// it lags too far or does not answer (`crate::replica`), or the viewer
    /// wrote something in the last [`READ_YOUR_WRITES`] (then the primary,
    /// so they see their own post or like at once). Without Redis to tell,
    /// the primary.
    pub async fn reader(&self, viewer: Option<i64>) -> &sqlx::PgPool {
        if !self.db.has_replica || !self.replica.usable() {
            return &self.db.primary;
        }
        let Some(me) = viewer else {
            return &self.db.replica;
        };
        let key = self.kv.key(&format!("wrote:{me}"));
        let wrote: Result<bool, String> = async {
            let mut conn = self.kv.pool().get().await.map_err(|e| e.to_string())?;
            redis::cmd("EXISTS")
                .arg(key)
                .query_async(&mut conn)
                .await
                .map_err(|e| e.to_string())
        }
        .await;
        match wrote {
            Ok(false) => &self.db.replica,
            _ => &self.db.primary,
        }
    }

    /// Notes that `account` is writing, so their reads go to the primary for
    /// a while (only when a replica is configured).
    pub async fn writing(&self, account: i64) {
        if !self.db.has_replica {
            return;
        }
        let key = self.kv.key(&format!("wrote:{account}"));
        if let Ok(mut conn) = self.kv.pool().get().await {
            let _: Result<(), _> = redis::cmd("SET")
                .arg(key)
                .arg(1)
                .arg("EX")
                .arg(READ_YOUR_WRITES.as_secs())
                .query_async(&mut conn)
                .await;
        }
    }

    /// A transaction on the primary.
    pub async fn begin(&self) -> lookbook_core::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        Ok(self.db.primary.begin().await?)
    }

    /// Whether shutdown has begun.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
    }

    pub(crate) fn start_draining(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }
}
