//! Trends as stored in Redis: the worker recomputes them on a schedule
//! ([`refresh`]) and every API instance serves the stored lists, so a crowd
//! reading trends never reaches PostgreSQL.

use deadpool_redis::redis;
use sqlx::PgPool;

use crate::db::trends::{self, TagTrend};
use crate::kv::Kv;

/// Entries kept in each list.
pub const SIZE: i64 = 40;

fn tags_key(kv: &Kv) -> String {
    kv.key("trends:tags")
}

fn statuses_key(kv: &Kv) -> String {
    kv.key("trends:statuses")
}

/// Recomputes both lists and stores them for `ttl_secs` (several rounds of
/// the schedule, so a missed round leaves the last lists in place).
pub async fn refresh(db: &PgPool, kv: &Kv, ttl_secs: u64) -> crate::Result<()> {
    let tags = trends::tags(db, SIZE).await?;
    let statuses = trends::statuses(db, SIZE).await?;
    let tags = serde_json::to_string(&tags).map_err(anyhow::Error::from)?;
    let statuses = serde_json::to_string(&statuses).map_err(anyhow::Error::from)?;
    let mut conn = kv.pool().get().await?;
    let _: () = redis::pipe()
        .cmd("SET")
        .arg(tags_key(kv))
        .arg(tags)
        .arg("EX")
        .arg(ttl_secs)
        .ignore()
        .cmd("SET")
        .arg(statuses_key(kv))
        .arg(statuses)
        .arg("EX")
        .arg(ttl_secs)
        .ignore()
        .query_async(&mut conn)
        .await?;
    Ok(())
}

/// Claims this round for one worker among several; the claim lapses by
/// itself after `secs`.
pub async fn claim_round(kv: &Kv, secs: u64) -> crate::Result<bool> {
    let mut conn = kv.pool().get().await?;
    let claimed: Option<String> = redis::cmd("SET")
        .arg(kv.key("trends:round"))
        .arg(1)
        .arg("NX")
        .arg("EX")
        .arg(secs.max(1))
        .query_async(&mut conn)
        .await?;
    Ok(claimed.is_some())
}

async fn read<T: serde::de::DeserializeOwned>(kv: &Kv, key: String) -> crate::Result<Option<T>> {
    let mut conn = kv.pool().get().await?;
    let json: Option<String> = redis::cmd("GET").arg(key).query_async(&mut conn).await?;
    Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
}

/// The stored trending hashtags, if any were stored.
pub async fn tags(kv: &Kv) -> crate::Result<Option<Vec<TagTrend>>> {
    read(kv, tags_key(kv)).await
}

/// The stored trending posts, if any were stored.
pub async fn statuses(kv: &Kv) -> crate::Result<Option<Vec<i64>>> {
    read(kv, statuses_key(kv)).await
}
