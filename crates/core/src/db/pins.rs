//! Posts pinned to the top of their author's profile: a member pins up to
//! [`MAX_PER_ACCOUNT`] of their own posts, never a boost nor a direct post.

use sqlx::{PgConnection, PgExecutor};

/// Posts one account may pin.
pub const MAX_PER_ACCOUNT: i64 = 5;

/// Why a post could not be pinned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The post is someone else's.
    NotOwn,
    /// The post is a boost.
    Boost,
    /// The post is direct.
    Direct,
    /// The account pins [`MAX_PER_ACCOUNT`] posts already.
    Full,
}

/// Pins `status` for `account` in the caller's transaction; pinning again
/// changes nothing.
pub async fn pin(
    conn: &mut PgConnection,
    account: i64,
    status: i64,
) -> crate::Result<Result<(), Refusal>> {
    super::accounts::lock_for_change(&mut *conn, account).await?;
    let post = sqlx::query!(
        "select account_id, visibility, reblog_of_id from statuses where id = $1",
        status
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(post) = post else {
        return Ok(Err(Refusal::NotOwn));
    };
    if post.reblog_of_id.is_some() {
        return Ok(Err(Refusal::Boost));
    }
    if post.account_id != account {
        return Ok(Err(Refusal::NotOwn));
    }
    if post.visibility == "direct" {
        return Ok(Err(Refusal::Direct));
    }
    let taken = sqlx::query_scalar!(
        r#"select count(*) as "n!" from status_pins where account_id = $1 and status_id <> $2"#,
        account,
        status
    )
    .fetch_one(&mut *conn)
    .await?;
    if taken >= MAX_PER_ACCOUNT {
        return Ok(Err(Refusal::Full));
    }
    sqlx::query!(
        "insert into status_pins (account_id, status_id) values ($1, $2) on conflict do nothing",
        account,
        status
    )
    .execute(conn)
    .await?;
    Ok(Ok(()))
}

/// Unpins `status` for `account`; unpinning what is not pinned is fine.
pub async fn unpin(db: impl PgExecutor<'_>, account: i64, status: i64) -> crate::Result<()> {
    sqlx::query!(
        "delete from status_pins where account_id = $1 and status_id = $2",
        account,
        status
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The account's pinned posts that `viewer` may see, newest pin first.
pub async fn of_account(
    db: impl PgExecutor<'_>,
    account: i64,
    viewer: Option<i64>,
) -> crate::Result<Vec<i64>> {
    let ids = sqlx::query_scalar!(
        "select s.id from status_pins p join statuses s on s.id = p.status_id
         where p.account_id = $1 and status_visible(s.id, s.account_id, s.visibility, $2)
         order by p.id desc",
        account,
        viewer
    )
    .fetch_all(db)
    .await?;
    Ok(ids)
}
