//! The versions of edited posts (`status_edits`): the original, kept when
//! the first edit comes, and each edit, written in the edit's transaction.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

/// One version of a post.
#[derive(Debug, Clone)]
pub struct Version {
    pub text: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    /// Its photos in order, with their descriptions as they were.
    pub media_ids: Vec<i64>,
    pub media_descriptions: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// Keeps the post as it stands now: as its original version (`original`,
/// before its first edit is applied; nothing when versions are kept
/// already), or as the edit just made, dated now (under the post's lock).
pub async fn keep(conn: &mut PgConnection, status: i64, original: bool) -> crate::Result<()> {
    sqlx::query!(
        r#"insert into status_edits
               (status_id, text, spoiler_text, sensitive, media_ids, media_descriptions, created_at)
           select s.id, s.text, s.spoiler_text, s.sensitive,
                  coalesce(array_agg(m.id order by m.position, m.id)
                           filter (where m.id is not null), '{}'),
                  coalesce(array_agg(coalesce(m.description, '') order by m.position, m.id)
                           filter (where m.id is not null), '{}'),
                  case when $2 then s.created_at else clock_timestamp() end
           from statuses s
           left join media_attachments m on m.status_id = s.id
           where s.id = $1
             and not ($2 and exists (select 1 from status_edits e where e.status_id = s.id))
           group by s.id"#,
        status,
        original
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A post's versions, oldest first (none for a post never edited).
pub async fn of_status(db: impl PgExecutor<'_>, status: i64) -> crate::Result<Vec<Version>> {
    let rows = sqlx::query_as!(
        Version,
        "select text, spoiler_text, sensitive, media_ids, media_descriptions, created_at
         from status_edits where status_id = $1 order by created_at, id",
        status
    )
    .fetch_all(db)
    .await?;
    Ok(rows)
}
