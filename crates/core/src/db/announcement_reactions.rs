//! Members' emoji reactions to running announcements
//! (`announcement_reactions`): one row per member, announcement and name,
//! at most [`MAX_REACTIONS`] different names per announcement.

use sqlx::{PgConnection, PgExecutor};

/// Distinct reaction names one announcement may have, as in Mastodon.
pub const MAX_REACTIONS: i64 = 8;

/// One reaction name on an announcement, counted over members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReactionCount {
    pub announcement_id: i64,
    pub name: String,
    pub count: i64,
    /// Whether the member asking is among them.
    pub me: bool,
}

/// What adding a reaction came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reacted {
    /// The member's reaction is there (added now or before).
    Done,
    /// No such running announcement.
    NotFound,
    /// The name would be one more than [`MAX_REACTIONS`] distinct names.
    TooMany,
}

/// Adds the member's reaction `name` (already checked to be an emoji or a
/// known shortcode) to a running announcement, in the caller's transaction.
pub async fn react(
    conn: &mut PgConnection,
    account: i64,
    id: i64,
    name: &str,
) -> crate::Result<Reacted> {
    // A name others already used adds no distinct name: no lock, so a crowd
    // adding the same emoji does not queue on the announcement's row.
    let joined = sqlx::query!(
        "insert into announcement_reactions (announcement_id, account_id, name)
         select a.id, $1, $3 from announcements a
         where a.id = $2 and announcement_running(a.starts_at, a.ends_at)
           and exists (select 1 from announcement_reactions r
                       where r.announcement_id = a.id and r.name = $3)
         on conflict do nothing",
        account,
        id,
        name
    )
    .execute(&mut *conn)
    .await?;
    if joined.rows_affected() > 0 {
        return Ok(Reacted::Done);
    }
    // A new name: one at a time per announcement, so two members adding
    // different new names cannot both take the last place.
    let distinct = sqlx::query_scalar!(
        r#"select (select count(distinct r.name) from announcement_reactions r
                   where r.announcement_id = a.id and r.name <> $2) as "distinct!"
           from announcements a
           where a.id = $1 and announcement_running(a.starts_at, a.ends_at)
           for no key update of a"#,
        id,
        name
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(distinct) = distinct else {
        return Ok(Reacted::NotFound);
    };
    if distinct >= MAX_REACTIONS {
        return Ok(Reacted::TooMany);
    }
    sqlx::query!(
        "insert into announcement_reactions (announcement_id, account_id, name)
         values ($2, $1, $3) on conflict do nothing",
        account,
        id,
        name
    )
    .execute(&mut *conn)
    .await?;
    Ok(Reacted::Done)
}

/// Takes the member's reaction `name` off a running announcement (none
/// there: no change); false when the announcement does not run.
pub async fn unreact(
    db: impl PgExecutor<'_>,
    account: i64,
    id: i64,
    name: &str,
) -> crate::Result<bool> {
    let found = sqlx::query_scalar!(
        r#"with shown as (
               select id from announcements
               where id = $2 and announcement_running(starts_at, ends_at)),
           removed as (
               delete from announcement_reactions r using shown
               where r.announcement_id = shown.id and r.account_id = $1 and r.name = $3)
           select exists (select 1 from shown) as "found!""#,
        account,
        id,
        name
    )
    .fetch_one(db)
    .await?;
    Ok(found)
}

/// The reactions on each of `ids`, each name in the order it was first
/// used, with whether `account` is among those who used it.
pub async fn reactions(
    db: impl PgExecutor<'_>,
    ids: &[i64],
    account: i64,
) -> crate::Result<Vec<ReactionCount>> {
    let rows = sqlx::query_as!(
        ReactionCount,
        r#"select announcement_id, name, count(*) as "count!",
                  bool_or(account_id = $2) as "me!"
           from announcement_reactions
           where announcement_id = any($1)
           group by announcement_id, name
           order by announcement_id, min(created_at), name"#,
        ids,
        account
    )
    .fetch_all(db)
    .await?;
    Ok(rows)
}

/// Whether a custom emoji of that shortcode exists (a reaction may name it).
pub async fn is_custom_emoji(db: impl PgExecutor<'_>, shortcode: &str) -> crate::Result<bool> {
    let found = sqlx::query_scalar!(
        r#"select exists (select 1 from custom_emojis where shortcode = $1) as "found!""#,
        shortcode
    )
    .fetch_one(db)
    .await?;
    Ok(found)
}

/// How many members reacted to the announcement with `name`.
pub async fn reaction_count(db: impl PgExecutor<'_>, id: i64, name: &str) -> crate::Result<i64> {
    let n = sqlx::query_scalar!(
        r#"select count(*) as "n!" from announcement_reactions
           where announcement_id = $1 and name = $2"#,
        id,
        name
    )
    .fetch_one(db)
    .await?;
    Ok(n)
}
