//! Memcached: the cache of hydrated entities, spread over several servers.
//!
//! Keys are routed by rendezvous hashing with a fixed hash function (FNV-1a),
//! so every instance, whatever Rust it was built with, sends a key to the same
//! server, and adding a server moves only the keys that land on it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use memcache::exp::{AsyncMemcache, Memcache, Rendezvous};

use crate::config::MemcachedConfig;

/// Failed deletions remembered, at most.
const UNDELIVERED_MAX: usize = 100_000;

/// A Memcached client whose keys all carry the deployment's prefix.
#[derive(Debug, Clone)]
pub struct Cache {
    client: AsyncMemcache,
    prefix: String,
    /// Keys whose deletion failed (Memcached unreachable): deleted again
    /// once it answers, so an edit made during an outage is not hidden by
    /// the entry cached before it.
    undelivered: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Cache {
    /// Resolves the servers; connections are dialed on first use, so start-up
    /// does not wait for Memcached.
    pub async fn connect(config: &MemcachedConfig, timeout: Duration) -> crate::Result<Cache> {
        let undelivered: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
        let failed = undelivered.clone();
        let client = Memcache::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .router(Rendezvous::with_hash_function(fnv1a))
            // An outage reads as misses and drops writes: pages come from
            // PostgreSQL, slower, never failing for it.
            .degrade(true)
            .on_error(move |event| {
                if event.op.starts_with("delete") || event.op == "invalidate" {
                    let mut keys = failed.lock().unwrap_or_else(|e| e.into_inner());
                    if keys.len() < UNDELIVERED_MAX {
                        keys.push(event.key.to_vec());
                    }
                }
            })
            .connect_async(config.servers.iter().map(String::as_str))
            .await?;
        Ok(Cache {
            client,
            prefix: config.key_prefix.clone(),
            undelivered,
        })
    }

    /// The client, for the verbs this wrapper does not name.
    pub fn client(&self) -> &AsyncMemcache {
        &self.client
    }

    /// The full key for `key`.
    pub fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// The key of a cached entity (`status`, `account`) by id, as the API
    /// keeps it; the worker drops entries it changes with it.
    pub fn entity_key(&self, kind: &str, id: i64) -> String {
        self.key(&format!("{kind}:{id}"))
    }

    /// The values of those of `keys` that are cached; none when Memcached
    /// does not answer (logged as `what`): callers read the database then.
    pub async fn get_strings(&self, keys: &[String], what: &str) -> HashMap<String, String> {
        match self.client.get_many(keys).await {
            Ok(found) => found
                .into_iter()
                .map(|(k, v): (&String, String)| (k.clone(), v))
                .collect(),
            Err(err) => {
                tracing::warn!(error = %err, what, "cache read failed");
                HashMap::new()
            }
        }
    }

    /// Deletes `keys`; if Memcached does not confirm it, they are deleted
    /// again once it answers.
    pub async fn delete_many(&self, keys: &[String]) {
        if let Err(err) = self.client.delete_many(keys).await {
            tracing::warn!(error = %err, "cache deletion unconfirmed; retrying later");
            let mut undelivered = self.undelivered.lock().unwrap_or_else(|e| e.into_inner());
            if undelivered.len() < UNDELIVERED_MAX {
                undelivered.extend(keys.iter().map(|k| k.as_bytes().to_vec()));
            }
        }
    }

    /// Deletes again the keys whose deletion failed; they are remembered
    /// again if it fails again.
    pub async fn redeliver(&self) {
        let keys = std::mem::take(&mut *self.undelivered.lock().unwrap_or_else(|e| e.into_inner()));
        if !keys.is_empty() {
            let keys: Vec<String> = keys
                .into_iter()
                .map(|k| String::from_utf8_lossy(&k).into_owned())
                .collect();
            self.delete_many(&keys).await;
        }
    }

    /// How many deleted keys Memcached has not confirmed yet: a short-lived
    /// process (an operator command) cannot wait to delete them again, so
    /// it says so instead.
    pub fn undelivered(&self) -> usize {
        self.undelivered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    /// Round-trips a no-op to every server.
    pub async fn check(&self) -> crate::Result<()> {
        Ok(self.client.meta().noop().await?)
    }
}

/// FNV-1a, 64-bit: stable across builds, unlike `DefaultHasher`.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    /// The hash is the published FNV-1a, so routing never changes with the toolchain.
    #[test]
    fn fnv1a_matches_the_reference_values() {
        assert_eq!(super::fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(super::fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(super::fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }
}
