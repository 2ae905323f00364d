//! Scheduled posts: what a member asked to publish and when, until the
//! worker takes it ([`take_due`]) and publishes it. The photos named are
//! reserved for the post meanwhile, so no other post can take them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use sqlx::{PgConnection, PgExecutor};

use super::relationships::PageBounds;

/// A poll as asked for: its length counts from publication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PollParams {
    pub options: Vec<String>,
    pub expires_in: i64,
    pub multiple: bool,
    pub hide_totals: bool,
}

/// A post as asked for, already checked (kept as JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    pub text: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub visibility: String,
    pub language: Option<String>,
    pub in_reply_to_id: Option<i64>,
    pub media_ids: Vec<i64>,
    pub poll: Option<PollParams>,
    pub application_id: Option<i64>,
}

/// A scheduled post as stored.
#[derive(Debug, Clone)]
pub struct Scheduled {
    pub id: i64,
    pub account_id: i64,
    pub scheduled_at: DateTime<Utc>,
    pub params: Params,
}

struct Row {
    id: i64,
    account_id: i64,
    scheduled_at: DateTime<Utc>,
    params: Json<Params>,
}

impl From<Row> for Scheduled {
    fn from(row: Row) -> Scheduled {
        Scheduled {
            id: row.id,
            account_id: row.account_id,
            scheduled_at: row.scheduled_at,
            params: row.params.0,
        }
    }
}

/// Holds the member's row until the transaction ends, so that their
/// schedulings pass the limits one at a time.
pub async fn lock_member(conn: &mut PgConnection, account_id: i64) -> crate::Result<()> {
    sqlx::query!(
        "select id from accounts where id = $1 for no key update",
        account_id
    )
    .fetch_optional(conn)
    .await?;
    Ok(())
}

/// How many posts the member has waiting.
pub async fn count(db: impl PgExecutor<'_>, account_id: i64) -> crate::Result<i64> {
    let n = sqlx::query_scalar!(
        r#"select count(*) as "n!" from scheduled_statuses where account_id = $1"#,
        account_id
    )
    .fetch_one(db)
    .await?;
    Ok(n)
}

/// How many of the member's posts (`except` one) are due within a day of
/// `at`.
pub async fn count_near(
    db: impl PgExecutor<'_>,
    account_id: i64,
    at: DateTime<Utc>,
    except: Option<i64>,
) -> crate::Result<i64> {
    let n = sqlx::query_scalar!(
        r#"select count(*) as "n!" from scheduled_statuses
           where account_id = $1 and scheduled_at > $2::timestamptz - interval '1 day'
             and scheduled_at < $2::timestamptz + interval '1 day'
             and ($3::bigint is null or id <> $3)"#,
        account_id,
        at,
        except
    )
    .fetch_one(db)
    .await?;
    Ok(n)
}

/// What storing a scheduled post did.
#[derive(Debug)]
pub enum Stored {
    /// Stored, with the number of photos reserved (fewer than named when
    /// one is not the member's, not ready, or taken by another post).
    New { id: i64, reserved: usize },
    /// A retry: the post stored earlier with the same key.
    Earlier(Box<Scheduled>),
}

/// Stores a scheduled post and reserves its photos, unless the member sent
/// one with the same Idempotency-Key `key` before.
pub async fn insert(
    conn: &mut PgConnection,
    account_id: i64,
    scheduled_at: DateTime<Utc>,
    params: &Params,
    key: Option<&str>,
) -> crate::Result<Stored> {
    let id = sqlx::query_scalar!(
        "insert into scheduled_statuses (account_id, scheduled_at, params, idempotency_key)
         values ($1, $2, $3, $4)
         on conflict (account_id, idempotency_key) do nothing returning id",
        account_id,
        scheduled_at,
        Json(params) as _,
        key
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(id) = id else {
        let earlier = sqlx::query_as!(
            Row,
            r#"select id, account_id, scheduled_at, params as "params: Json<Params>"
               from scheduled_statuses where account_id = $1 and idempotency_key = $2"#,
            account_id,
            key
        )
        .fetch_one(&mut *conn)
        .await?;
        return Ok(Stored::Earlier(Box::new(earlier.into())));
    };
    let reserved = sqlx::query!(
        "update media_attachments set scheduled_status_id = $1
         where id = any($3) and account_id = $2 and state = 'ready'
           and status_id is null and scheduled_status_id is null",
        id,
        account_id,
        &params.media_ids
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(Stored::New {
        id,
        reserved: reserved as usize,
    })
}

/// One of the member's scheduled posts.
pub async fn get(
    db: impl PgExecutor<'_>,
    account_id: i64,
    id: i64,
) -> crate::Result<Option<Scheduled>> {
    let row = sqlx::query_as!(
        Row,
        r#"select id, account_id, scheduled_at, params as "params: Json<Params>"
           from scheduled_statuses where id = $1 and account_id = $2"#,
        id,
        account_id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(Scheduled::from))
}

/// A page of the member's scheduled posts, newest first, by id bounds.
pub async fn page(
    db: impl PgExecutor<'_>,
    account_id: i64,
    bounds: PageBounds,
) -> crate::Result<Vec<Scheduled>> {
    // With `min_id`, the page just above it (oldest first, then reversed).
    let rows = sqlx::query_as!(
        Row,
        r#"select id, account_id, scheduled_at, params as "params: Json<Params>"
           from scheduled_statuses
           where account_id = $1
             and ($2::bigint is null or id < $2)
             and ($3::bigint is null or id > $3)
             and ($4::bigint is null or id > $4)
           order by case when $4::bigint is null then -id else id end
           limit $5"#,
        account_id,
        bounds.max_id,
        bounds.since_id,
        bounds.min_id,
        bounds.limit
    )
    .fetch_all(db)
    .await?;
    let mut page: Vec<Scheduled> = rows.into_iter().map(Scheduled::from).collect();
    if bounds.min_id.is_some() {
        page.reverse();
    }
    Ok(page)
}

/// Moves a scheduled post to another time; false when the member has no
/// such post (any more: it may have been published meanwhile).
pub async fn reschedule(
    db: impl PgExecutor<'_>,
    account_id: i64,
    id: i64,
    scheduled_at: DateTime<Utc>,
) -> crate::Result<bool> {
    let done = sqlx::query!(
        "update scheduled_statuses set scheduled_at = $3 where id = $1 and account_id = $2",
        id,
        account_id,
        scheduled_at
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Cancels a scheduled post; its photos are free again. False when the
/// member has no such post.
pub async fn delete(db: impl PgExecutor<'_>, account_id: i64, id: i64) -> crate::Result<bool> {
    let done = sqlx::query!(
        "delete from scheduled_statuses where id = $1 and account_id = $2",
        id,
        account_id
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Takes one post that is due, removing it and freeing its photos for
/// the post about to be published in the same transaction. Posts another
/// worker is taking are skipped, so each is published once.
pub async fn take_due(conn: &mut PgConnection) -> crate::Result<Option<Scheduled>> {
    let row = sqlx::query_as!(
        Row,
        r#"delete from scheduled_statuses
           where id = (select id from scheduled_statuses where scheduled_at <= now()
                       order by scheduled_at limit 1 for update skip locked)
           returning id, account_id, scheduled_at, params as "params: Json<Params>""#
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(Scheduled::from))
}

/// Takes post `id` if it is still waiting and no other worker is taking
/// it; false otherwise.
pub async fn take(conn: &mut PgConnection, id: i64) -> crate::Result<bool> {
    let taken = sqlx::query_scalar!(
        "delete from scheduled_statuses
         where id = (select id from scheduled_statuses where id = $1 and scheduled_at <= now()
                     for update skip locked)
         returning id",
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(taken.is_some())
}

/// Puts off a post whose publication failed for `secs`, so the posts due
/// after it are not held up while it is retried.
pub async fn postpone(db: impl PgExecutor<'_>, id: i64, secs: i64) -> crate::Result<()> {
    sqlx::query!(
        "update scheduled_statuses
         set scheduled_at = greatest(scheduled_at, now()) + make_interval(secs => $2)
         where id = $1",
        id,
        secs as f64
    )
    .execute(db)
    .await?;
    Ok(())
}
