//! Hashtags members feature on their profiles (`featured_tags`), with how
//! many of their public posts carry each.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

/// Hashtags one account may feature.
pub const MAX_PER_ACCOUNT: i64 = 10;

/// A featured hashtag, with the account's public and unlisted posts under
/// it.
#[derive(Debug, Clone)]
pub struct Featured {
    pub id: i64,
    pub name: String,
    pub statuses_count: i64,
    pub last_status_at: Option<DateTime<Utc>>,
}

/// The account's featured hashtags, oldest first.
pub async fn of_account(db: impl PgExecutor<'_>, account: i64) -> crate::Result<Vec<Featured>> {
    let rows = sqlx::query_as!(
        Featured,
        r#"select f.id, t.name, c.n as "statuses_count!", c.last as last_status_at
           from featured_tags f
           join tags t on t.id = f.tag_id
           cross join lateral (
               select count(*) as n, max(s.created_at) as last
               from statuses s
               join status_tags st on st.status_id = s.id and st.tag_id = f.tag_id
               where s.account_id = f.account_id and s.visibility in ('public', 'unlisted')) c
           where f.account_id = $1
           order by f.created_at, f.id"#,
        account
    )
    .fetch_all(db)
    .await?;
    Ok(rows)
}

/// Features `name` (a normalized tag name) for the account, in the
/// caller's transaction; featuring it again changes nothing. None when the
/// account features [`MAX_PER_ACCOUNT`] tags already.
pub async fn add(
    conn: &mut PgConnection,
    account: i64,
    name: &str,
) -> crate::Result<Option<Featured>> {
    super::accounts::lock_for_change(&mut *conn, account).await?;
    let taken = sqlx::query_scalar!(
        r#"select count(*) as "n!" from featured_tags f
           where f.account_id = $1
             and not exists (select 1 from tags t where t.id = f.tag_id and t.name = $2)"#,
        account,
        name
    )
    .fetch_one(&mut *conn)
    .await?;
    if taken >= MAX_PER_ACCOUNT {
        return Ok(None);
    }
    sqlx::query!(
        "with tag as (insert into tags (name) values ($2)
                      on conflict (name) do update set name = excluded.name returning id)
         insert into featured_tags (account_id, tag_id) select $1, id from tag
         on conflict do nothing",
        account,
        name
    )
    .execute(&mut *conn)
    .await?;
    let featured = of_account(&mut *conn, account).await?;
    Ok(featured.into_iter().find(|f| f.name == name))
}

/// Stops featuring one of the account's tags; false when it has no such
/// featured tag.
pub async fn remove(db: impl PgExecutor<'_>, account: i64, id: i64) -> crate::Result<bool> {
    let done = sqlx::query!(
        "delete from featured_tags where id = $1 and account_id = $2",
        id,
        account
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The hashtags the account uses most in its posts and does not feature
/// yet, most used first.
pub async fn suggestions(
    db: impl PgExecutor<'_>,
    account: i64,
    limit: i64,
) -> crate::Result<Vec<String>> {
    let names = sqlx::query_scalar!(
        r#"select t.name from status_tags st
           join statuses s on s.id = st.status_id
           join tags t on t.id = st.tag_id
           where s.account_id = $1
             and not exists (select 1 from featured_tags f
                             where f.account_id = $1 and f.tag_id = t.id)
           group by t.name
           order by count(*) desc, t.name
           limit $2"#,
        account,
        limit
    )
    .fetch_all(db)
    .await?;
    Ok(names)
}
