//! Per-account counters, spread over shards so concurrent changes to one
//! account's counts never wait on a single row.

use std::collections::HashMap;

use sqlx::{PgConnection, PgExecutor};

/// Rows per account; a change lands on one at random.
const SHARDS: i16 = 16;

/// An account's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub followers: i64,
    pub following: i64,
    pub statuses: i64,
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

/// The counts of each account (zero for one with no row yet).
pub async fn for_accounts(
    db: impl PgExecutor<'_>,
    ids: &[i64],
) -> crate::Result<HashMap<i64, Counts>> {
    let rows = sqlx::query!(
        r#"select account_id, sum(followers)::bigint as "followers!", sum(following)::bigint as "following!",
                  sum(statuses)::bigint as "statuses!"
           from account_counters where account_id = any($1) group by account_id"#,
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
            };
            (r.account_id, counts)
        })
        .collect())
}
