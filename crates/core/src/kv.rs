//! Redis: token lookups, rate limits, home feeds, hot counters. A bounded pool
//! and a key prefix per deployment.

use std::time::Duration;

use deadpool_redis::{Pool, Runtime, Timeouts};

use crate::config::RedisConfig;

/// The Redis pool and the prefix every key carries.
#[derive(Clone)]
pub struct Kv {
    pool: Pool,
    prefix: String,
}

impl std::fmt::Debug for Kv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kv")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl Kv {
    /// Builds the pool; connections open on first use.
    pub fn connect(config: &RedisConfig, timeout: Duration) -> crate::Result<Kv> {
        let mut cfg = deadpool_redis::Config::from_url(config.url.clone());
        let mut pool_cfg = deadpool_redis::PoolConfig::new(config.pool_size);
        pool_cfg.timeouts = Timeouts {
            wait: Some(timeout),
            create: Some(timeout),
            recycle: Some(timeout),
        };
        cfg.pool = Some(pool_cfg);
        let pool = cfg
            .create_pool(Some(Runtime::Tokio1))
            .map_err(|e| crate::Error::Redis(e.to_string()))?;
        Ok(Kv {
            pool,
            prefix: config.key_prefix.clone(),
        })
    }

    /// The pool, for commands.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The full key for `key`.
    pub fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// Sends PING.
    pub async fn check(&self) -> crate::Result<()> {
        let mut conn = self.pool.get().await?;
        let _: String = deadpool_redis::redis::cmd("PING")
            .query_async(&mut conn)
            .await?;
        Ok(())
    }
}
