//! Memcached: the cache of hydrated entities, spread over several servers.
//!
//! Keys are routed by rendezvous hashing with a fixed hash function (FNV-1a),
//! so every instance, whatever Rust it was built with, sends a key to the same
//! server, and adding a server moves only the keys that land on it.

use std::time::Duration;

use memcache::exp::{AsyncMemcache, Memcache, Rendezvous};

use crate::config::MemcachedConfig;

/// A Memcached client whose keys all carry the deployment's prefix.
#[derive(Debug, Clone)]
pub struct Cache {
    client: AsyncMemcache,
    prefix: String,
}

impl Cache {
    /// Resolves the servers; connections are dialed on first use, so start-up
    /// does not wait for Memcached.
    pub async fn connect(config: &MemcachedConfig, timeout: Duration) -> crate::Result<Cache> {
        let client = Memcache::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .router(Rendezvous::with_hash_function(fnv1a))
            .connect_async(config.servers.iter().map(String::as_str))
            .await?;
        Ok(Cache {
            client,
            prefix: config.key_prefix.clone(),
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
