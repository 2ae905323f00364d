//! Queries on `direct_uploads`: presigned uploads waiting for the client to
//! finish, and the media each became.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

/// A presigned upload.
#[derive(Debug, Clone)]
pub struct DirectUpload {
    pub id: i64,
    pub account_id: i64,
    pub object_key: String,
    pub content_type: String,
    pub file_size: i64,
    pub description: Option<String>,
    pub focus_x: f32,
    pub focus_y: f32,
    pub expires_at: DateTime<Utc>,
    pub media_id: Option<i64>,
    /// When the sweep deleted the file under the key (the upload is over).
    pub swept_at: Option<DateTime<Utc>>,
}

/// What starting an upload stores.
#[derive(Debug)]
pub struct NewUpload<'a> {
    pub account_id: i64,
    pub object_key: &'a str,
    pub content_type: &'a str,
    pub file_size: i64,
    pub description: Option<&'a str>,
    pub focus: (f32, f32),
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(db: impl PgExecutor<'_>, new: &NewUpload<'_>) -> crate::Result<i64> {
    let id = sqlx::query_scalar!(
        "insert into direct_uploads (account_id, object_key, content_type, file_size, description,
                                     focus_x, focus_y, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning id",
        new.account_id,
        new.object_key,
        new.content_type,
        new.file_size,
        new.description,
        new.focus.0,
        new.focus.1,
        new.expires_at
    )
    .fetch_one(db)
    .await?;
    Ok(id)
}

/// The upload.
pub async fn by_id(db: impl PgExecutor<'_>, id: i64) -> crate::Result<Option<DirectUpload>> {
    let upload = sqlx::query_as!(
        DirectUpload,
        "select id, account_id, object_key, content_type, file_size, description, focus_x, focus_y,
                expires_at, media_id, swept_at
         from direct_uploads where id = $1",
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(upload)
}

/// The upload, locked until the transaction ends so two completions of it
/// make one media.
pub async fn lock(conn: &mut PgConnection, id: i64) -> crate::Result<Option<DirectUpload>> {
    let upload = sqlx::query_as!(
        DirectUpload,
        "select id, account_id, object_key, content_type, file_size, description, focus_x, focus_y,
                expires_at, media_id, swept_at
         from direct_uploads where id = $1 for update",
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(upload)
}

/// Records the media an upload became.
pub async fn complete(conn: &mut PgConnection, id: i64, media_id: i64) -> crate::Result<()> {
    sqlx::query!(
        "update direct_uploads set media_id = $2 where id = $1",
        id,
        media_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends direct uploads whose URL has been dead for `grace`: each one not
/// completed, or completed and processed, gets its key deleted from S3 by a
/// task written in this transaction, and is marked swept. Uploads another
/// transaction holds (being completed) wait for the next round. Returns how
/// many were swept.
pub async fn sweep(
    conn: &mut PgConnection,
    grace: std::time::Duration,
    batch: i64,
) -> crate::Result<usize> {
    let grace = chrono::Duration::from_std(grace).map_err(anyhow::Error::from)?;
    let rows = sqlx::query!(
        "select u.id, u.object_key from direct_uploads u
         left join media_attachments m on m.id = u.media_id
         where u.swept_at is null and u.expires_at < now() - make_interval(secs => $1)
           and (m.id is null or m.state <> 'processing')
         order by u.expires_at
         limit $2
         for update of u skip locked",
        grace.num_milliseconds() as f64 / 1000.0,
        batch
    )
    .fetch_all(&mut *conn)
    .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let keys: Vec<String> = rows.iter().map(|r| r.object_key.clone()).collect();
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    crate::tasks::enqueue(&mut *conn, &crate::tasks::Task::DeleteObjects { keys }).await?;
    sqlx::query!(
        "update direct_uploads set swept_at = now() where id = any($1)",
        &ids
    )
    .execute(&mut *conn)
    .await?;
    Ok(ids.len())
}
