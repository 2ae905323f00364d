//! Changes to the social graph: follows, follow requests, blocks and mutes.
//! Counters change in the same transaction as the edge they count.

use crate::tasks::Task;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::counters::{self, Counts};
use super::notifications::{self, Created, Kind};

/// What a follow did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowOutcome {
    /// Following now (or already).
    Following,
    /// The target approves followers; a request waits for them.
    Requested,
}

/// Options a follow carries; `None` keeps the current value (or the default).
#[derive(Debug, Default, Clone)]
pub struct FollowOptions {
    pub reblogs: Option<bool>,
    pub notify: Option<bool>,
    pub languages: Option<Vec<String>>,
}

/// A change one member makes to how they stand with another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Unfollow,
    Block,
    Unblock,
    Mute {
        hide_notifications: bool,
        expires_at: Option<DateTime<Utc>>,
    },
    Unmute,
    /// `account` accepts `target`'s pending request.
    AuthorizeRequest,
    /// `account` turns `target`'s pending request down.
    RejectRequest,
}

/// Applies `change` from `account` to `target` in one transaction that holds
/// the pair's lock. A member's change to themself does nothing. Answers false
/// when there was nothing to answer (no pending request).
pub async fn apply(
    pool: &sqlx::PgPool,
    account: i64,
    target: i64,
    change: &Change,
) -> crate::Result<bool> {
    if account == target {
        return Ok(!matches!(
            change,
            Change::AuthorizeRequest | Change::RejectRequest
        ));
    }
    let mut tx = pool.begin().await?;
    lock_pair(&mut tx, account, target).await?;
    match change {
        Change::Unfollow => unfollow(&mut tx, account, target).await?,
        Change::Block => block(&mut tx, account, target).await?,
        Change::Unblock => unblock(&mut tx, account, target).await?,
        Change::Mute {
            hide_notifications,
            expires_at,
        } => mute(&mut tx, account, target, *hide_notifications, *expires_at).await?,
        Change::Unmute => unmute(&mut tx, account, target).await?,
        Change::AuthorizeRequest => {
            if !authorize_request(&mut tx, account, target).await? {
                return Ok(false);
            }
        }
        Change::RejectRequest => {
            if !reject_request(&mut tx, account, target).await? {
                return Ok(false);
            }
        }
    }
    // What each side's home feed may hold has changed (a follow accepted
    // here refreshes in `insert_follow`).
    if !matches!(change, Change::AuthorizeRequest | Change::RejectRequest) {
        refresh_feed(&mut tx, account, target).await?;
    }
    if matches!(change, Change::Block | Change::Unblock) {
        refresh_feed(&mut tx, target, account).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Asks the worker to bring `target`'s posts in `account`'s home feed in line
/// with how they now stand.
async fn refresh_feed(conn: &mut PgConnection, account: i64, target: i64) -> crate::Result<()> {
    let task = Task::RefreshFeed {
        account_id: account,
        target_id: target,
    };
    crate::tasks::enqueue(conn, &task).await?;
    Ok(())
}

/// Serialises every graph change between two accounts (in either direction)
/// for the rest of the transaction, so a follow cannot slip past a block and
/// mutual follows or blocks cannot deadlock.
pub async fn lock_pair(conn: &mut PgConnection, a: i64, b: i64) -> crate::Result<()> {
    let (low, high) = if a < b { (a, b) } else { (b, a) };
    sqlx::query!(
        "select pg_advisory_xact_lock(hashtextextended($1, 0))",
        format!("graph:{low}:{high}")
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether either account blocks the other.
pub async fn blocked_either_way(conn: &mut PgConnection, a: i64, b: i64) -> crate::Result<bool> {
    let blocked = sqlx::query_scalar!(
        r#"select exists (
             select 1 from blocks
             where (account_id = $1 and target_account_id = $2) or (account_id = $2 and target_account_id = $1)
           ) as "b!""#,
        a,
        b
    )
    .fetch_one(conn)
    .await?;
    Ok(blocked)
}

/// `account` follows `target`, or asks to when `target_locked` and not
/// already following. Updates the options of an existing follow or request.
/// A new follow or request notifies `target` (the notification is answered
/// for the live stream).
pub async fn follow(
    conn: &mut PgConnection,
    account: i64,
    target: i64,
    target_locked: bool,
    options: &FollowOptions,
) -> crate::Result<(FollowOutcome, Option<Created>)> {
    let updated = sqlx::query_scalar!(
        "update follows set
            show_reblogs = coalesce($3, show_reblogs),
            notify = coalesce($4, notify),
            languages = case when $5::text[] is null then languages else $5 end
         where account_id = $1 and target_account_id = $2
         returning id",
        account,
        target,
        options.reblogs,
        options.notify,
        options.languages.as_deref()
    )
    .fetch_optional(&mut *conn)
    .await?;
    if updated.is_some() {
        return Ok((FollowOutcome::Following, None));
    }
    if target_locked {
        let new = sqlx::query_scalar!(
            r#"insert into follow_requests (account_id, target_account_id, show_reblogs, notify, languages)
             values ($1, $2, coalesce($3, true), coalesce($4, false), $5)
             on conflict (account_id, target_account_id) do update set
                show_reblogs = coalesce($3, follow_requests.show_reblogs),
                notify = coalesce($4, follow_requests.notify),
                languages = case when $5::text[] is null then follow_requests.languages else $5 end
             returning (xmax = 0) as "new!""#,
            account,
            target,
            options.reblogs,
            options.notify,
            options.languages.as_deref()
        )
        .fetch_one(&mut *conn)
        .await?;
        let created = if new {
            notifications::create(conn, target, account, Kind::FollowRequest, None).await?
        } else {
            None
        };
        return Ok((FollowOutcome::Requested, created));
    }
    let created = insert_follow(conn, account, target, options, true).await?;
    Ok((FollowOutcome::Following, created))
}

/// Inserts a follow edge and counts it, unless it exists; a new one
/// notifies `target` when `notify` (not when they approved it themselves).
async fn insert_follow(
    conn: &mut PgConnection,
    account: i64,
    target: i64,
    options: &FollowOptions,
    notify: bool,
) -> crate::Result<Option<Created>> {
    let inserted = sqlx::query_scalar!(
        "insert into follows (account_id, target_account_id, show_reblogs, notify, languages)
         values ($1, $2, coalesce($3, true), coalesce($4, false), $5)
         on conflict (account_id, target_account_id) do nothing
         returning id",
        account,
        target,
        options.reblogs,
        options.notify,
        options.languages.as_deref()
    )
    .fetch_optional(&mut *conn)
    .await?;
    let mut created = None;
    if inserted.is_some() {
        count_follow(conn, account, target, 1).await?;
        refresh_feed(conn, account, target).await?;
        if notify {
            created = notifications::create(conn, target, account, Kind::Follow, None).await?;
        }
    }
    // A request left from when the target was locked is answered by the follow.
    sqlx::query!(
        "delete from follow_requests where account_id = $1 and target_account_id = $2",
        account,
        target
    )
    .execute(&mut *conn)
    .await?;
    notifications::remove(conn, target, account, Kind::FollowRequest, None).await?;
    Ok(created)
}

/// Counts a follow on both accounts, lower id first: transactions that touch
/// the same counter rows take their locks in one order.
async fn count_follow(
    conn: &mut PgConnection,
    account: i64,
    target: i64,
    delta: i64,
) -> crate::Result<()> {
    let following = (
        account,
        Counts {
            following: delta,
            ..Counts::default()
        },
    );
    let followers = (
        target,
        Counts {
            followers: delta,
            ..Counts::default()
        },
    );
    let (first, second) = if account < target {
        (following, followers)
    } else {
        (followers, following)
    };
    counters::add(conn, first.0, first.1).await?;
    counters::add(conn, second.0, second.1).await
}

/// Removes a follow (and any pending request) of `target` by `account`,
/// and `target` from `account`'s lists.
pub async fn unfollow(conn: &mut PgConnection, account: i64, target: i64) -> crate::Result<()> {
    let removed = sqlx::query_scalar!(
        "delete from follows where account_id = $1 and target_account_id = $2 returning id",
        account,
        target
    )
    .fetch_optional(&mut *conn)
    .await?;
    if removed.is_some() {
        count_follow(conn, account, target, -1).await?;
        notifications::remove(conn, target, account, Kind::Follow, None).await?;
        super::lists::forget_member(conn, account, target).await?;
    }
    sqlx::query!(
        "delete from follow_requests where account_id = $1 and target_account_id = $2",
        account,
        target
    )
    .execute(&mut *conn)
    .await?;
    notifications::remove(conn, target, account, Kind::FollowRequest, None).await
}

/// `account` blocks `target`: follows and requests between them end, both ways.
pub async fn block(conn: &mut PgConnection, account: i64, target: i64) -> crate::Result<()> {
    sqlx::query!(
        "insert into blocks (account_id, target_account_id) values ($1, $2)
         on conflict (account_id, target_account_id) do nothing",
        account,
        target
    )
    .execute(&mut *conn)
    .await?;
    unfollow(conn, account, target).await?;
    unfollow(conn, target, account).await?;
    notifications::remove_between(conn, account, target).await
}

pub async fn unblock(conn: &mut PgConnection, account: i64, target: i64) -> crate::Result<()> {
    sqlx::query!(
        "delete from blocks where account_id = $1 and target_account_id = $2",
        account,
        target
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// `account` mutes `target`, replacing an earlier mute's settings.
pub async fn mute(
    conn: &mut PgConnection,
    account: i64,
    target: i64,
    hide_notifications: bool,
    expires_at: Option<DateTime<Utc>>,
) -> crate::Result<()> {
    sqlx::query!(
        "insert into mutes (account_id, target_account_id, hide_notifications, expires_at)
         values ($1, $2, $3, $4)
         on conflict (account_id, target_account_id) do update set
            hide_notifications = excluded.hide_notifications,
            expires_at = excluded.expires_at",
        account,
        target,
        hide_notifications,
        expires_at
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn unmute(conn: &mut PgConnection, account: i64, target: i64) -> crate::Result<()> {
    sqlx::query!(
        "delete from mutes where account_id = $1 and target_account_id = $2",
        account,
        target
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// `target` accepts `requester`'s pending request; false when there is none.
pub async fn authorize_request(
    conn: &mut PgConnection,
    target: i64,
    requester: i64,
) -> crate::Result<bool> {
    let request = sqlx::query!(
        "delete from follow_requests where account_id = $1 and target_account_id = $2
         returning show_reblogs, notify, languages",
        requester,
        target
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(request) = request else {
        return Ok(false);
    };
    let options = FollowOptions {
        reblogs: Some(request.show_reblogs),
        notify: Some(request.notify),
        languages: request.languages,
    };
    insert_follow(conn, requester, target, &options, false).await?;
    Ok(true)
}

/// `target` turns `requester`'s pending request down; false when there is none.
pub async fn reject_request(
    conn: &mut PgConnection,
    target: i64,
    requester: i64,
) -> crate::Result<bool> {
    let removed = sqlx::query!(
        "delete from follow_requests where account_id = $1 and target_account_id = $2",
        requester,
        target
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    notifications::remove(conn, target, requester, Kind::FollowRequest, None).await?;
    Ok(removed > 0)
}

/// Accepts every pending request to `target` (when it stops approving
/// followers); returns how many became follows.
pub async fn authorize_all_requests(conn: &mut PgConnection, target: i64) -> crate::Result<usize> {
    let requesters = sqlx::query_scalar!(
        "select account_id from follow_requests where target_account_id = $1 order by id",
        target
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut accepted = 0;
    for requester in requesters {
        if authorize_request(conn, target, requester).await? {
            accepted += 1;
        }
    }
    Ok(accepted)
}
