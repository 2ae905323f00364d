//! Notifications: written in the transaction of their cause, deleted with
//! its undoing, and read a page at a time. `notification_decision` (SQL)
//! says whether one is made, held back (filtered) or dropped; grouping is
//! in [`super::notification_groups`].

use std::fmt;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use super::relationships::PageBounds;

/// The kinds of notification, as Mastodon names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Mention,
    Status,
    Reblog,
    Follow,
    FollowRequest,
    Favourite,
    Update,
    /// A poll the member voted in or made has ended.
    Poll,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Mention,
        Kind::Status,
        Kind::Reblog,
        Kind::Follow,
        Kind::FollowRequest,
        Kind::Favourite,
        Kind::Update,
        Kind::Poll,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Mention => "mention",
            Kind::Status => "status",
            Kind::Reblog => "reblog",
            Kind::Follow => "follow",
            Kind::FollowRequest => "follow_request",
            Kind::Favourite => "favourite",
            Kind::Update => "update",
            Kind::Poll => "poll",
        }
    }

    /// The kind a name stands for; None for a name this server never sends
    /// (Mastodon's `admin.sign_up`, `quote`...), which filters match nothing.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One notification as stored.
#[derive(Debug, Clone)]
pub struct Notification {
    pub id: i64,
    pub account_id: i64,
    pub from_account_id: i64,
    pub kind: Kind,
    pub status_id: Option<i64>,
    pub group_key: String,
    pub filtered: bool,
    pub created_at: DateTime<Utc>,
}

/// A notification just made, for the live stream: its id and recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Created {
    pub id: i64,
    pub recipient: i64,
}

/// Which notifications a list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only these kinds (empty: all).
    pub types: Vec<String>,
    /// Not these kinds.
    pub exclude_types: Vec<String>,
    /// Only from this account.
    pub account_id: Option<i64>,
    /// Held-back notifications too.
    pub include_filtered: bool,
}

/// Notifies `recipient` of `kind` caused by `from` (about `status`), unless
/// the rules drop it; answers the notification when it is shown at once
/// (not held back, not there already). Favourites, reblogs and follows
/// share a group per post (or per recipient) and 12-hour slot.
pub async fn create(
    conn: &mut PgConnection,
    recipient: i64,
    from: i64,
    kind: Kind,
    status: Option<i64>,
) -> crate::Result<Option<Created>> {
    insert(conn, Some(recipient), from, kind, status).await
}

/// Notifies the author of `status` of `kind` caused by `from` (a like, a
/// comment), as [`create`] does.
pub async fn create_for_author(
    conn: &mut PgConnection,
    from: i64,
    kind: Kind,
    status: i64,
) -> crate::Result<Option<Created>> {
    insert(conn, None, from, kind, Some(status)).await
}

/// [`create`], for `recipient` or (none given) the author of `status`. One
/// statement, so a like costs one round trip: the notification, and a push
/// task for each Web Push subscription and each device of the recipient
/// that wants it.
async fn insert(
    conn: &mut PgConnection,
    recipient: Option<i64>,
    from: i64,
    kind: Kind,
    status: Option<i64>,
) -> crate::Result<Option<Created>> {
    let row = sqlx::query!(
        r#"with r as (
               select coalesce($1::bigint, (select account_id from statuses where id = $4)) as id),
           made as (
               insert into notifications (account_id, from_account_id, type, status_id, group_key, filtered)
               select r.id, $2, $3, $4,
                      case when d.decision = 'filter' then null
                           when $3 in ('favourite', 'reblog') then
                               $3 || '-' || $4::bigint || '-' || (extract(epoch from now())::bigint / 43200 * 43200)
                           when $3 = 'follow' then 'follow-' || (extract(epoch from now())::bigint / 43200 * 43200)
                      end,
                      d.decision = 'filter'
               from r, lateral (select notification_decision(r.id, $2, $3, $4) as decision) d
               where r.id is not null and d.decision <> 'drop'
               on conflict do nothing
               returning id, account_id, filtered),
           pushed as (
               insert into outbox (kind, payload)
               select 'web_push', jsonb_build_object(
                          'kind', 'web_push', 'v', $5::bigint,
                          'notification_id', m.id, 'subscription_id', s.id)
               from made m join push_subscriptions s on s.account_id = m.account_id
               join tokens t on t.id = s.token_id and t.revoked_at is null
               where not m.filtered and s.alerts ->> $3 = 'true' and s.policy <> 'none'),
           natives as (
               insert into outbox (kind, payload)
               select 'native_push', jsonb_build_object(
                          'kind', 'native_push', 'v', $5::bigint,
                          'notification_id', m.id, 'device_id', d.id)
               from made m join devices d on d.account_id = m.account_id
               join tokens t on t.id = d.token_id and t.revoked_at is null
               where not m.filtered and d.alerts ->> $3 = 'true')
           select id as "id!", account_id as "account_id!", filtered as "filtered!" from made"#,
        recipient,
        from,
        kind.as_str(),
        status,
        crate::tasks::FORMAT as i64
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.filter(|r| !r.filtered).map(|r| Created {
        id: r.id,
        recipient: r.account_id,
    }))
}

/// Takes back what [`create_for_author`] made.
pub async fn remove_for_author(
    conn: &mut PgConnection,
    from: i64,
    kind: Kind,
    status: i64,
) -> crate::Result<()> {
    let author = sqlx::query_scalar!("select account_id from statuses where id = $1", status)
        .fetch_optional(&mut *conn)
        .await?;
    match author {
        Some(author) => remove(conn, author, from, kind, Some(status)).await,
        None => Ok(()),
    }
}

/// Notifies the followers of `author` who asked to be (`notify`) of their
/// new post.
pub async fn create_for_subscribers(
    conn: &mut PgConnection,
    author: i64,
    status: i64,
) -> crate::Result<Vec<Created>> {
    let rows = sqlx::query!(
        r#"insert into notifications (account_id, from_account_id, type, status_id, filtered)
           select f.account_id, $1, 'status', $2, false
           from follows f
           where f.target_account_id = $1 and f.notify
             and notification_decision(f.account_id, $1, 'status', $2) = 'accept'
           on conflict do nothing
           returning id, account_id"#,
        author,
        status
    )
    .fetch_all(&mut *conn)
    .await?;
    pushed(conn, rows.into_iter().map(|r| (r.id, r.account_id))).await
}

/// Notifies those who liked, bookmarked, boosted or commented on a post that it was
/// edited; an earlier edit's notification makes way for the new one.
pub async fn create_for_edit(
    conn: &mut PgConnection,
    author: i64,
    status: i64,
) -> crate::Result<Vec<Created>> {
    let removed = sqlx::query_as!(
        Removed,
        r#"delete from notifications where type = 'update' and status_id = $1
           returning account_id, coalesce(group_key, 'ungrouped-' || id) as "group_key!", grouped"#,
        status
    )
    .fetch_all(&mut *conn)
    .await?;
    super::notification_groups::uncount(conn, &removed).await?;
    let rows = sqlx::query!(
        r#"insert into notifications (account_id, from_account_id, type, status_id, filtered)
           select i.account_id, $1, 'update', $2, false
           from (select account_id from favourites where status_id = $2
                 union select account_id from bookmarks where status_id = $2
                 union select account_id from statuses where in_reply_to_id = $2
                 union select account_id from statuses where reblog_of_id = $2) i
           where notification_decision(i.account_id, $1, 'update', $2) = 'accept'
           on conflict do nothing
           returning id, account_id"#,
        author,
        status
    )
    .fetch_all(&mut *conn)
    .await?;
    pushed(conn, rows.into_iter().map(|r| (r.id, r.account_id))).await
}

/// Tells the voters and the author of poll `poll` that it ended (a `poll`
/// notification from the author, about the post); running again adds none.
pub async fn create_for_poll(conn: &mut PgConnection, poll: i64) -> crate::Result<Vec<Created>> {
    let rows = sqlx::query!(
        r#"with p as (
               select s.id as status_id, s.account_id as author
               from polls p join statuses s on s.id = p.status_id where p.id = $1)
           insert into notifications (account_id, from_account_id, type, status_id, filtered)
           select r.account_id, p.author, 'poll', p.status_id, false
           from p, (select account_id from poll_votes where poll_id = $1
                    union select author from p) r
           where notification_decision(r.account_id, p.author, 'poll', p.status_id) = 'accept'
             and exists (select 1 from statuses s where s.id = p.status_id
                         and status_visible(s.id, s.account_id, s.visibility, r.account_id))
           on conflict do nothing
           returning id, account_id"#,
        poll
    )
    .fetch_all(&mut *conn)
    .await?;
    pushed(conn, rows.into_iter().map(|r| (r.id, r.account_id))).await
}

/// The notifications made, with their pushes queued.
async fn pushed(
    conn: &mut PgConnection,
    rows: impl Iterator<Item = (i64, i64)>,
) -> crate::Result<Vec<Created>> {
    let (ids, recipients): (Vec<i64>, Vec<i64>) = rows.unzip();
    super::push_subscriptions::enqueue(conn, &ids, &recipients).await?;
    Ok(ids
        .into_iter()
        .zip(recipients)
        .map(|(id, recipient)| Created { id, recipient })
        .collect())
}

/// A removed row: its recipient, its group key, and whether its group
/// counted it.
#[derive(Debug)]
pub struct Removed {
    pub account_id: i64,
    pub group_key: String,
    pub grouped: bool,
}

/// Takes back the notification of `kind` from `from` to `recipient` (about
/// `status`): its cause was undone.
pub async fn remove(
    conn: &mut PgConnection,
    recipient: i64,
    from: i64,
    kind: Kind,
    status: Option<i64>,
) -> crate::Result<()> {
    let removed = sqlx::query_as!(
        Removed,
        r#"delete from notifications
           where account_id = $1 and from_account_id = $2 and type = $3
             and status_id is not distinct from $4
           returning account_id, coalesce(group_key, 'ungrouped-' || id) as "group_key!", grouped"#,
        recipient,
        from,
        kind.as_str(),
        status
    )
    .fetch_all(&mut *conn)
    .await?;
    super::notification_groups::uncount(conn, &removed).await
}

/// Removes every notification between two accounts, both ways (a block).
pub async fn remove_between(conn: &mut PgConnection, a: i64, b: i64) -> crate::Result<()> {
    let removed = sqlx::query_as!(
        Removed,
        r#"delete from notifications
           where (account_id = $1 and from_account_id = $2) or (account_id = $2 and from_account_id = $1)
           returning account_id, coalesce(group_key, 'ungrouped-' || id) as "group_key!", grouped"#,
        a,
        b
    )
    .fetch_all(&mut *conn)
    .await?;
    super::notification_groups::uncount(conn, &removed).await
}

/// A page of the member's notifications, newest first.
pub async fn page(
    db: impl PgExecutor<'_>,
    account: i64,
    filter: &Filter,
    bounds: PageBounds,
) -> crate::Result<Vec<Notification>> {
    let (lower, ascending) = (bounds.lower(), bounds.ascending());
    let rows = sqlx::query!(
        r#"select id, account_id, from_account_id, type, status_id,
                  coalesce(group_key, 'ungrouped-' || id) as "group_key!", filtered, created_at
           from notifications
           where account_id = $1
             and ($2::bigint is null or id < $2) and ($3::bigint is null or id > $3)
             and (cardinality($4::text[]) = 0 or type = any($4))
             and not (type = any($5))
             and ($6::bigint is null or from_account_id = $6)
             and ($7 or not filtered)
           order by case when $8 then id else -id end
           limit $9"#,
        account,
        bounds.max_id,
        lower,
        &filter.types,
        &filter.exclude_types,
        filter.account_id,
        filter.include_filtered,
        ascending,
        bounds.limit
    )
    .fetch_all(db)
    .await?;
    let list = rows
        .into_iter()
        .filter_map(|r| {
            Some(Notification {
                id: r.id,
                account_id: r.account_id,
                from_account_id: r.from_account_id,
                kind: Kind::parse(&r.r#type)?,
                status_id: r.status_id,
                group_key: r.group_key,
                filtered: r.filtered,
                created_at: r.created_at,
            })
        })
        .collect();
    Ok(bounds.newest_first(list))
}

/// One of the member's notifications.
pub async fn get(
    db: impl PgExecutor<'_>,
    account: i64,
    id: i64,
) -> crate::Result<Option<Notification>> {
    let bounds = PageBounds {
        max_id: id.checked_add(1),
        since_id: id.checked_sub(1),
        min_id: None,
        limit: 1,
    };
    let filter = Filter {
        include_filtered: true,
        ..Filter::default()
    };
    Ok(page(db, account, &filter, bounds).await?.pop())
}

/// Dismisses one notification; false when the member has no such one.
pub async fn dismiss(conn: &mut PgConnection, account: i64, id: i64) -> crate::Result<bool> {
    let removed = sqlx::query_as!(
        Removed,
        r#"delete from notifications where account_id = $1 and id = $2
           returning account_id, coalesce(group_key, 'ungrouped-' || id) as "group_key!", grouped"#,
        account,
        id
    )
    .fetch_all(&mut *conn)
    .await?;
    let found = !removed.is_empty();
    super::notification_groups::uncount(conn, &removed).await?;
    Ok(found)
}

/// Clears all of the member's notifications (held-back ones stay, as
/// requests).
pub async fn clear(conn: &mut PgConnection, account: i64) -> crate::Result<()> {
    sqlx::query!(
        "delete from notifications where account_id = $1 and not filtered",
        account
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "delete from notification_groups where account_id = $1",
        account
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// How many shown notifications are newer than `after`, counting up to `cap`.
pub async fn unread_count(
    db: impl PgExecutor<'_>,
    account: i64,
    after: Option<i64>,
    filter: &Filter,
    cap: i64,
) -> crate::Result<i64> {
    let n = sqlx::query_scalar!(
        r#"select count(*) as "n!" from (
               select 1 from notifications
               where account_id = $1 and not filtered and ($2::bigint is null or id > $2)
                 and (cardinality($3::text[]) = 0 or type = any($3))
                 and not (type = any($4))
                 and ($5::bigint is null or from_account_id = $5)
               limit $6) u"#,
        account,
        after,
        &filter.types,
        &filter.exclude_types,
        filter.account_id,
        cap
    )
    .fetch_one(db)
    .await?;
    Ok(n)
}
