//! Reports: a member tells the moderators about an account and some of its
//! posts, with a category and a comment.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// A report as stored.
#[derive(Debug, Clone)]
pub struct Report {
    pub id: i64,
    pub target_account_id: i64,
    pub status_ids: Vec<i64>,
    pub comment: String,
    pub category: String,
    pub forward: bool,
    pub created_at: DateTime<Utc>,
}

/// What a report says.
#[derive(Debug)]
pub struct NewReport<'a> {
    pub account_id: i64,
    pub target_account_id: i64,
    pub status_ids: &'a [i64],
    pub comment: &'a str,
    pub category: &'a str,
    pub forward: bool,
}

/// Which of `ids` are posts of `author` (not boosts), in the order given.
pub async fn posts_of(
    db: impl PgExecutor<'_>,
    author: i64,
    ids: &[i64],
) -> crate::Result<Vec<i64>> {
    let found = sqlx::query_scalar!(
        r#"select s.id as "id!" from unnest($2::bigint[]) with ordinality as c (id, n)
           join statuses s on s.id = c.id
           where s.account_id = $1 and s.reblog_of_id is null
           order by c.n"#,
        author,
        ids
    )
    .fetch_all(db)
    .await?;
    Ok(found)
}

/// Stores a report.
pub async fn insert(db: impl PgExecutor<'_>, new: &NewReport<'_>) -> crate::Result<Report> {
    let report = sqlx::query_as!(
        Report,
        "insert into reports (account_id, target_account_id, status_ids, comment, category, forward)
         values ($1, $2, $3, $4, $5, $6)
         returning id, target_account_id, status_ids, comment, category, forward, created_at",
        new.account_id,
        new.target_account_id,
        new.status_ids,
        new.comment,
        new.category,
        new.forward
    )
    .fetch_one(db)
    .await?;
    Ok(report)
}
