//! Redis: token lookups, rate limits, home feeds, hot counters. A bounded pool
//! and a key prefix per deployment, and [`Lua`] scripts sent by their hash.

use std::time::Duration;

use deadpool_redis::redis::{self, FromRedisValue, RedisResult, Script, ServerErrorKind};
use deadpool_redis::{Pool, Runtime, Timeouts};

use crate::config::RedisConfig;

/// The Redis pool and the prefix every key carries.
#[derive(Clone)]
pub struct Kv {
    pool: Pool,
    prefix: String,
    url: crate::Secret,
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
        let mut cfg = deadpool_redis::Config::from_url(config.url.expose());
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
            url: config.url.clone(),
        })
    }

    /// The pool, for commands.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// A connection of its own for subscribing (SUBSCRIBE takes a connection
    /// over, so it cannot come from the pool).
    pub async fn subscriber(&self) -> crate::Result<redis::aio::PubSub> {
        let client = redis::Client::open(self.url.expose())?;
        Ok(client.get_async_pubsub().await?)
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

/// A Lua script called by its SHA-1 (`EVALSHA`): the script's text crosses
/// the network only when the server does not know it yet (its first use,
/// or after a restart or `SCRIPT FLUSH`), not on every call.
#[derive(Debug)]
pub struct Lua(Script);

impl Lua {
    pub fn new(code: &str) -> Lua {
        Lua(Script::new(code))
    }

    /// An `EVALSHA` of this script with `keys` keys, for a pipeline; the
    /// keys, then the arguments, are appended by the caller.
    pub fn call(&self, keys: usize) -> redis::Cmd {
        let mut cmd = redis::cmd("EVALSHA");
        cmd.arg(self.0.get_hash()).arg(keys);
        cmd
    }

    /// Runs `pipe`, whose script calls are this script's; when the server
    /// did not know the script (then none of them ran), loads it and runs
    /// the pipeline once more.
    pub async fn run<T: FromRedisValue>(
        &self,
        pipe: &redis::Pipeline,
        conn: &mut deadpool_redis::Connection,
    ) -> RedisResult<T> {
        match pipe.query_async(conn).await {
            Err(e) if e.kind() == redis::ErrorKind::Server(ServerErrorKind::NoScript) => {
                self.0.load_async(conn).await?;
                pipe.query_async(conn).await
            }
            done => done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Lua;

    /// A call sends the script's hash, not its text.
    #[test]
    fn calls_send_the_hash_not_the_text() {
        let code = "return redis.call('GET', KEYS[1]) -- a long script body";
        let lua = Lua::new(code);
        let mut cmd = lua.call(1);
        cmd.arg("some-key");
        let wire = String::from_utf8(cmd.get_packed_command()).unwrap();
        assert!(wire.contains("EVALSHA"), "{wire}");
        assert!(!wire.contains("a long script body"), "{wire}");
        // SHA-1 of the text, as Redis computes it.
        assert!(wire.contains("$40\r\n"), "{wire}");
    }
}
