//! Announcements from the operators (`announcements`) and the members who
//! marked each read (`announcement_dismissals`); their reactions are in
//! [`super::announcement_reactions`]. Members see, dismiss and react to
//! running announcements only: the SQL function `announcement_running`
//! says which.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// An announcement as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    pub id: i64,
    /// What the operators wrote, rendered like post text.
    pub text: String,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub all_day: bool,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Whether it runs now (started or no start, not ended).
    pub running: bool,
}

/// A running announcement and whether the member has marked it read.
#[derive(Debug, Clone)]
pub struct Shown {
    pub announcement: Announcement,
    pub read: bool,
}

/// Why an announcement cannot be published as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error("the text is empty")]
    EmptyText,
    #[error("it ends ({ends}) before it starts ({starts})")]
    EndsBeforeStarts { starts: String, ends: String },
    #[error("--all-day needs --starts-at or --ends-at: the days it covers")]
    AllDayWithoutDays,
}

/// An announcement's text: not blank, kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(String);

impl Text {
    pub fn parse(text: &str) -> Result<Text, Invalid> {
        if text.trim().is_empty() {
            return Err(Invalid::EmptyText);
        }
        Ok(Text(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// When an announcement runs: its end after its start, and whole days only
/// for an announcement that has days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
    all_day: bool,
}

impl Schedule {
    pub fn new(
        starts_at: Option<DateTime<Utc>>,
        ends_at: Option<DateTime<Utc>>,
        all_day: bool,
    ) -> Result<Schedule, Invalid> {
        if let (Some(starts), Some(ends)) = (starts_at, ends_at)
            && ends <= starts
        {
            return Err(Invalid::EndsBeforeStarts {
                starts: starts.to_rfc3339(),
                ends: ends.to_rfc3339(),
            });
        }
        if all_day && starts_at.is_none() && ends_at.is_none() {
            return Err(Invalid::AllDayWithoutDays);
        }
        Ok(Schedule {
            starts_at,
            ends_at,
            all_day,
        })
    }
}

/// Publishes an announcement.
pub async fn publish(
    db: impl PgExecutor<'_>,
    text: &Text,
    schedule: Schedule,
) -> crate::Result<Announcement> {
    let row = sqlx::query_as!(
        Announcement,
        r#"insert into announcements (text, starts_at, ends_at, all_day)
           values ($1, $2, $3, $4)
           returning id, text, starts_at, ends_at, all_day, published_at, updated_at,
                     announcement_running(starts_at, ends_at) as "running!""#,
        text.as_str(),
        schedule.starts_at,
        schedule.ends_at,
        schedule.all_day
    )
    .fetch_one(db)
    .await?;
    Ok(row)
}

/// Replaces an announcement's text (and so its `updated_at`); None when
/// there is no such announcement.
pub async fn edit(
    db: impl PgExecutor<'_>,
    id: i64,
    text: &Text,
) -> crate::Result<Option<Announcement>> {
    let row = sqlx::query_as!(
        Announcement,
        r#"update announcements set text = $2, updated_at = now() where id = $1
           returning id, text, starts_at, ends_at, all_day, published_at, updated_at,
                     announcement_running(starts_at, ends_at) as "running!""#,
        id,
        text.as_str()
    )
    .fetch_optional(db)
    .await?;
    Ok(row)
}

/// Removes an announcement with its dismissals and reactions; false when
/// there was none.
pub async fn remove(db: impl PgExecutor<'_>, id: i64) -> crate::Result<bool> {
    let done = sqlx::query!("delete from announcements where id = $1", id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Every announcement, running or not, newest first (for the operators).
pub async fn all(db: impl PgExecutor<'_>) -> crate::Result<Vec<Announcement>> {
    let rows = sqlx::query_as!(
        Announcement,
        r#"select id, text, starts_at, ends_at, all_day, published_at, updated_at,
                  announcement_running(starts_at, ends_at) as "running!"
           from announcements order by published_at desc, id desc"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows)
}

/// The running announcements, newest first, with whether `account` marked
/// each read; read ones only `with_dismissed`.
pub async fn running(
    db: impl PgExecutor<'_>,
    account: i64,
    with_dismissed: bool,
) -> crate::Result<Vec<Shown>> {
    running_where(db, account, with_dismissed, None).await
}

/// One running announcement as `account` sees it; None when there is no
/// such announcement or it does not run now.
pub async fn running_one(
    db: impl PgExecutor<'_>,
    id: i64,
    account: i64,
) -> crate::Result<Option<Shown>> {
    Ok(running_where(db, account, true, Some(id)).await?.pop())
}

/// The running announcements (`only` the one, when given).
async fn running_where(
    db: impl PgExecutor<'_>,
    account: i64,
    with_dismissed: bool,
    only: Option<i64>,
) -> crate::Result<Vec<Shown>> {
    let rows = sqlx::query!(
        r#"select a.id, a.text, a.starts_at, a.ends_at, a.all_day, a.published_at, a.updated_at,
                  d.account_id is not null as "read!"
           from announcements a
           left join announcement_dismissals d on d.announcement_id = a.id and d.account_id = $1
           where announcement_running(a.starts_at, a.ends_at)
             and ($2 or d.account_id is null)
             and ($3::bigint is null or a.id = $3)
           order by a.published_at desc, a.id desc"#,
        account,
        with_dismissed,
        only
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Shown {
            announcement: Announcement {
                id: r.id,
                text: r.text,
                starts_at: r.starts_at,
                ends_at: r.ends_at,
                all_day: r.all_day,
                published_at: r.published_at,
                updated_at: r.updated_at,
                running: true,
            },
            read: r.read,
        })
        .collect())
}

/// Marks a running announcement read for the member (again: no change);
/// false when it does not run.
pub async fn dismiss(db: impl PgExecutor<'_>, account: i64, id: i64) -> crate::Result<bool> {
    let found = sqlx::query_scalar!(
        r#"with shown as (
               select id from announcements
               where id = $2 and announcement_running(starts_at, ends_at)),
           marked as (
               insert into announcement_dismissals (announcement_id, account_id)
               select id, $1 from shown
               on conflict do nothing)
           select exists (select 1 from shown) as "found!""#,
        account,
        id
    )
    .fetch_one(db)
    .await?;
    Ok(found)
}

/// The members named in announcements' text (lowercased usernames) that
/// exist, as (id, username).
pub async fn mentioned(
    db: impl PgExecutor<'_>,
    usernames: &[String],
) -> crate::Result<Vec<(i64, String)>> {
    let rows = sqlx::query!(
        "select id, username from accounts where lower(username) = any($1)",
        usernames
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.username)).collect())
}

/// Of the posts `ids` an announcement links to, those `viewer` may see, as
/// (id, author's username).
pub async fn linked_posts(
    db: impl PgExecutor<'_>,
    ids: &[i64],
    viewer: i64,
) -> crate::Result<Vec<(i64, String)>> {
    let rows = sqlx::query!(
        "select s.id, a.username from statuses s
         join accounts a on a.id = s.account_id
         where s.id = any($1) and status_visible(s.id, s.account_id, s.visibility, $2)",
        ids,
        viewer
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.username)).collect())
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    /// Blank text is refused; other text is kept as written.
    #[test]
    fn text_must_not_be_blank() {
        assert_eq!(Text::parse(" \n "), Err(Invalid::EmptyText));
        assert_eq!(Text::parse(" Hi ").unwrap().as_str(), " Hi ");
    }

    /// An end at or before the start is refused, and so are whole days
    /// without any day.
    #[test]
    fn schedules_end_after_they_start() {
        let day = |d| Some(Utc.with_ymd_and_hms(2026, 12, d, 0, 0, 0).unwrap());
        assert!(Schedule::new(day(1), day(2), true).is_ok());
        assert!(Schedule::new(None, day(2), false).is_ok());
        assert!(Schedule::new(None, None, false).is_ok());
        assert!(matches!(
            Schedule::new(day(2), day(1), false),
            Err(Invalid::EndsBeforeStarts { .. })
        ));
        assert!(Schedule::new(day(2), day(2), false).is_err());
        assert_eq!(
            Schedule::new(None, None, true),
            Err(Invalid::AllDayWithoutDays)
        );
    }
}
