//! Reading the graph: relationships between a viewer and other accounts, and
//! the paged lists (followers, following, blocks, mutes, follow requests).

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// How the viewer and one other account stand.
#[derive(Debug, Clone, Default)]
pub struct Relationship {
    pub id: i64,
    pub following: bool,
    pub showing_reblogs: bool,
    pub notifying: bool,
    pub languages: Option<Vec<String>>,
    pub followed_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
    pub muting: bool,
    pub muting_notifications: bool,
    pub muting_expires_at: Option<DateTime<Utc>>,
    pub requested: bool,
    pub requested_by: bool,
    /// The viewer's private note on the account ("" without one).
    pub note: String,
}

/// The viewer's relationship with each existing account of `ids`.
pub async fn relationships(
    db: impl PgExecutor<'_>,
    viewer: i64,
    ids: &[i64],
) -> crate::Result<Vec<Relationship>> {
    let rows = sqlx::query_as!(
        Relationship,
        r#"select a.id,
                  f.id is not null as "following!",
                  coalesce(f.show_reblogs, r.show_reblogs, false) as "showing_reblogs!",
                  coalesce(f.notify, r.notify, false) as "notifying!",
                  coalesce(f.languages, r.languages) as languages,
                  exists (select 1 from follows x where x.account_id = a.id and x.target_account_id = $1) as "followed_by!",
                  exists (select 1 from blocks x where x.account_id = $1 and x.target_account_id = a.id) as "blocking!",
                  exists (select 1 from blocks x where x.account_id = a.id and x.target_account_id = $1) as "blocked_by!",
                  m.id is not null as "muting!",
                  coalesce(m.hide_notifications, false) as "muting_notifications!",
                  m.expires_at as muting_expires_at,
                  r.id is not null as "requested!",
                  exists (select 1 from follow_requests x where x.account_id = a.id and x.target_account_id = $1) as "requested_by!",
                  coalesce(n.comment, '') as "note!"
           from accounts a
           left join account_notes n on n.account_id = $1 and n.target_account_id = a.id
           left join follows f on f.account_id = $1 and f.target_account_id = a.id
           left join follow_requests r on r.account_id = $1 and r.target_account_id = a.id
           left join mutes m on m.account_id = $1 and m.target_account_id = a.id
                and (m.expires_at is null or m.expires_at > now())
           where a.id = any($2)"#,
        viewer,
        ids
    )
    .fetch_all(db)
    .await?;
    Ok(rows)
}

/// Bounds of a page, by row id, newest first.
#[derive(Debug, Clone, Copy)]
pub struct PageBounds {
    pub max_id: Option<i64>,
    pub since_id: Option<i64>,
    pub min_id: Option<i64>,
    pub limit: i64,
}

impl PageBounds {
    /// The exclusive lower bound: `min_id`, else `since_id`.
    pub fn lower(&self) -> Option<i64> {
        self.min_id.or(self.since_id)
    }

    /// Whether the page is read upwards from `min_id` (the page just after it).
    pub fn ascending(&self) -> bool {
        self.min_id.is_some()
    }

    /// Rows read in SQL order, turned newest first.
    pub fn newest_first<T>(&self, mut rows: Vec<T>) -> Vec<T> {
        if self.ascending() {
            rows.reverse();
        }
        rows
    }
}

/// One entry of a paged list: the row id (for the Link header), the account
/// listed, and when a mute expires (mutes only).
#[derive(Debug, Clone)]
pub struct Edge {
    pub id: i64,
    pub account_id: i64,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Which list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    /// Who follows the account.
    Followers,
    /// Whom the account follows.
    Following,
    /// Whom the account blocks.
    Blocks,
    /// Whom the account mutes (unexpired).
    Mutes,
    /// Who asked to follow the account.
    FollowRequests,
    /// Who favourited the post (the owner is a post id).
    FavouritedBy,
    /// Who boosted the post where everyone may see it (the owner is a post id).
    RebloggedBy,
}

/// A page of `list` for `owner`. With `min_id`, the page is the one just
/// after it (oldest first in SQL, returned newest first).
pub async fn page(
    db: impl PgExecutor<'_>,
    list: List,
    owner: i64,
    bounds: PageBounds,
) -> crate::Result<Vec<Edge>> {
    let (lower, ascending) = (bounds.lower(), bounds.ascending());
    let kind = match list {
        List::Followers => "followers",
        List::Following => "following",
        List::Blocks => "blocks",
        List::Mutes => "mutes",
        List::FollowRequests => "follow_requests",
        List::FavouritedBy => "favourited_by",
        List::RebloggedBy => "reblogged_by",
    };
    // Two statements, so each orders by plain `id` and the (owner, id)
    // indexes serve the page without sorting the whole list.
    let rows = if ascending {
        sqlx::query_as!(
            Edge,
            r#"select id as "id!", account_id as "account_id!", expires_at from (
               select id, account_id, null::timestamptz as expires_at from follows
                 where $1 = 'followers' and target_account_id = $2
               union all
               select id, target_account_id, null from follows
                 where $1 = 'following' and account_id = $2
               union all
               select id, target_account_id, null from blocks
                 where $1 = 'blocks' and account_id = $2
               union all
               select id, target_account_id, expires_at from mutes
                 where $1 = 'mutes' and account_id = $2 and (expires_at is null or expires_at > now())
               union all
               select id, account_id, null from follow_requests
                 where $1 = 'follow_requests' and target_account_id = $2
               union all
               select id, account_id, null from favourites
                 where $1 = 'favourited_by' and status_id = $2
               union all
               select id, account_id, null from statuses
                 where $1 = 'reblogged_by' and reblog_of_id = $2
                   and visibility in ('public', 'unlisted')
           ) edges
           where ($3::bigint is null or id < $3) and ($4::bigint is null or id > $4)
           order by id limit $5"#,
            kind,
            owner,
            bounds.max_id,
            lower,
            bounds.limit
        )
        .fetch_all(db)
        .await?
    } else {
        sqlx::query_as!(
            Edge,
            r#"select id as "id!", account_id as "account_id!", expires_at from (
               select id, account_id, null::timestamptz as expires_at from follows
                 where $1 = 'followers' and target_account_id = $2
               union all
               select id, target_account_id, null from follows
                 where $1 = 'following' and account_id = $2
               union all
               select id, target_account_id, null from blocks
                 where $1 = 'blocks' and account_id = $2
               union all
               select id, target_account_id, expires_at from mutes
                 where $1 = 'mutes' and account_id = $2 and (expires_at is null or expires_at > now())
               union all
               select id, account_id, null from follow_requests
                 where $1 = 'follow_requests' and target_account_id = $2
               union all
               select id, account_id, null from favourites
                 where $1 = 'favourited_by' and status_id = $2
               union all
               select id, account_id, null from statuses
                 where $1 = 'reblogged_by' and reblog_of_id = $2
                   and visibility in ('public', 'unlisted')
           ) edges
           where ($3::bigint is null or id < $3) and ($4::bigint is null or id > $4)
           order by id desc limit $5"#,
            kind,
            owner,
            bounds.max_id,
            lower,
            bounds.limit
        )
        .fetch_all(db)
        .await?
    };
    Ok(bounds.newest_first(rows))
}

/// For each of `targets` that exists, up to `each` accounts that follow it
/// and that `viewer` follows (newest follows of the viewer's first), as
/// `(target, follower)` pairs, with `(target, None)` for a target that has
/// none (or that blocks the viewer, or is blocked by them: its followers
/// are not shown across a block).
pub async fn familiar_followers(
    db: impl PgExecutor<'_>,
    viewer: i64,
    targets: &[i64],
    each: i64,
) -> crate::Result<Vec<(i64, Option<i64>)>> {
    let rows = sqlx::query!(
        r#"select c.id as "target!", x.follower as "follower?"
           from (select distinct id from unnest($2::bigint[]) as u (id)) c
           join accounts a on a.id = c.id
           left join lateral (
               select f.account_id as follower, mine.created_at
               from follows f
               join follows mine on mine.account_id = $1 and mine.target_account_id = f.account_id
               where f.target_account_id = c.id and f.account_id <> $1
               order by mine.created_at desc, f.account_id
               limit $3) x
             on not exists (select 1 from blocks b
                            where (b.account_id = c.id and b.target_account_id = $1)
                               or (b.account_id = $1 and b.target_account_id = c.id))
           order by c.id, x.created_at desc, x.follower"#,
        viewer,
        targets,
        each
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.target, r.follower)).collect())
}
