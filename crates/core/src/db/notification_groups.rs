//! The grouped view of notifications ("Ana and 2,341 others liked your
//! post"): one `notification_groups` row per group, brought up to date by
//! the member's own reads ([`catch_up`]) and by the undoing of a cause
//! ([`uncount`]). A like never touches a group row, so a crowd liking one
//! post waits on no lock; a read counts what came since the last one.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use super::notifications::{Filter, Kind, Removed};
use super::relationships::PageBounds;

/// How many accounts a group names.
pub const SAMPLE: i64 = 8;

/// Rows counted into groups per catch-up.
const CATCH_UP_BATCH: i64 = 20_000;

/// One group as stored.
#[derive(Debug, Clone)]
pub struct Group {
    pub group_key: String,
    pub kind: Kind,
    pub status_id: Option<i64>,
    pub notifications_count: i64,
    pub most_recent_id: i64,
    pub oldest_id: i64,
    pub latest_at: DateTime<Utc>,
    pub sample_account_ids: Vec<i64>,
}

/// Whether the member has notifications not yet counted into groups (a
/// read that finds none needs no write).
pub async fn pending(db: impl sqlx::PgExecutor<'_>, account: i64) -> crate::Result<bool> {
    let pending = sqlx::query_scalar!(
        r#"select exists (select 1 from notifications
                          where account_id = $1 and not grouped and not filtered) as "pending!""#,
        account
    )
    .fetch_one(db)
    .await?;
    Ok(pending)
}

/// Counts the member's notifications not yet in a group into their groups.
/// Rows another reader is counting are skipped, not waited for.
pub async fn catch_up(conn: &mut PgConnection, account: i64) -> crate::Result<()> {
    let keys = sqlx::query_scalar!(
        r#"with batch as (
               update notifications n set grouped = true
               from (select id from notifications
                     where account_id = $1 and not grouped and not filtered
                     order by id limit $2 for update skip locked) pick
               where n.id = pick.id
               returning coalesce(n.group_key, 'ungrouped-' || n.id) as key, n.type, n.status_id,
                         n.id, n.created_at)
           insert into notification_groups as g
               (account_id, group_key, type, status_id, notifications_count, most_recent_id,
                oldest_id, latest_at)
           select $1, key, min(type), min(status_id), count(*), max(id), min(id), max(created_at)
           from batch group by key
           on conflict (account_id, group_key) do update set
               notifications_count = g.notifications_count + excluded.notifications_count,
               most_recent_id = greatest(g.most_recent_id, excluded.most_recent_id),
               oldest_id = least(g.oldest_id, excluded.oldest_id),
               latest_at = greatest(g.latest_at, excluded.latest_at)
           returning group_key"#,
        account,
        CATCH_UP_BATCH
    )
    .fetch_all(&mut *conn)
    .await?;
    if keys.is_empty() {
        return Ok(());
    }
    resample(conn, account, &keys).await
}

/// Names the newest accounts of these groups again.
async fn resample(conn: &mut PgConnection, account: i64, keys: &[String]) -> crate::Result<()> {
    sqlx::query!(
        r#"update notification_groups g set sample_account_ids =
               case when g.group_key like 'ungrouped-%' then
                   array(select from_account_id from notifications
                         where account_id = g.account_id and id = substr(g.group_key, 11)::bigint)
               else
                   array(select from_account_id from notifications n
                         where n.account_id = g.account_id and n.group_key = g.group_key and n.grouped
                         order by n.id desc limit $3)
               end
           where g.account_id = $1 and g.group_key = any($2)"#,
        account,
        keys,
        SAMPLE
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes removed notifications out of their groups' counts; a group left
/// empty goes.
pub async fn uncount(conn: &mut PgConnection, removed: &[Removed]) -> crate::Result<()> {
    let mut counted: Vec<(i64, &str)> = removed
        .iter()
        .filter(|r| r.grouped)
        .map(|r| (r.account_id, r.group_key.as_str()))
        .collect();
    if counted.is_empty() {
        return Ok(());
    }
    // One order for every transaction that updates groups.
    counted.sort_unstable();
    let mut accounts = Vec::new();
    let mut keys = Vec::new();
    let mut counts = Vec::new();
    for chunk in counted.chunk_by(|a, b| a == b) {
        accounts.push(chunk[0].0);
        keys.push(chunk[0].1.to_string());
        counts.push(chunk.len() as i64);
    }
    sqlx::query!(
        r#"update notification_groups g set
               notifications_count = g.notifications_count - d.n,
               most_recent_id = coalesce((select max(id) from notifications x
                   where x.account_id = g.account_id and x.group_key = g.group_key and x.grouped),
                   g.most_recent_id)
           from unnest($1::bigint[], $2::text[], $3::bigint[]) as d(account_id, group_key, n)
           where g.account_id = d.account_id and g.group_key = d.group_key"#,
        &accounts,
        &keys,
        &counts
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        r#"delete from notification_groups g
           using unnest($1::bigint[], $2::text[]) as d(account_id, group_key)
           where g.account_id = d.account_id and g.group_key = d.group_key
             and g.notifications_count <= 0"#,
        &accounts,
        &keys
    )
    .execute(&mut *conn)
    .await?;
    for (account, chunk) in accounts.iter().zip(keys.iter()) {
        resample(conn, *account, std::slice::from_ref(chunk)).await?;
    }
    Ok(())
}

/// A group row as read.
struct Row {
    group_key: String,
    kind: String,
    status_id: Option<i64>,
    notifications_count: i64,
    most_recent_id: i64,
    oldest_id: i64,
    latest_at: DateTime<Utc>,
    sample_account_ids: Vec<i64>,
}

impl Row {
    fn into_group(self) -> Option<Group> {
        Some(Group {
            group_key: self.group_key,
            kind: Kind::parse(&self.kind)?,
            status_id: self.status_id,
            notifications_count: self.notifications_count,
            most_recent_id: self.most_recent_id,
            oldest_id: self.oldest_id,
            latest_at: self.latest_at,
            sample_account_ids: self.sample_account_ids,
        })
    }
}

/// A page of the member's groups, by their most recent notification, newest
/// first. Call [`catch_up`] first.
pub async fn page(
    db: impl PgExecutor<'_>,
    account: i64,
    filter: &Filter,
    bounds: PageBounds,
) -> crate::Result<Vec<Group>> {
    let (lower, ascending) = (bounds.lower(), bounds.ascending());
    let rows = sqlx::query_as!(
        Row,
        r#"select group_key, type as kind, status_id, notifications_count, most_recent_id, oldest_id,
                  latest_at, sample_account_ids
           from notification_groups
           where account_id = $1
             and ($2::bigint is null or most_recent_id < $2)
             and ($3::bigint is null or most_recent_id > $3)
             and (cardinality($4::text[]) = 0 or type = any($4))
             and not (type = any($5))
             and ($6::bigint is null or $6 = any(sample_account_ids))
           order by case when $7 then most_recent_id else -most_recent_id end
           limit $8"#,
        account,
        bounds.max_id,
        lower,
        &filter.types,
        &filter.exclude_types,
        filter.account_id,
        ascending,
        bounds.limit
    )
    .fetch_all(db)
    .await?;
    let groups = rows.into_iter().filter_map(Row::into_group).collect();
    Ok(bounds.newest_first(groups))
}

/// One of the member's groups.
pub async fn get(db: impl PgExecutor<'_>, account: i64, key: &str) -> crate::Result<Option<Group>> {
    let row = sqlx::query_as!(
        Row,
        r#"select group_key, type as kind, status_id, notifications_count, most_recent_id, oldest_id,
                  latest_at, sample_account_ids
           from notification_groups where account_id = $1 and group_key = $2"#,
        account,
        key
    )
    .fetch_optional(db)
    .await?;
    Ok(row.and_then(Row::into_group))
}

/// Dismisses a whole group; false when the member has no such group.
pub async fn dismiss(conn: &mut PgConnection, account: i64, key: &str) -> crate::Result<bool> {
    let ungrouped_id = key
        .strip_prefix("ungrouped-")
        .and_then(|id| id.parse::<i64>().ok());
    let removed = sqlx::query!(
        "delete from notifications
         where account_id = $1 and (group_key = $2 or (group_key is null and id = $3))",
        account,
        key,
        ungrouped_id
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let group = sqlx::query!(
        "delete from notification_groups where account_id = $1 and group_key = $2",
        account,
        key
    )
    .execute(conn)
    .await?
    .rows_affected();
    Ok(removed + group > 0)
}

/// The accounts behind a group, newest first: (notification id, account id).
pub async fn accounts(
    db: impl PgExecutor<'_>,
    account: i64,
    key: &str,
    bounds: PageBounds,
) -> crate::Result<Vec<(i64, i64)>> {
    let ungrouped_id = key
        .strip_prefix("ungrouped-")
        .and_then(|id| id.parse::<i64>().ok());
    let (lower, ascending) = (bounds.lower(), bounds.ascending());
    let rows = sqlx::query!(
        r#"select id, from_account_id from notifications
           where account_id = $1 and (group_key = $2 or (group_key is null and id = $3))
             and not filtered
             and ($4::bigint is null or id < $4) and ($5::bigint is null or id > $5)
           order by case when $6 then id else -id end
           limit $7"#,
        account,
        key,
        ungrouped_id,
        bounds.max_id,
        lower,
        ascending,
        bounds.limit
    )
    .fetch_all(db)
    .await?;
    Ok(bounds.newest_first(
        rows.into_iter()
            .map(|r| (r.id, r.from_account_id))
            .collect(),
    ))
}

/// How many groups have news since `after`, counting up to `cap`.
pub async fn unread_count(
    db: impl PgExecutor<'_>,
    account: i64,
    after: Option<i64>,
    filter: &Filter,
    cap: i64,
) -> crate::Result<i64> {
    let n = sqlx::query_scalar!(
        r#"select count(*) as "n!" from (
               select 1 from notification_groups
               where account_id = $1 and ($2::bigint is null or most_recent_id > $2)
                 and (cardinality($3::text[]) = 0 or type = any($3))
                 and not (type = any($4))
               limit $5) u"#,
        account,
        after,
        &filter.types,
        &filter.exclude_types,
        cap
    )
    .fetch_one(db)
    .await?;
    Ok(n)
}
