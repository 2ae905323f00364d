//! What is trending: hashtags and posts ranked by engagement that decays
//! with age. Computed by the worker on a schedule; readers get the stored
//! result.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// Hours over which a use or a like loses about two thirds of its weight.
const DECAY_HOURS: f64 = 12.0;

/// A trending hashtag and its use per day over the last week (newest first).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TagTrend {
    pub name: String,
    pub history: Vec<TagDay>,
}

/// One day of a hashtag's use.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TagDay {
    pub day: DateTime<Utc>,
    pub uses: i64,
    pub accounts: i64,
}

/// The hashtags of public posts from the last week, by how many members
/// used them, each use weighted by its age; at most one use per member and
/// hashtag counts, so one account cannot push a tag alone.
pub async fn tags(db: impl PgExecutor<'_> + Copy, limit: i64) -> crate::Result<Vec<TagTrend>> {
    let since = super::ids::lower_bound(
        std::time::SystemTime::now() - std::time::Duration::from_secs(7 * 86400),
    );
    let names = sqlx::query_scalar!(
        r#"select t.name as "name!" from (
               select st.tag_id, s.account_id, max(s.created_at) as latest
               from status_tags st join statuses s on s.id = st.status_id
               where s.id > $1 and s.visibility = 'public'
               group by st.tag_id, s.account_id
           ) u join tags t on t.id = u.tag_id
           group by t.name
           order by sum(exp(-extract(epoch from now() - u.latest)::float8 / 3600.0 / $2::float8)) desc, t.name
           limit $3"#,
        since,
        DECAY_HOURS,
        limit
    )
    .fetch_all(db)
    .await?;
    let days = super::tags::history(db, &names).await?;
    Ok(names
        .into_iter()
        .map(|name| {
            let history = days
                .iter()
                .filter(|(tag, _)| *tag == name)
                .map(|(_, day)| day.clone())
                .collect();
            TagTrend { name, history }
        })
        .collect())
}

/// Public posts (not comments, not boosts) from the last two days, by
/// favourites, boosts and replies (a reply counting double, every post
/// starting at one), weighted by age.
pub async fn statuses(db: impl PgExecutor<'_>, limit: i64) -> crate::Result<Vec<i64>> {
    let since = super::ids::lower_bound(
        std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 86400),
    );
    let ids = sqlx::query_scalar!(
        r#"select s.id from statuses s
           left join lateral (select sum(favourites) as f, sum(replies) as r, sum(reblogs) as b
                              from status_counters c where c.status_id = s.id) c on true
           where s.id > $1 and s.visibility = 'public' and s.in_reply_to_id is null
             and s.reblog_of_id is null
           order by (1 + coalesce(c.f, 0) + 2 * coalesce(c.r, 0) + coalesce(c.b, 0))::float8
                    * exp(-extract(epoch from now() - s.created_at)::float8 / 3600.0 / $2::float8) desc, s.id desc
           limit $3"#,
        since,
        DECAY_HOURS,
        limit
    )
    .fetch_all(db)
    .await?;
    Ok(ids)
}
