//! Boosts (reblogs): a member's post that shares another post. A member
//! boosts a post once; the shared post's `reblogs` counter follows its
//! boosts, and deleting it deletes them.

use sqlx::{PgConnection, PgExecutor};

use super::statuses::{self, StatusCounts};

/// A post acted on through whatever id a client holds: a boost stands for
/// the post it shares, as in Mastodon.
#[derive(Debug, Clone)]
pub struct Target {
    pub id: i64,
    pub account_id: i64,
    pub visibility: String,
}

/// The post `id` stands for (itself, or the post it boosts) if `viewer` may
/// see `id`.
pub async fn target(
    db: impl PgExecutor<'_>,
    id: i64,
    viewer: Option<i64>,
) -> crate::Result<Option<Target>> {
    let row = sqlx::query_as!(
        Target,
        r#"select coalesce(o.id, s.id) as "id!", coalesce(o.account_id, s.account_id) as "account_id!",
                  coalesce(o.visibility, s.visibility) as "visibility!"
           from statuses s left join statuses o on o.id = s.reblog_of_id
           where s.id = $1 and status_visible(s.id, s.account_id, s.visibility, $2)"#,
        id,
        viewer
    )
    .fetch_optional(db)
    .await?;
    Ok(row)
}

/// Stores `account_id`'s boost `id` of `original` and counts it; returns
/// false (nothing stored) when the member had boosted it already.
pub async fn insert(
    conn: &mut PgConnection,
    id: i64,
    account_id: i64,
    original: i64,
    visibility: &str,
    application_id: Option<i64>,
) -> crate::Result<bool> {
    let inserted = sqlx::query!(
        "insert into statuses (id, account_id, visibility, reblog_of_id, application_id)
         values ($1, $2, $3, $4, $5)
         on conflict (account_id, reblog_of_id) where reblog_of_id is not null do nothing",
        id,
        account_id,
        visibility,
        original,
        application_id
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 1 {
        let one = StatusCounts {
            reblogs: 1,
            ..Default::default()
        };
        statuses::add_counts(conn, original, one).await?;
    }
    Ok(inserted == 1)
}

/// The member's boost named by `id` (the boost itself, or the post it
/// shares): (boost, shared post). Needs no visibility: a member may always
/// take back their own boost.
pub async fn mine(
    db: impl PgExecutor<'_>,
    account_id: i64,
    id: i64,
) -> crate::Result<Option<(i64, i64)>> {
    let row = sqlx::query!(
        r#"select id, reblog_of_id as "shared!" from statuses
           where account_id = $1 and reblog_of_id is not null and (id = $2 or reblog_of_id = $2)"#,
        account_id,
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.id, r.shared)))
}
