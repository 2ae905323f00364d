//! The notification policy (what becomes of notifications from strangers)
//! and the requests that hold back what it filtered, one per sender.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

/// The policy, as stored (Mastodon's defaults when the member never set it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub for_not_following: String,
    pub for_not_followers: String,
    pub for_new_accounts: String,
    pub for_private_mentions: String,
    pub for_limited_accounts: String,
}

/// The values a rule may take.
pub const ACTIONS: [&str; 3] = ["accept", "filter", "drop"];

/// The member's policy.
pub async fn get(db: impl PgExecutor<'_>, account: i64) -> crate::Result<Policy> {
    let row = sqlx::query_as!(
        Policy,
        r#"select coalesce(p.for_not_following, 'accept') as "for_not_following!",
                  coalesce(p.for_not_followers, 'accept') as "for_not_followers!",
                  coalesce(p.for_new_accounts, 'accept') as "for_new_accounts!",
                  coalesce(p.for_private_mentions, 'filter') as "for_private_mentions!",
                  coalesce(p.for_limited_accounts, 'filter') as "for_limited_accounts!"
           from (select 1) one
           left join notification_policies p on p.account_id = $1"#,
        account
    )
    .fetch_one(db)
    .await?;
    Ok(row)
}

/// Stores the member's policy.
pub async fn set(conn: &mut PgConnection, account: i64, policy: &Policy) -> crate::Result<()> {
    sqlx::query!(
        "insert into notification_policies (account_id, for_not_following, for_not_followers,
             for_new_accounts, for_private_mentions, for_limited_accounts)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (account_id) do update set
             for_not_following = excluded.for_not_following,
             for_not_followers = excluded.for_not_followers,
             for_new_accounts = excluded.for_new_accounts,
             for_private_mentions = excluded.for_private_mentions,
             for_limited_accounts = excluded.for_limited_accounts",
        account,
        policy.for_not_following,
        policy.for_not_followers,
        policy.for_new_accounts,
        policy.for_private_mentions,
        policy.for_limited_accounts
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Notifications held back from one sender: a request. Its id is the
/// sender's account id.
#[derive(Debug, Clone)]
pub struct Request {
    pub from_account_id: i64,
    pub notifications_count: i64,
    pub last_status_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The newest held-back notification (pages the list).
    pub newest_id: i64,
}

/// (pending requests, pending notifications).
pub async fn summary(db: impl PgExecutor<'_>, account: i64) -> crate::Result<(i64, i64)> {
    let row = sqlx::query!(
        r#"select count(distinct from_account_id) as "requests!", count(*) as "notifications!"
           from notifications where account_id = $1 and filtered"#,
        account
    )
    .fetch_one(db)
    .await?;
    Ok((row.requests, row.notifications))
}

/// The member's requests, newest first, paged by their newest notification;
/// `from` picks one sender's.
pub async fn requests(
    db: impl PgExecutor<'_>,
    account: i64,
    from: Option<i64>,
    max_id: Option<i64>,
    min_id: Option<i64>,
    limit: i64,
) -> crate::Result<Vec<Request>> {
    let rows = sqlx::query_as!(
        Request,
        r#"select from_account_id, count(*) as "notifications_count!",
                  (array_agg(status_id order by id desc) filter (where status_id is not null))[1] as last_status_id,
                  min(created_at) as "created_at!", max(created_at) as "updated_at!",
                  max(id) as "newest_id!"
           from notifications
           where account_id = $1 and filtered and ($2::bigint is null or from_account_id = $2)
           group by from_account_id
           having ($3::bigint is null or max(id) < $3) and ($4::bigint is null or max(id) > $4)
           order by max(id) desc
           limit $5"#,
        account,
        from,
        max_id,
        min_id,
        limit
    )
    .fetch_all(db)
    .await?;
    Ok(rows)
}

/// Accepts requests: the senders' held-back notifications are shown, and
/// theirs pass from now on. Answers how many senders had a request.
pub async fn accept(conn: &mut PgConnection, account: i64, senders: &[i64]) -> crate::Result<u64> {
    let shown = sqlx::query_scalar!(
        r#"update notifications set filtered = false
           where account_id = $1 and filtered and from_account_id = any($2)
           returning from_account_id"#,
        account,
        senders
    )
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query!(
        "insert into notification_permissions (account_id, from_account_id)
         select $1, unnest($2::bigint[]) on conflict do nothing",
        account,
        senders
    )
    .execute(conn)
    .await?;
    let mut distinct = shown;
    distinct.sort_unstable();
    distinct.dedup();
    Ok(distinct.len() as u64)
}

/// Dismisses requests: the held-back notifications go. Answers how many
/// senders had a request.
pub async fn dismiss(conn: &mut PgConnection, account: i64, senders: &[i64]) -> crate::Result<u64> {
    let mut gone = sqlx::query_scalar!(
        "delete from notifications where account_id = $1 and filtered and from_account_id = any($2)
         returning from_account_id",
        account,
        senders
    )
    .fetch_all(conn)
    .await?;
    gone.sort_unstable();
    gone.dedup();
    Ok(gone.len() as u64)
}
