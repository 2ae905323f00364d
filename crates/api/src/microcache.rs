//! A short-lived copy, inside each instance, of the anonymous public reads
//! the edge may keep (`Cache-Control: public, max-age=1`): for as long as
//! the answer said (one second by default), the same request is answered
//! from memory without touching the caches or the database. nginx does the
//! same in front of the instances; this keeps a crowd that reaches the
//! instances directly (or through a balancer without a cache) just as
//! cheap. Anonymous readers may therefore see a post up to a second old,
//! which is what `max-age=1` already tells every cache. Bounded in bytes;
//! `MICROCACHE_MS=0` turns it off.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue};
use bytes::Bytes;

const SHARDS: usize = 16;

/// One kept answer.
#[derive(Debug, Clone)]
pub struct Entry {
    pub headers: HeaderMap,
    pub etag: HeaderValue,
    pub body: Bytes,
    at: Instant,
}

#[derive(Debug, Default)]
struct Shard {
    entries: HashMap<String, Entry>,
    bytes: usize,
}

#[derive(Debug)]
pub struct Microcache {
    ttl: Duration,
    /// Bytes each shard may hold.
    budget: usize,
    hasher: RandomState,
    shards: Vec<Mutex<Shard>>,
}

impl Microcache {
    pub fn new(ttl: Duration, budget_bytes: usize) -> Microcache {
        Microcache {
            ttl,
            budget: budget_bytes / SHARDS,
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }

    pub fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }

    fn shard(&self, key: &str) -> &Mutex<Shard> {
        &self.shards[self.hasher.hash_one(key) as usize % SHARDS]
    }

    /// The kept answer for `key`, while it is fresh.
    pub fn get(&self, key: &str) -> Option<Entry> {
        let shard = self.shard(key).lock().ok()?;
        shard
            .entries
            .get(key)
            .filter(|e| e.at.elapsed() < self.ttl)
            .cloned()
    }

    /// Keeps an answer; when the shard is full, stale entries go first, and
    /// an answer that still does not fit is not kept.
    pub fn put(&self, key: &str, headers: HeaderMap, etag: HeaderValue, body: Bytes) {
        if !self.enabled() {
            return;
        }
        let size = key.len() + body.len() + 256;
        let Ok(mut shard) = self.shard(key).lock() else {
            return;
        };
        if let Some(old) = shard.entries.remove(key) {
            shard.bytes -= key.len() + old.body.len() + 256;
        }
        if shard.bytes + size > self.budget {
            let ttl = self.ttl;
            let mut freed = 0;
            shard.entries.retain(|k, e| {
                let keep = e.at.elapsed() < ttl;
                if !keep {
                    freed += k.len() + e.body.len() + 256;
                }
                keep
            });
            shard.bytes -= freed;
            if shard.bytes + size > self.budget {
                return;
            }
        }
        shard.bytes += size;
        shard.entries.insert(
            key.to_string(),
            Entry {
                headers,
                etag,
                body,
                at: Instant::now(),
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(cache: &Microcache, key: &str, body: &'static [u8]) {
        cache.put(
            key,
            HeaderMap::new(),
            HeaderValue::from_static("\"e\""),
            Bytes::from_static(body),
        );
    }

    #[test]
    fn an_entry_is_kept_for_its_time_only() {
        let cache = Microcache::new(Duration::from_millis(50), 1 << 20);
        put(&cache, "/a", b"one");
        assert_eq!(
            cache.get("/a").map(|e| e.body),
            Some(Bytes::from_static(b"one"))
        );
        assert!(cache.get("/b").is_none());
        std::thread::sleep(Duration::from_millis(60));
        assert!(cache.get("/a").is_none());
    }

    #[test]
    fn the_byte_budget_holds() {
        // 16 shards of 400 bytes: a 300-byte answer fits once per shard.
        let cache = Microcache::new(Duration::from_secs(60), 16 * 700);
        let body: &'static [u8] = &[b'x'; 300];
        for i in 0..200 {
            put(&cache, &format!("/k{i}"), body);
        }
        let kept = (0..200)
            .filter(|i| cache.get(&format!("/k{i}")).is_some())
            .count();
        assert!((1..=16).contains(&kept), "{kept} kept");
    }

    #[test]
    fn zero_ttl_keeps_nothing() {
        let cache = Microcache::new(Duration::ZERO, 1 << 20);
        put(&cache, "/a", b"one");
        assert!(cache.get("/a").is_none());
    }
}
