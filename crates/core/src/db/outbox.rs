//! Queries on `outbox` and `task_done`.

use sqlx::{PgConnection, PgExecutor};

/// An outbox row waiting to be published.
#[derive(Debug)]
pub struct Pending {
    pub id: i64,
    pub kind: String,
    pub payload: serde_json::Value,
}

/// Inserts a task row; see [`crate::tasks::enqueue`].
pub async fn insert(
    conn: &mut PgConnection,
    kind: &str,
    payload: &serde_json::Value,
) -> crate::Result<i64> {
    let id = sqlx::query_scalar!(
        "insert into outbox (kind, payload) values ($1, $2) returning id",
        kind,
        payload
    )
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Locks up to `limit` unsent rows, oldest first, skipping rows another relay
/// holds; the lock lasts until the caller's transaction ends.
pub async fn claim_unsent(conn: &mut PgConnection, limit: i64) -> crate::Result<Vec<Pending>> {
    let rows = sqlx::query_as!(
        Pending,
        "select id, kind, payload from outbox where sent_at is null
         order by id limit $1 for update skip locked",
        limit
    )
    .fetch_all(conn)
    .await?;
    Ok(rows)
}

/// Marks rows as published.
pub async fn mark_sent(conn: &mut PgConnection, ids: &[i64]) -> crate::Result<()> {
    sqlx::query!("update outbox set sent_at = now() where id = any($1)", ids)
        .execute(conn)
        .await?;
    Ok(())
}

/// Rows not yet published: the relay's backlog.
pub async fn backlog(db: impl PgExecutor<'_>) -> crate::Result<i64> {
    let n = sqlx::query_scalar!(r#"select count(*) as "n!" from outbox where sent_at is null"#)
        .fetch_one(db)
        .await?;
    Ok(n)
}

/// Seconds the oldest unfinished task of `kind` (from the last day) has
/// waited; 0 when none waits. For fan-out, this is how far home feeds lag.
pub async fn lag_seconds(db: impl PgExecutor<'_>, kind: &str) -> crate::Result<f64> {
    let lag = sqlx::query_scalar!(
        r#"select coalesce(extract(epoch from now() - min(o.created_at)), 0)::float8 as "lag!"
           from outbox o
           where o.kind = $1 and o.created_at > now() - interval '1 day'
             and not exists (select 1 from task_done d where d.task_id = o.id)"#,
        kind
    )
    .fetch_one(db)
    .await?;
    Ok(lag)
}

/// Ids of tasks that no worker has finished, oldest first.
pub async fn unfinished(db: impl PgExecutor<'_>) -> crate::Result<Vec<i64>> {
    let ids = sqlx::query_scalar!(
        "select o.id from outbox o
         where not exists (select 1 from task_done d where d.task_id = o.id)
         order by o.id"
    )
    .fetch_all(db)
    .await?;
    Ok(ids)
}

/// Records that a task is done, inside the transaction that did its work.
/// Returns false when the task was already done: a concurrent delivery of the
/// same message waits here for the first one's transaction and then skips.
pub async fn claim_done(conn: &mut PgConnection, task_id: i64, kind: &str) -> crate::Result<bool> {
    let inserted = sqlx::query!(
        "insert into task_done (task_id, kind) values ($1, $2) on conflict do nothing",
        task_id,
        kind
    )
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Who may carry out a task that talks to another server and so is not
/// done inside one transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This caller: go ahead, then [`finish`] or [`release`].
    Mine,
    /// It was done already.
    Done,
    /// Another worker is at it now.
    Busy,
}

/// Claims such a task: its marker reads `<kind>.sending` until [`finish`]
/// makes it `<kind>` (done) or [`release`] removes it. A claim older than
/// `stale_secs` (its worker died mid-task) is taken over.
pub async fn claim(
    db: impl PgExecutor<'_> + Copy,
    task_id: i64,
    kind: &str,
    stale_secs: f64,
) -> crate::Result<Claim> {
    let mine = sqlx::query_scalar!(
        r#"insert into task_done (task_id, kind) values ($1, $2 || '.sending')
           on conflict (task_id) do update set done_at = now()
               where task_done.kind = $2 || '.sending'
                 and task_done.done_at < now() - make_interval(secs => $3)
           returning task_id"#,
        task_id,
        kind,
        stale_secs
    )
    .fetch_optional(db)
    .await?;
    if mine.is_some() {
        return Ok(Claim::Mine);
    }
    let marker = sqlx::query_scalar!("select kind from task_done where task_id = $1", task_id)
        .fetch_optional(db)
        .await?;
    Ok(match marker {
        Some(marker) if marker == kind => Claim::Done,
        Some(_) => Claim::Busy,
        // Released in between: the next delivery claims it.
        None => Claim::Busy,
    })
}

/// Marks a claimed task done.
pub async fn finish(db: impl PgExecutor<'_>, task_id: i64, kind: &str) -> crate::Result<()> {
    sqlx::query!(
        "update task_done set kind = $2, done_at = now() where task_id = $1",
        task_id,
        kind
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Gives a claimed task up (it failed and will be tried again).
pub async fn release(db: impl PgExecutor<'_>, task_id: i64) -> crate::Result<()> {
    sqlx::query!(
        "delete from task_done where task_id = $1 and kind like '%.sending'",
        task_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes published rows and done markers older than `days`, so neither
/// table grows without bound.
pub async fn prune(db: &sqlx::PgPool, days: i32) -> crate::Result<u64> {
    let sent = sqlx::query!(
        "delete from outbox where sent_at < now() - make_interval(days => $1)",
        days
    )
    .execute(db)
    .await?
    .rows_affected();
    let done = sqlx::query!(
        "delete from task_done where done_at < now() - make_interval(days => $1)",
        days
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(sent + done)
}
