//! Figures about the whole server, shown on the instance entities.

use sqlx::PgExecutor;

/// How big the network is.
#[derive(Debug, Clone, Copy, Default)]
pub struct ServerStats {
    /// Members.
    pub users: i64,
    /// Members active (signed in, posting, reading) in the last 30 days.
    pub active_month: i64,
    /// Posts and comments (boosts are not counted).
    pub statuses: i64,
}

/// Counts members and posts. Scans both tables: callers keep the answer
/// for a while.
pub async fn server(db: impl PgExecutor<'_>) -> crate::Result<ServerStats> {
    let row = sqlx::query!(
        r#"select (select count(*) from accounts) as "users!",
                  (select count(*) from accounts
                   where last_active_at > now() - interval '30 days') as "active_month!",
                  (select count(*) from statuses where reblog_of_id is null) as "statuses!""#
    )
    .fetch_one(db)
    .await?;
    Ok(ServerStats {
        users: row.users,
        active_month: row.active_month,
        statuses: row.statuses,
    })
}
