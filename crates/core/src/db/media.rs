//! Queries on `media_attachments`.

use sqlx::PgExecutor;

/// A photo and what the worker made of it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Media {
    pub id: i64,
    pub account_id: i64,
    /// `processing`, `ready` or `failed`.
    pub state: String,
    pub failure: Option<String>,
    pub original_key: String,
    pub content_type: String,
    pub file_size: i64,
    pub description: Option<String>,
    pub focus_x: f32,
    pub focus_y: f32,
    /// Variant name (`1080`, `640`, `320`) to object key.
    pub variants: serde_json::Value,
    /// Mastodon's `meta`: sizes, aspect, focus.
    pub meta: serde_json::Value,
    /// The blurred placeholder clients draw while the photo loads.
    pub blurhash: Option<String>,
    /// Dominant colours as `#rrggbb`, most prominent first, for browsing by colour.
    pub colors: serde_json::Value,
}

/// What an upload stores before processing.
#[derive(Debug)]
pub struct NewMedia<'a> {
    pub account_id: i64,
    pub original_key: &'a str,
    pub content_type: &'a str,
    pub file_size: i64,
    pub description: Option<&'a str>,
    pub focus: (f32, f32),
}

pub async fn insert(db: impl PgExecutor<'_>, new: &NewMedia<'_>) -> crate::Result<i64> {
    let id = sqlx::query_scalar!(
        "insert into media_attachments (account_id, original_key, content_type, file_size, description, focus_x, focus_y)
         values ($1, $2, $3, $4, $5, $6, $7) returning id",
        new.account_id,
        new.original_key,
        new.content_type,
        new.file_size,
        new.description,
        new.focus.0,
        new.focus.1
    )
    .fetch_one(db)
    .await?;
    Ok(id)
}

pub async fn by_id(db: impl PgExecutor<'_>, id: i64) -> crate::Result<Option<Media>> {
    Ok(by_ids(db, &[id]).await?.pop())
}

/// The media with these ids, in no particular order (missing ids skipped).
pub async fn by_ids(db: impl PgExecutor<'_>, ids: &[i64]) -> crate::Result<Vec<Media>> {
    let media = sqlx::query_as!(
        Media,
        "select id, account_id, state, failure, original_key, content_type, file_size, description,
                focus_x, focus_y, variants, meta, blurhash, colors
         from media_attachments where id = any($1)",
        ids
    )
    .fetch_all(db)
    .await?;
    Ok(media)
}

/// Changes the description and focus a member gave.
pub async fn update_details(
    db: impl PgExecutor<'_>,
    id: i64,
    description: Option<&str>,
    focus: Option<(f32, f32)>,
) -> crate::Result<()> {
    sqlx::query!(
        "update media_attachments set
            description = coalesce($2, description),
            focus_x = coalesce($3, focus_x),
            focus_y = coalesce($4, focus_y),
            meta = case when $3::real is null then meta
                        else jsonb_set(meta, '{focus}', jsonb_build_object('x', $3::real, 'y', $4::real)) end,
            updated_at = now()
         where id = $1",
        id,
        description,
        focus.map(|f| f.0),
        focus.map(|f| f.1)
    )
    .execute(db)
    .await?;
    Ok(())
}

/// What the worker made of a photo.
#[derive(Debug)]
pub struct Processed<'a> {
    /// Variant name to object key.
    pub variants: &'a serde_json::Value,
    pub meta: &'a serde_json::Value,
    pub blurhash: &'a str,
    /// A JSON array of `#rrggbb` strings.
    pub colors: &'a serde_json::Value,
}

/// Marks processed media ready with what the worker made of it; only while
/// it is still processing (a rerun changes nothing).
pub async fn mark_ready(
    db: impl PgExecutor<'_>,
    id: i64,
    done: &Processed<'_>,
) -> crate::Result<bool> {
    let updated = sqlx::query!(
        "update media_attachments set state = 'ready', variants = $2, meta = $3, blurhash = $4,
                colors = $5, updated_at = now()
         where id = $1 and state = 'processing'",
        id,
        done.variants,
        done.meta,
        done.blurhash,
        done.colors
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(updated == 1)
}

/// Marks media failed, with the reason the member will see.
pub async fn mark_failed(db: impl PgExecutor<'_>, id: i64, reason: &str) -> crate::Result<bool> {
    let updated = sqlx::query!(
        "update media_attachments set state = 'failed', failure = $2, updated_at = now()
         where id = $1 and state = 'processing'",
        id,
        reason
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(updated == 1)
}

/// Locks the media row until the transaction ends (serialises changes to
/// one photo's item tags).
pub async fn lock(conn: &mut sqlx::PgConnection, id: i64) -> crate::Result<()> {
    sqlx::query!(
        "select id from media_attachments where id = $1 for update",
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(())
}

/// The post the photo is attached to, if any.
pub async fn status_of(db: impl PgExecutor<'_>, id: i64) -> crate::Result<Option<i64>> {
    let status = sqlx::query_scalar!("select status_id from media_attachments where id = $1", id)
        .fetch_optional(db)
        .await?
        .flatten();
    Ok(status)
}
