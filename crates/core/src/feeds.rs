//! Home feeds in Redis: one sorted set of post ids per member, newest last,
//! capped. Every member has the same score, so the set orders by member,
//! and ids are written zero-padded to 19 digits: lexical order is numeric
//! order, exactly, for every 64-bit id (scores are doubles and would not be).
//!
//! A feed that exists holds a marker member `~`, which sorts above every
//! id. Writers only add to feeds that exist; a missing feed (a new member,
//! an evicted or flushed one) is rebuilt from PostgreSQL by the reader.
//! The feed is a cache: PostgreSQL stays the truth, and readers check what
//! they take from it.

use std::sync::LazyLock;

use deadpool_redis::redis;

use crate::kv::{Kv, Lua};

/// The marker member of a feed that exists.
const MARKER: &str = "~";

/// Idle feeds expire; reading one keeps it alive.
pub const TTL_SECS: u64 = 14 * 24 * 3600;

/// The member for a post id.
fn member(id: i64) -> String {
    format!("{id:019}")
}

/// The key of a member's home feed.
pub fn home_key(kv: &Kv, account_id: i64) -> String {
    kv.key(&format!("feed:home:{account_id}"))
}

/// Adds posts to every listed feed that exists, trimming each to `size`.
static PUSH: LazyLock<Lua> = LazyLock::new(|| {
    Lua::new(
        r"
local size = tonumber(ARGV[1])
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    for i = 2, #ARGV do
      redis.call('ZADD', key, 0, ARGV[i])
    end
    redis.call('ZREMRANGEBYRANK', key, 0, -(size + 2))
  end
end
return 0
",
    )
});

/// Adds `status_ids` to the feeds of `accounts` that exist.
pub async fn push(kv: &Kv, accounts: &[i64], status_ids: &[i64], size: usize) -> crate::Result<()> {
    if accounts.is_empty() || status_ids.is_empty() {
        return Ok(());
    }
    let mut conn = kv.pool().get().await?;
    let mut eval = PUSH.call(accounts.len());
    for account in accounts {
        eval.arg(home_key(kv, *account));
    }
    eval.arg(size);
    for id in status_ids {
        eval.arg(member(*id));
    }
    let mut pipe = redis::pipe();
    pipe.add_command(eval).ignore();
    PUSH.run::<()>(&pipe, &mut conn).await?;
    Ok(())
}

/// Takes posts out of one member's feed.
pub async fn remove(kv: &Kv, account_id: i64, status_ids: &[i64]) -> crate::Result<()> {
    if status_ids.is_empty() {
        return Ok(());
    }
    let mut conn = kv.pool().get().await?;
    let members: Vec<String> = status_ids.iter().map(|id| member(*id)).collect();
    let _: i64 = redis::cmd("ZREM")
        .arg(home_key(kv, account_id))
        .arg(members)
        .query_async(&mut conn)
        .await?;
    Ok(())
}

/// Takes one post out of many feeds.
pub async fn remove_everywhere(kv: &Kv, accounts: &[i64], status_id: i64) -> crate::Result<()> {
    if accounts.is_empty() {
        return Ok(());
    }
    let mut conn = kv.pool().get().await?;
    let mut pipe = redis::pipe();
    for account in accounts {
        pipe.cmd("ZREM")
            .arg(home_key(kv, *account))
            .arg(member(status_id))
            .ignore();
    }
    let _: () = pipe.query_async(&mut conn).await?;
    Ok(())
}

/// Drops a member's feed; the next read rebuilds it.
pub async fn forget(kv: &Kv, account_id: i64) -> crate::Result<()> {
    let mut conn = kv.pool().get().await?;
    let _: i64 = redis::cmd("DEL")
        .arg(home_key(kv, account_id))
        .query_async(&mut conn)
        .await?;
    Ok(())
}

/// Makes the member's feed exist (empty if it did not), before it is
/// filled from PostgreSQL: a post fanned out while the fill is read then
/// lands in the feed instead of being skipped as if the feed were missing.
pub async fn create(kv: &Kv, account_id: i64) -> crate::Result<()> {
    let key = home_key(kv, account_id);
    let mut conn = kv.pool().get().await?;
    let _: () = redis::pipe()
        .cmd("ZADD")
        .arg(&key)
        .arg("NX")
        .arg(0)
        .arg(MARKER)
        .ignore()
        .cmd("EXPIRE")
        .arg(&key)
        .arg(TTL_SECS)
        .ignore()
        .query_async(&mut conn)
        .await?;
    Ok(())
}

/// Up to `limit` ids of the feed strictly between `lower` and `upper`,
/// newest first (`ascending`: the ones just above `lower`), or None when the
/// feed does not exist.
pub async fn range(
    kv: &Kv,
    account_id: i64,
    upper: Option<i64>,
    lower: Option<i64>,
    ascending: bool,
    limit: i64,
) -> crate::Result<Option<Vec<i64>>> {
    let key = home_key(kv, account_id);
    let max = upper.map_or_else(
        || format!("[{}", "9".repeat(19)),
        |id| format!("({}", member(id)),
    );
    let min = lower.map_or_else(|| "-".to_string(), |id| format!("({}", member(id)));
    let mut conn = kv.pool().get().await?;
    let mut pipe = redis::pipe();
    pipe.cmd("EXISTS").arg(&key);
    if ascending {
        pipe.cmd("ZRANGEBYLEX").arg(&key).arg(&min).arg(&max);
    } else {
        pipe.cmd("ZREVRANGEBYLEX").arg(&key).arg(&max).arg(&min);
    }
    pipe.arg("LIMIT").arg(0).arg(limit);
    pipe.cmd("EXPIRE").arg(&key).arg(TTL_SECS).ignore();
    let (exists, members): (bool, Vec<String>) = pipe.query_async(&mut conn).await?;
    if !exists {
        return Ok(None);
    }
    let mut ids: Vec<i64> = members.iter().filter_map(|m| m.parse().ok()).collect();
    if ascending {
        ids.reverse();
    }
    Ok(Some(ids))
}

#[cfg(test)]
mod tests {
    /// Padded members sort like the numbers, and the marker above them all.
    #[test]
    fn members_sort_numerically() {
        let mut members = vec![
            super::member(i64::MAX),
            super::member(10),
            super::member(9),
            super::MARKER.to_string(),
        ];
        members.sort();
        assert_eq!(
            members,
            vec![
                "0000000000000000009".to_string(),
                "0000000000000000010".to_string(),
                "9223372036854775807".to_string(),
                "~".to_string(),
            ]
        );
    }
}
