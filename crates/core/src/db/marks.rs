//! Favourites and bookmarks: a member's marks on posts. Favouriting twice is
//! one favourite; the post's count moves only when a mark really changes.

use std::collections::HashSet;

use sqlx::{PgConnection, PgExecutor};

use super::relationships::PageBounds;
use super::statuses::{self, StatusCounts};

/// Which mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Favourite,
    Bookmark,
}

/// Sets the mark; returns whether it was new.
pub async fn set(
    conn: &mut PgConnection,
    mark: Mark,
    account_id: i64,
    status_id: i64,
) -> crate::Result<bool> {
    let inserted = match mark {
        Mark::Favourite => sqlx::query!(
            "insert into favourites (account_id, status_id) values ($1, $2) on conflict do nothing",
            account_id,
            status_id
        )
        .execute(&mut *conn)
        .await?
        .rows_affected(),
        Mark::Bookmark => sqlx::query!(
            "insert into bookmarks (account_id, status_id) values ($1, $2) on conflict do nothing",
            account_id,
            status_id
        )
        .execute(&mut *conn)
        .await?
        .rows_affected(),
    };
    if inserted == 1 && mark == Mark::Favourite {
        let delta = StatusCounts {
            favourites: 1,
            ..Default::default()
        };
        statuses::add_counts(conn, status_id, delta).await?;
    }
    Ok(inserted == 1)
}

/// Clears the mark; returns whether there was one.
pub async fn clear(
    conn: &mut PgConnection,
    mark: Mark,
    account_id: i64,
    status_id: i64,
) -> crate::Result<bool> {
    let deleted = match mark {
        Mark::Favourite => sqlx::query!(
            "delete from favourites where account_id = $1 and status_id = $2",
            account_id,
            status_id
        )
        .execute(&mut *conn)
        .await?
        .rows_affected(),
        Mark::Bookmark => sqlx::query!(
            "delete from bookmarks where account_id = $1 and status_id = $2",
            account_id,
            status_id
        )
        .execute(&mut *conn)
        .await?
        .rows_affected(),
    };
    if deleted == 1 && mark == Mark::Favourite {
        let delta = StatusCounts {
            favourites: -1,
            ..Default::default()
        };
        statuses::add_counts(conn, status_id, delta).await?;
    }
    Ok(deleted == 1)
}

/// The viewer's marks among a page of posts.
#[derive(Debug, Default)]
pub struct Marked {
    pub favourites: HashSet<i64>,
    pub bookmarks: HashSet<i64>,
    /// The posts the viewer boosted.
    pub reblogs: HashSet<i64>,
    /// The viewer's posts pinned to their profile.
    pub pins: HashSet<i64>,
    /// The posts of threads the viewer muted.
    pub muted: HashSet<i64>,
}

/// Which of `ids` the viewer has favourited, bookmarked, boosted, pinned
/// and muted the thread of.
pub async fn among(db: impl PgExecutor<'_>, viewer: i64, ids: &[i64]) -> crate::Result<Marked> {
    let rows = sqlx::query!(
        r#"select status_id as "status_id!", 'f' as "mark!" from favourites
             where account_id = $1 and status_id = any($2)
           union all
           select status_id, 'b' from bookmarks where account_id = $1 and status_id = any($2)
           union all
           select reblog_of_id, 'r' from statuses where account_id = $1 and reblog_of_id = any($2)
           union all
           select status_id, 'p' from status_pins where account_id = $1 and status_id = any($2)
           union all
           select s.id, 'm' from statuses s
             join thread_mutes tm on tm.account_id = $1 and tm.thread_id = coalesce(s.thread_id, s.id)
             where s.id = any($2)"#,
        viewer,
        ids
    )
    .fetch_all(db)
    .await?;
    let mut marked = Marked::default();
    for r in rows {
        let set = match r.mark.as_str() {
            "f" => &mut marked.favourites,
            "b" => &mut marked.bookmarks,
            "r" => &mut marked.reblogs,
            "p" => &mut marked.pins,
            _ => &mut marked.muted,
        };
        set.insert(r.status_id);
    }
    Ok(marked)
}

/// A page of the member's marked posts that they may still see, newest mark
/// first: (mark row id, post id).
pub async fn page(
    db: impl PgExecutor<'_>,
    mark: Mark,
    account_id: i64,
    bounds: PageBounds,
) -> crate::Result<Vec<(i64, i64)>> {
    let (lower, ascending) = (bounds.lower(), bounds.ascending());
    let kind = match mark {
        Mark::Favourite => "favourites",
        Mark::Bookmark => "bookmarks",
    };
    let rows: Vec<(i64, i64)> = sqlx::query!(
        r#"select m.id as "id!", m.status_id as "status_id!" from (
               select id, status_id from favourites where $1 = 'favourites' and account_id = $2
               union all
               select id, status_id from bookmarks where $1 = 'bookmarks' and account_id = $2
           ) m join statuses s on s.id = m.status_id
           where ($3::bigint is null or m.id < $3) and ($4::bigint is null or m.id > $4)
             and status_visible(s.id, s.account_id, s.visibility, $2)
           order by case when $5 then m.id else -m.id end
           limit $6"#,
        kind,
        account_id,
        bounds.max_id,
        lower,
        ascending,
        bounds.limit
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (r.id, r.status_id))
    .collect();
    Ok(bounds.newest_first(rows))
}
