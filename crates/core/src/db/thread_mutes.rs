//! Muted threads: a member who mutes a post's thread (the post it started
//! from and every comment under it) hears nothing more about it.

use sqlx::PgExecutor;

/// Mutes the thread of post `status` for `account`; muting again changes
/// nothing.
pub async fn mute(db: impl PgExecutor<'_>, account: i64, status: i64) -> crate::Result<()> {
    sqlx::query!(
        "insert into thread_mutes (account_id, thread_id)
         select $1, coalesce(thread_id, id) from statuses where id = $2
         on conflict do nothing",
        account,
        status
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Unmutes the thread of post `status` for `account`.
pub async fn unmute(db: impl PgExecutor<'_>, account: i64, status: i64) -> crate::Result<()> {
    sqlx::query!(
        "delete from thread_mutes tm using statuses s
         where s.id = $2 and tm.account_id = $1 and tm.thread_id = coalesce(s.thread_id, s.id)",
        account,
        status
    )
    .execute(db)
    .await?;
    Ok(())
}
