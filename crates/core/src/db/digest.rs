//! What a digest mail tells a member: their notification groups (as the
//! grouped view shows them: "Ana and 2,341 others liked your post") that
//! gained something since they were last here.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::notification_groups;

/// Rounds of grouping caught up before a digest is read (each takes a
/// batch of the member's new notifications).
const CATCH_UP_ROUNDS: usize = 10;

/// One line of a digest.
#[derive(Debug, Clone)]
pub struct Item {
    pub kind: String,
    /// Notifications in the group.
    pub count: i64,
    /// The most recent sender's name.
    pub name: String,
    /// The text of the post it is about.
    pub status_text: Option<String>,
}

/// What the digest of account `account` holds: up to `limit` groups of the
/// chosen types that changed since `since`, newest first, and how many
/// notifications arrived since then in all.
pub async fn read(
    conn: &mut PgConnection,
    account: i64,
    since: DateTime<Utc>,
    types: &[String],
    limit: i64,
) -> crate::Result<(Vec<Item>, i64)> {
    for _ in 0..CATCH_UP_ROUNDS {
        if !notification_groups::pending(&mut *conn, account).await? {
            break;
        }
        notification_groups::catch_up(conn, account).await?;
    }
    let items = sqlx::query_as!(
        Item,
        r#"select g.type as kind, g.notifications_count as count,
                  coalesce(nullif(f.display_name, ''), f.username, 'Someone') as "name!",
                  s.text as "status_text?"
           from notification_groups g
           left join accounts f on f.id = g.sample_account_ids[1]
           left join statuses s on s.id = g.status_id
           where g.account_id = $1 and g.latest_at > $2 and g.type = any($3)
           order by g.latest_at desc
           limit $4"#,
        account,
        since,
        types,
        limit
    )
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar!(
        r#"select count(*) as "n!" from notifications
           where account_id = $1 and created_at > $2 and not filtered and type = any($3)"#,
        account,
        since,
        types
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok((items, total))
}

/// Who a digest goes to.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub email: String,
    pub username: String,
    pub display_name: String,
    pub confirmed: bool,
    pub digest: bool,
    pub digest_types: Vec<String>,
}

/// The recipient of account `account`'s digest, if the account exists.
pub async fn recipient(conn: &mut PgConnection, account: i64) -> crate::Result<Option<Recipient>> {
    let row = sqlx::query_as!(
        Recipient,
        r#"select a.email, a.username, a.display_name,
                  a.confirmed_at is not null as "confirmed!",
                  coalesce(p.digest, true) as "digest!",
                  coalesce(p.digest_types, $2::text[]) as "digest_types!"
           from accounts a left join mail_preferences p on p.account_id = a.id
           where a.id = $1"#,
        account,
        &super::mail_preferences::all_types()
    )
    .fetch_optional(conn)
    .await?;
    Ok(row)
}
