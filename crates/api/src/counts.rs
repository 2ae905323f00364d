//! Counts shown on posts and accounts, cached in Redis hashes in front of
//! the sharded counter rows in PostgreSQL, so reading a hot post costs no
//! database query and a like does not invalidate its cached entity.
//!
//! Every change bumps a generation number next to the cached counts after
//! its transaction commits: a like adds to the cached count (if cached),
//! other changes drop it. A reader that loaded counts from PostgreSQL
//! stores them only if the generation did not move meanwhile, so a load that
//! raced a change never caches a count missing that change. Entries expire
//! after a few minutes. With Redis down, counts come from PostgreSQL, and
//! the counts an instance changed meanwhile are dropped when it is back.

use std::collections::HashMap;
use std::sync::LazyLock;

use deadpool_redis::redis;
use lookbook_core::counted::{self, ACCOUNT, CHANGE, STATUS, Spec, TTL_SECS};
use lookbook_core::db::counters::{self, Counts};
use lookbook_core::db::statuses::{self, StatusCounts};
use lookbook_core::kv::Lua;

use crate::AppState;
use crate::error::ApiResult;

fn keys(state: &AppState, spec: &Spec, id: i64) -> (String, String) {
    counted::keys(&state.kv, spec, id)
}

fn pending_key(state: &AppState, spec: &Spec, id: i64) -> String {
    counted::pending_key(&state.kv, spec, id)
}

/// Stores counts only if the generation is still the one read before the
/// load and no change that adds to them is under way (KEYS: counts,
/// generation, pending; ARGV: generation, then field, value...).
static STORE: LazyLock<Lua> = LazyLock::new(|| {
    Lua::new(
        r"
if (redis.call('GET', KEYS[2]) or '0') ~= ARGV[1] then return 0 end
if tonumber(redis.call('GET', KEYS[3]) or '0') > 0 then return 0 end
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('EXPIRE', KEYS[1], 300)
return 1
",
    )
});

/// Cached values (None where not cached) and generations of each id, or
/// None when Redis does not answer.
async fn read(
    state: &AppState,
    spec: &Spec,
    ids: &[i64],
) -> Option<Vec<(Option<Vec<i64>>, String)>> {
    let mut conn = state.kv.pool().get().await.ok()?;
    let mut pipe = redis::pipe();
    // Changes made here while Redis was down: their counts go first.
    let stale = state.flights.take_stale();
    for (counts, generation) in stale.clone() {
        pipe.cmd("DEL").arg(counts).ignore();
        pipe.cmd("INCR").arg(&generation).ignore();
        pipe.cmd("EXPIRE").arg(generation).arg(TTL_SECS).ignore();
    }
    for id in ids {
        let (counts, generation) = keys(state, spec, *id);
        pipe.cmd("HMGET").arg(counts).arg(spec.fields);
        pipe.cmd("GET").arg(generation);
    }
    let replies: Vec<redis::Value> = match pipe.query_async(&mut conn).await {
        Ok(replies) => replies,
        Err(err) => {
            tracing::warn!(error = %err, "cached counts unavailable; reading PostgreSQL");
            state.flights.mark_stale(stale);
            return None;
        }
    };
    let mut out = Vec::with_capacity(ids.len());
    for pair in replies.chunks(2) {
        let values: Vec<Option<i64>> = redis::from_redis_value(pair[0].clone()).ok()?;
        let generation: Option<String> = redis::from_redis_value(pair[1].clone()).ok()?;
        let values: Option<Vec<i64>> = values.into_iter().collect();
        out.push((values, generation.unwrap_or_else(|| "0".into())));
    }
    Some(out)
}

/// Counts of each id: cached ones, the rest loaded by `load` and cached.
async fn counts(
    state: &AppState,
    spec: &Spec,
    ids: &[i64],
    load: impl AsyncFnOnce(&[i64]) -> ApiResult<HashMap<i64, Vec<i64>>>,
) -> ApiResult<HashMap<i64, Vec<i64>>> {
    let mut cached = read(state, spec, ids).await;
    // One id missing (a hot post's counts expiring): concurrent callers take
    // turns, and all but the first find the counts it stored, or it shared.
    // Also when Redis did not answer in time (a crowd waiting for its
    // connections): the crowd must not all fall through to PostgreSQL.
    let single = match (&cached, ids) {
        (rows, [id]) if rows.as_ref().is_none_or(|rows| rows[0].0.is_none()) => {
            let key = keys(state, spec, *id).0;
            let arrived = std::time::Instant::now();
            let turn = state.flights.turn(&key).await;
            if let Some(values) = state.flights.shared(&key, arrived) {
                return Ok(HashMap::from([(*id, values)]));
            }
            cached = read(state, spec, ids).await;
            Some((turn, key))
        }
        _ => None,
    };
    let mut found = HashMap::with_capacity(ids.len());
    let mut missing = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        match cached.as_ref().and_then(|rows| rows[i].0.clone()) {
            Some(values) => {
                found.insert(*id, values);
            }
            None => missing.push((*id, cached.as_ref().map(|rows| rows[i].1.clone()))),
        }
    }
    if missing.is_empty() {
        return Ok(found);
    }
    let missing_ids: Vec<i64> = missing.iter().map(|(id, _)| *id).collect();
    let started = std::time::Instant::now();
    metrics::counter!("lookbook_count_loads_total", "kind" => spec.prefix).increment(1);
    state
        .cache_stats
        .count_loads
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let loaded = load(&missing_ids).await?;
    let zero = vec![0; spec.fields.len()];
    let mut pipe = redis::pipe();
    for (id, generation) in &missing {
        let values = loaded.get(id).cloned().unwrap_or_else(|| zero.clone());
        if let Some(generation) = generation {
            let (counts, gen_key) = keys(state, spec, *id);
            let mut eval = STORE.call(3);
            eval.arg(counts)
                .arg(gen_key)
                .arg(pending_key(state, spec, *id))
                .arg(generation);
            for (field, value) in spec.fields.iter().zip(&values) {
                eval.arg(*field).arg(*value);
            }
            pipe.add_command(eval).ignore();
        }
        if let Some((_, key)) = &single {
            state.flights.share(key, values.clone(), started);
        }
        found.insert(*id, values);
    }
    if cached.is_some()
        && let Ok(mut conn) = state.kv.pool().get().await
        && let Err(err) = STORE.run::<()>(&pipe, &mut conn).await
    {
        tracing::warn!(error = %err, "could not cache counts");
    }
    Ok(found)
}

/// The counts of each post (zero for a post with none).
pub async fn statuses(state: &AppState, ids: &[i64]) -> ApiResult<HashMap<i64, StatusCounts>> {
    let found = counts(state, &STATUS, ids, async |missing| {
        let loaded = statuses::counts(&state.db.primary, missing).await?;
        Ok(loaded
            .into_iter()
            .map(|(id, c)| (id, vec![c.favourites, c.replies, c.reblogs]))
            .collect())
    })
    .await?;
    Ok(found
        .into_iter()
        .map(|(id, v)| {
            (
                id,
                StatusCounts {
                    favourites: v[0],
                    replies: v[1],
                    reblogs: v[2],
                },
            )
        })
        .collect())
}

/// The counts of each account (zero for an account with none).
pub async fn accounts(state: &AppState, ids: &[i64]) -> ApiResult<HashMap<i64, Counts>> {
    let found = counts(state, &ACCOUNT, ids, async |missing| {
        let loaded = counters::for_accounts(&state.db.primary, missing).await?;
        Ok(loaded
            .into_iter()
            .map(|(id, c)| {
                (
                    id,
                    vec![c.followers, c.following, c.statuses, c.last_status],
                )
            })
            .collect())
    })
    .await?;
    Ok(found
        .into_iter()
        .map(|(id, v)| {
            let counts = Counts {
                followers: v[0],
                following: v[1],
                statuses: v[2],
                last_status: v[3],
            };
            (id, counts)
        })
        .collect())
}

/// Records a committed change for each id: `add` adds to one cached field,
/// None drops the cached counts.
async fn changed(state: &AppState, spec: &Spec, ids: &[i64], add: Option<(&str, i64)>) {
    let stale = || ids.iter().map(|id| keys(state, spec, *id));
    let Ok(mut conn) = state.kv.pool().get().await else {
        tracing::warn!("Redis unavailable; cached counts are dropped once it answers");
        state.flights.mark_stale(stale());
        return;
    };
    let pipe = counted::changes(&state.kv, spec, ids, add);
    if let Err(err) = CHANGE.run::<()>(&pipe, &mut conn).await {
        tracing::warn!(error = %err, "could not update cached counts; dropping them later");
        state.flights.mark_stale(stale());
    }
}

/// Before a favourite or unfavourite: while it is under way, no reader
/// stores counts loaded from PostgreSQL (they may or may not include it,
/// and [`finish_favourite`] adds it to what is cached). Lapses by itself.
pub async fn begin_favourite(state: &AppState, status_id: i64) {
    let pending = pending_key(state, &STATUS, status_id);
    if let Ok(mut conn) = state.kv.pool().get().await {
        let _: Result<(), _> = redis::pipe()
            .cmd("INCR")
            .arg(&pending)
            .ignore()
            .cmd("EXPIRE")
            .arg(&pending)
            .arg(60)
            .ignore()
            .query_async(&mut conn)
            .await;
    }
}

/// After the favourite's transaction: `delta` is +1 or -1 when the mark
/// changed (0 when it did not, or the transaction failed).
pub async fn finish_favourite(state: &AppState, status_id: i64, delta: i64) {
    let add = (delta != 0).then_some(("favourites", delta));
    changed(state, &STATUS, &[status_id], add).await;
    if let Ok(mut conn) = state.kv.pool().get().await {
        let _: Result<i64, _> = redis::cmd("DECR")
            .arg(pending_key(state, &STATUS, status_id))
            .query_async(&mut conn)
            .await;
    }
}

/// After a reply to these posts, or a boost of them, was added or removed.
pub async fn forget_statuses(state: &AppState, ids: &[i64]) {
    changed(state, &STATUS, ids, None).await;
}

/// After a post, a deletion or a change in who follows whom.
pub async fn forget_accounts(state: &AppState, ids: &[i64]) {
    changed(state, &ACCOUNT, ids, None).await;
}
