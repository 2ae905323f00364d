//! The handles every handler shares: configuration and the service clients.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use lookbook_core::Config;
use lookbook_core::cache::Cache;
use lookbook_core::db::Db;
use lookbook_core::kv::Kv;
use lookbook_core::storage::Storage;

use crate::flights::Flights;

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
    /// Set once shutdown begins, so `/readyz` sends the load balancer elsewhere.
    draining: Arc<AtomicBool>,
}

impl AppState {
    /// Builds every client with bounded pools and timeouts; nothing here waits
    /// for a service to answer.
    pub async fn connect(config: Config) -> anyhow::Result<AppState> {
        let timeout = config.outbound_timeout;
        Ok(AppState {
            db: Db::connect_lazy(&config.database)?,
            kv: Kv::connect(&config.redis, timeout)?,
            cache: Cache::connect(&config.memcached, timeout).await?,
            storage: Storage::new(&config.s3, timeout),
            flights: Arc::new(Flights::default()),
            cache_stats: Arc::default(),
            config: Arc::new(config),
            draining: Arc::new(AtomicBool::new(false)),
        })
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
