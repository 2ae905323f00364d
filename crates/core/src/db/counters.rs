//! Per-account counters, spread over shards so concurrent changes to one
//! account's counts never wait on a single row.

use std::collections::HashMap;

use sqlx::{PgConnection, PgExecutor};

/// Rows per account; a change lands on one at random.
const SHARDS: i16 = 16;

/// An account's counts, and its newest post.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub followers: i64,
    pub following: i64,
    pub statuses: i64,
    /// The id of the account's newest post (not a boost, not direct), 0 for
    /// none; read, never added to.
    pub last_status: i64,
}

impl Counts {
    /// The day of the account's newest post, as Mastodon's `last_status_at`
    /// gives it (`2026-12-01`).
    pub fn last_status_day(&self) -> Option<String> {
        (self.last_status > 0).then(|| {
            let at: chrono::DateTime<chrono::Utc> = super::ids::created_at(self.last_status).into();
            at.format("%Y-%m-%d").to_string()
        })
    }
}

/// Adds the deltas to one random shard of the account's counters.
pub async fn add(conn: &mut PgConnection, account_id: i64, delta: Counts) -> crate::Result<()> {
    let shard = rand::random_range(0..SHARDS);
    sqlx::query!(
        "insert into account_counters (account_id, shard, followers, following, statuses)
         values ($1, $2, $3, $4, $5)
         on conflict (account_id, shard) do update set
            followers = account_counters.followers + excluded.followers,
            following = account_counters.following + excluded.following,
            statuses = account_counters.statuses + excluded.statuses",
        account_id,
        shard,
        delta.followers,
        delta.following,
        delta.statuses
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The counts of each account (zero for one with no row yet), with its
/// newest post.
pub async fn for_accounts(
    db: impl PgExecutor<'_>,
    ids: &[i64],
) -> crate::Result<HashMap<i64, Counts>> {
    let rows = sqlx::query!(
        r#"select c.account_id, sum(c.followers)::bigint as "followers!",
                  sum(c.following)::bigint as "following!", sum(c.statuses)::bigint as "statuses!",
                  coalesce((select s.id from statuses s
                            where s.account_id = c.account_id and s.reblog_of_id is null
                              and s.visibility <> 'direct'
                            order by s.id desc limit 1), 0) as "last_status!"
           from account_counters c where c.account_id = any($1) group by c.account_id"#,
        ids
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let counts = Counts {
                followers: r.followers,
                following: r.following,
                statuses: r.statuses,
                last_status: r.last_status,
            };
            (r.account_id, counts)
        })
        .collect())
}
