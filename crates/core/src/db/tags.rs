//! Queries on `tags` and `tag_follows`: hashtags and the members who follow
//! them.

use sqlx::PgExecutor;

use super::relationships::PageBounds;

/// A tag's id, if it exists where `viewer` may know of it: used in a public
/// or unlisted post, or followed by the viewer (a hashtag only ever used in
/// followers-only or direct posts stays hidden).
pub async fn shown_id(
    db: impl PgExecutor<'_>,
    name: &str,
    viewer: Option<i64>,
) -> crate::Result<Option<i64>> {
    let id = sqlx::query_scalar!(
        "select t.id from tags t where t.name = $1
           and (exists (select 1 from status_tags st join statuses s on s.id = st.status_id
                        where st.tag_id = t.id and s.visibility in ('public', 'unlisted'))
                or exists (select 1 from tag_follows f where f.account_id = $2 and f.tag_id = t.id))",
        name,
        viewer
    )
    .fetch_optional(db)
    .await?;
    Ok(id)
}

/// Those of `names` that are tags.
pub async fn existing(db: impl PgExecutor<'_>, names: &[String]) -> crate::Result<Vec<String>> {
    let found = sqlx::query_scalar!("select name from tags where name = any($1)", names)
        .fetch_all(db)
        .await?;
    Ok(found)
}

/// Follows a tag (creating it on first use); following twice is one follow.
pub async fn follow(db: &sqlx::PgPool, account_id: i64, name: &str) -> crate::Result<()> {
    sqlx::query!(
        "with tag as (insert into tags (name) values ($2)
                      on conflict (name) do update set name = excluded.name returning id)
         insert into tag_follows (account_id, tag_id) select $1, id from tag
         on conflict do nothing",
        account_id,
        name
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn unfollow(db: impl PgExecutor<'_>, account_id: i64, name: &str) -> crate::Result<()> {
    sqlx::query!(
        "delete from tag_follows where account_id = $1
         and tag_id = (select id from tags where name = $2)",
        account_id,
        name
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Whether the member follows the tag.
pub async fn follows(db: impl PgExecutor<'_>, account_id: i64, name: &str) -> crate::Result<bool> {
    let found = sqlx::query_scalar!(
        r#"select exists (select 1 from tag_follows tf join tags t on t.id = tf.tag_id
                          where tf.account_id = $1 and t.name = $2) as "found!""#,
        account_id,
        name
    )
    .fetch_one(db)
    .await?;
    Ok(found)
}

/// A page of the tags a member follows, newest follow first: (row id, name).
pub async fn followed(
    db: impl PgExecutor<'_>,
    account_id: i64,
    bounds: PageBounds,
) -> crate::Result<Vec<(i64, String)>> {
    let (lower, ascending) = (bounds.lower(), bounds.ascending());
    let rows = sqlx::query!(
        "select tf.id, t.name from tag_follows tf join tags t on t.id = tf.tag_id
         where tf.account_id = $1
           and ($2::bigint is null or tf.id < $2) and ($3::bigint is null or tf.id > $3)
         order by case when $4 then tf.id else -tf.id end
         limit $5",
        account_id,
        bounds.max_id,
        lower,
        ascending,
        bounds.limit
    )
    .fetch_all(db)
    .await?;
    let rows = rows.into_iter().map(|r| (r.id, r.name)).collect();
    Ok(bounds.newest_first(rows))
}

/// Use per day of each of `names` in public posts of the last week: one row
/// per tag and day it was used, newest day first.
pub async fn history(
    db: impl PgExecutor<'_>,
    names: &[String],
) -> crate::Result<Vec<(String, super::trends::TagDay)>> {
    let since = super::ids::lower_bound(
        std::time::SystemTime::now() - std::time::Duration::from_secs(7 * 86400),
    );
    let rows = sqlx::query!(
        r#"select t.name, date_trunc('day', s.created_at, 'UTC') as "day!", count(*) as "uses!",
                  count(distinct s.account_id) as "accounts!"
           from tags t join status_tags st on st.tag_id = t.id join statuses s on s.id = st.status_id
           where t.name = any($2) and st.status_id > $1 and s.visibility = 'public'
           group by t.name, 2 order by 2 desc"#,
        since,
        names
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let day = super::trends::TagDay {
                day: r.day,
                uses: r.uses,
                accounts: r.accounts,
            };
            (r.name, day)
        })
        .collect())
}
