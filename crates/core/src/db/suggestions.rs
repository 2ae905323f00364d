//! Whom to follow: accounts followed by those the member follows (most
//! shared first), then the most followed accounts; never the member, those
//! they follow or asked to follow, block, are blocked by, mute or dismissed,
//! nor accounts that opted out of discovery.

use sqlx::PgExecutor;

/// Why an account is suggested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Followed by accounts the member follows.
    FriendsOfFriends,
    /// Among the most followed accounts.
    MostFollowed,
}

/// Up to `limit` suggestions for `account`, best first.
pub async fn for_account(
    db: impl PgExecutor<'_> + Copy,
    account: i64,
    limit: i64,
) -> crate::Result<Vec<(i64, Source)>> {
    // Candidates both lists leave out, in one place.
    let friends = sqlx::query_scalar!(
        r#"select f.target_account_id as "id!" from follows mine
           join follows f on f.account_id = mine.target_account_id
           join accounts a on a.id = f.target_account_id
           where mine.account_id = $1 and a.discoverable and a.id <> $1
             and suggestable($1, a.id)
           group by f.target_account_id
           order by count(*) desc, f.target_account_id desc
           limit $2"#,
        account,
        limit
    )
    .fetch_all(db)
    .await?;
    let mut out: Vec<(i64, Source)> = friends
        .into_iter()
        .map(|id| (id, Source::FriendsOfFriends))
        .collect();
    let wanted = limit - out.len() as i64;
    if wanted > 0 {
        let taken: Vec<i64> = out.iter().map(|(id, _)| *id).collect();
        let popular = sqlx::query_scalar!(
            r#"select c.account_id as "id!" from account_counters c
               join accounts a on a.id = c.account_id
               where a.discoverable and a.id <> $1 and a.id <> all($3)
                 and suggestable($1, a.id)
               group by c.account_id
               having sum(c.followers) > 0
               order by sum(c.followers) desc, c.account_id desc
               limit $2"#,
            account,
            wanted,
            &taken
        )
        .fetch_all(db)
        .await?;
        out.extend(popular.into_iter().map(|id| (id, Source::MostFollowed)));
    }
    Ok(out)
}

/// Stops suggesting `target` to `account`.
pub async fn dismiss(db: impl PgExecutor<'_>, account: i64, target: i64) -> crate::Result<()> {
    sqlx::query!(
        "insert into suggestion_dismissals (account_id, target_account_id) values ($1, $2)
         on conflict do nothing",
        account,
        target
    )
    .execute(db)
    .await?;
    Ok(())
}
