//! Entities cached in Memcached by kind and id, as JSON.
//!
//! A page asks for all its ids in one multi-get; the misses are loaded
//! together by one loader call and written back. A single missing key goes
//! through the client's `fetch` instead: concurrent misses of one key in an
//! instance share one load, and across instances a lease keeps a hot key's
//! expiry from sending every instance to PostgreSQL at once. With Memcached down, reads are misses and writes are
//! dropped (the client degrades), so pages are served from PostgreSQL.
//! Hits, misses and loads (database round trips for misses) are counted per
//! kind on `/metrics`.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};

use memcache::exp::Ttl;
use serde_json::Value;

use crate::AppState;
use crate::error::{ApiError, ApiResult};

/// Kinds of cached entity (the key's first part and the metric label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A post without its counts, author or viewer's marks.
    Status,
    /// An account without its counts.
    Account,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Status => "status",
            Kind::Account => "account",
        }
    }
}

impl Kind {
    /// How long an entry lives; changes delete it sooner. Accounts change
    /// where the API does not see it (the worker finishing an avatar), so
    /// theirs is short.
    fn ttl(self) -> Ttl {
        match self {
            Kind::Status => Ttl::secs(3600),
            Kind::Account => Ttl::secs(60),
        }
    }
}

/// Entries written after a batch load live at most this long: a load that
/// read a row just before a change could write it back just after the
/// change deleted it (a single-key load is fenced by its lease instead).
const BATCH_TTL: Ttl = Ttl::secs(300);

fn key(state: &AppState, kind: Kind, id: i64) -> String {
    state.cache.entity_key(kind.name(), id)
}

/// This instance's cache counts (the same as on `/metrics`, where every
/// instance in a process would share them).
#[derive(Debug, Default)]
pub struct Stats {
    pub status_hits: AtomicU64,
    pub status_loads: AtomicU64,
    pub account_loads: AtomicU64,
    pub count_loads: AtomicU64,
}

fn loaded(stats: &Stats, kind: Kind) {
    metrics::counter!("lookbook_cache_loads_total", "kind" => kind.name()).increment(1);
    let counter = match kind {
        Kind::Status => &stats.status_loads,
        Kind::Account => &stats.account_loads,
    };
    counter.fetch_add(1, Ordering::Relaxed);
}

fn count(kind: Kind, hits: usize, misses: usize) {
    metrics::counter!("lookbook_cache_hits_total", "kind" => kind.name()).increment(hits as u64);
    metrics::counter!("lookbook_cache_misses_total", "kind" => kind.name())
        .increment(misses as u64);
}

/// The entities with these ids, from the cache where it has them and from
/// `load` (called once, with all the misses) where it does not. Ids `load`
/// does not return are left out.
pub async fn many<F, Fut>(
    state: &AppState,
    kind: Kind,
    ids: &[i64],
    load: F,
) -> ApiResult<HashMap<i64, Value>>
where
    F: FnOnce(Vec<i64>) -> Fut,
    Fut: Future<Output = ApiResult<HashMap<i64, Value>>> + Send + 'static,
{
    state.cache.redeliver().await;
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let keys: Vec<String> = ids.iter().map(|id| key(state, kind, *id)).collect();
    let cached = state.cache.get_strings(&keys, kind.name()).await;
    let mut found = HashMap::with_capacity(ids.len());
    let mut missing = Vec::new();
    for (id, k) in ids.iter().zip(&keys) {
        match cached
            .get(k)
            .and_then(|json| serde_json::from_str(json).ok())
        {
            Some(value) => {
                found.insert(*id, value);
            }
            None => missing.push(*id),
        }
    }
    count(kind, found.len(), missing.len());
    if kind == Kind::Status {
        state
            .cache_stats
            .status_hits
            .fetch_add(found.len() as u64, Ordering::Relaxed);
    }
    match missing.as_slice() {
        [] => {}
        [one] => {
            // One key: shared by every concurrent caller, leased across instances.
            let one = *one;
            let loading = load(vec![one]);
            let stats = state.cache_stats.clone();
            let fetched: memcache::exp::Result<String> = state
                .cache
                .client()
                .fetch(key(state, kind, one), kind.ttl(), async move {
                    loaded(&stats, kind);
                    let mut loaded = loading.await?;
                    // An id that does not exist is never cached: ids can be
                    // guessed, and a post created under a cached absence
                    // would stay hidden. The error leaves nothing behind.
                    let value = loaded.remove(&one).ok_or(ApiError::NotFound)?;
                    Ok::<String, ApiError>(value.to_string())
                })
                .await;
            match fetched {
                Ok(json) => {
                    if let Ok(value) = serde_json::from_str::<Value>(&json)
                        && !value.is_null()
                    {
                        found.insert(one, value);
                    }
                }
                Err(err) if matches!(err.callback::<ApiError>(), Some(ApiError::NotFound)) => {}
                Err(err) => {
                    tracing::warn!(error = %err, kind = kind.name(), "cache fetch failed");
                    return Err(ApiError::Unavailable(format!(
                        "the {} could not be loaded; try again",
                        kind.name()
                    )));
                }
            }
        }
        _ => {
            loaded(&state.cache_stats, kind);
            let loaded = load(missing).await?;
            let pairs: Vec<(String, String)> = loaded
                .iter()
                .map(|(id, value)| (key(state, kind, *id), value.to_string()))
                .collect();
            let ttl = if kind == Kind::Account {
                kind.ttl()
            } else {
                BATCH_TTL
            };
            if let Err(err) = state.cache.client().set_many(pairs, ttl).await {
                tracing::warn!(error = %err, kind = kind.name(), "cache write failed");
            }
            found.extend(loaded);
        }
    }
    Ok(found)
}

/// Drops entries after a change, so the next read (the member's own first
/// of all) loads the new version.
pub async fn forget(state: &AppState, kind: Kind, ids: &[i64]) {
    let keys: Vec<String> = ids.iter().map(|id| key(state, kind, *id)).collect();
    state.cache.delete_many(&keys).await;
}
