//! Queries on `mail_preferences` (whether and of what a member gets digest
//! mail) and the sweep that finds members a digest is due to.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use super::notifications::Kind;

/// Every notification type: what a digest tells of unless the member
/// chose fewer.
pub fn all_types() -> Vec<String> {
    Kind::ALL.iter().map(|k| k.as_str().to_string()).collect()
}

/// A member's preferences, the defaults where they set none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences {
    pub digest: bool,
    pub digest_types: Vec<String>,
}

/// The preferences of account `id`.
pub async fn get(db: impl PgExecutor<'_>, id: i64) -> crate::Result<Preferences> {
    let row = sqlx::query_as!(
        Preferences,
        r#"select coalesce(p.digest, true) as "digest!",
                  coalesce(p.digest_types, $2::text[]) as "digest_types!"
           from (select $1::bigint as id) a
           left join mail_preferences p on p.account_id = a.id"#,
        id,
        &all_types()
    )
    .fetch_one(db)
    .await?;
    Ok(row)
}

/// Changes the preferences; `None` leaves a field as it is.
pub async fn update(
    db: impl PgExecutor<'_>,
    id: i64,
    digest: Option<bool>,
    digest_types: Option<&[String]>,
) -> crate::Result<Preferences> {
    let row = sqlx::query_as!(
        Preferences,
        r#"insert into mail_preferences (account_id, digest, digest_types)
           values ($1, coalesce($2, true),
                   coalesce($3::text[], $4::text[]))
           on conflict (account_id) do update
               set digest = coalesce($2, mail_preferences.digest),
                   digest_types = coalesce($3::text[], mail_preferences.digest_types)
           returning digest, digest_types"#,
        id,
        digest,
        digest_types,
        &all_types()
    )
    .fetch_one(db)
    .await?;
    Ok(row)
}

/// Turns digests off for the holder of an unsubscribe link; the account,
/// or none for an unknown link.
pub async fn unsubscribe(db: impl PgExecutor<'_>, hash: &[u8]) -> crate::Result<Option<i64>> {
    let id = sqlx::query_scalar!(
        "update mail_preferences set digest = false where unsubscribe_hash = $1 returning account_id",
        hash
    )
    .fetch_optional(db)
    .await?;
    Ok(id)
}

/// Whether an unsubscribe link is known.
pub async fn known_link(db: impl PgExecutor<'_>, hash: &[u8]) -> crate::Result<bool> {
    let known = sqlx::query_scalar!(
        r#"select exists (select 1 from mail_preferences where unsubscribe_hash = $1) as "known!""#,
        hash
    )
    .fetch_one(db)
    .await?;
    Ok(known)
}

/// The sealed unsubscribe token of account `id`, if it has one.
pub async fn sealed_link(
    db: impl PgExecutor<'_>,
    id: i64,
) -> crate::Result<Option<(Vec<u8>, Vec<u8>)>> {
    let row = sqlx::query!(
        "select unsubscribe_hash, sealed_unsubscribe from mail_preferences where account_id = $1",
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.and_then(|r| Some((r.unsubscribe_hash?, r.sealed_unsubscribe?))))
}

/// Gives account `id` an unsubscribe token in place of `replacing` (none:
/// unless it has one); false when another worker changed it first.
pub async fn set_link(
    db: impl PgExecutor<'_>,
    id: i64,
    hash: &[u8],
    sealed: &[u8],
    replacing: Option<&[u8]>,
) -> crate::Result<bool> {
    let set = sqlx::query!(
        "insert into mail_preferences (account_id, unsubscribe_hash, sealed_unsubscribe)
         values ($1, $2, $3)
         on conflict (account_id) do update
             set unsubscribe_hash = excluded.unsubscribe_hash,
                 sealed_unsubscribe = excluded.sealed_unsubscribe
             where mail_preferences.unsubscribe_hash is not distinct from $4",
        id,
        hash,
        sealed,
        replacing
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(set == 1)
}

/// Notes that account `id` used the service (at most once an hour).
pub async fn touch(db: impl PgExecutor<'_>, id: i64) -> crate::Result<()> {
    sqlx::query!(
        "update accounts set last_active_at = now()
         where id = $1 and (last_active_at is null or last_active_at < now() - interval '1 hour')",
        id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A digest that is due: to whom, and of what since when.
#[derive(Debug, Clone)]
pub struct Due {
    pub account_id: i64,
    pub since: DateTime<Utc>,
}

/// Finds up to `limit` confirmed members who have been away for `away_secs`,
/// want digests, got none for as long, and have notifications of the types
/// they chose since they were last here (or since the last digest); marks
/// their digest sent now and returns them, for the caller to queue the
/// mails in the same transaction. One sweep runs at a time (the others
/// find the lock taken and return nothing).
pub async fn take_due(
    conn: &mut PgConnection,
    away_secs: f64,
    limit: i64,
) -> crate::Result<Vec<Due>> {
    let mine = sqlx::query_scalar!(
        r#"select pg_try_advisory_xact_lock(hashtext('lookbook.mail_digest')) as "mine!""#
    )
    .fetch_one(&mut *conn)
    .await?;
    if !mine {
        return Ok(Vec::new());
    }
    let due = sqlx::query_as!(
        Due,
        r#"with candidates as (
               select a.id,
                      greatest(coalesce(a.last_active_at, a.created_at),
                               coalesce(p.last_digest_at, '-infinity')) as since,
                      coalesce(p.digest_types, $3::text[]) as types
               from accounts a
               left join mail_preferences p on p.account_id = a.id
               where a.confirmed_at is not null
                 and coalesce(a.last_active_at, a.created_at) < now() - make_interval(secs => $1)
                 and coalesce(p.digest, true)
                 and coalesce(p.last_digest_at, '-infinity') < now() - make_interval(secs => $1)),
           due as (
               select c.id, c.since from candidates c
               where exists (select 1 from notifications n
                             where n.account_id = c.id and n.created_at > c.since
                               and not n.filtered and n.type = any(c.types))
               limit $2),
           marked as (
               insert into mail_preferences (account_id, last_digest_at)
               select id, now() from due
               on conflict (account_id) do update set last_digest_at = now())
           select id as "account_id!", since as "since!" from due"#,
        away_secs,
        limit,
        &all_types()
    )
    .fetch_all(conn)
    .await?;
    Ok(due)
}
