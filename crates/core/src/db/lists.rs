//! Lists: a member's named groups of accounts they follow, and the
//! timeline each list shows. Unfollowing (or blocking) an account takes it
//! out of the member's lists.

use sqlx::{PgConnection, PgExecutor};

use super::relationships::PageBounds;

/// Lists one member may have.
pub const MAX_PER_ACCOUNT: i64 = 50;

/// Accounts one list may hold.
pub const MAX_MEMBERS: i64 = 1000;

/// A list as stored.
#[derive(Debug, Clone)]
pub struct List {
    pub id: i64,
    pub title: String,
    /// Which comments the list shows: `followed`, `list` or `none`.
    pub replies_policy: String,
    pub exclusive: bool,
}

/// What creating or changing a list sets (None: unchanged, or the default).
#[derive(Debug, Default)]
pub struct Changes<'a> {
    pub title: Option<&'a str>,
    pub replies_policy: Option<&'a str>,
    pub exclusive: Option<bool>,
}

/// The member's lists, oldest first.
pub async fn of_account(db: impl PgExecutor<'_>, account: i64) -> crate::Result<Vec<List>> {
    let lists = sqlx::query_as!(
        List,
        "select id, title, replies_policy, exclusive from lists where account_id = $1 order by id",
        account
    )
    .fetch_all(db)
    .await?;
    Ok(lists)
}

/// One of the member's lists.
pub async fn get(db: impl PgExecutor<'_>, account: i64, id: i64) -> crate::Result<Option<List>> {
    let list = sqlx::query_as!(
        List,
        "select id, title, replies_policy, exclusive from lists where id = $1 and account_id = $2",
        id,
        account
    )
    .fetch_optional(db)
    .await?;
    Ok(list)
}

/// Makes a list titled `changes.title`; None when the member has
/// [`MAX_PER_ACCOUNT`] lists already.
pub async fn create(
    conn: &mut PgConnection,
    account: i64,
    title: &str,
    changes: &Changes<'_>,
) -> crate::Result<Option<List>> {
    super::accounts::lock_for_change(&mut *conn, account).await?;
    let taken = sqlx::query_scalar!(
        r#"select count(*) as "n!" from lists where account_id = $1"#,
        account
    )
    .fetch_one(&mut *conn)
    .await?;
    if taken >= MAX_PER_ACCOUNT {
        return Ok(None);
    }
    let list = sqlx::query_as!(
        List,
        "insert into lists (account_id, title, replies_policy, exclusive)
         values ($1, $2, coalesce($3, 'list'), coalesce($4, false))
         returning id, title, replies_policy, exclusive",
        account,
        title,
        changes.replies_policy,
        changes.exclusive
    )
    .fetch_one(conn)
    .await?;
    Ok(Some(list))
}

/// Changes what `changes` names of one of the member's lists.
pub async fn update(
    db: impl PgExecutor<'_>,
    account: i64,
    id: i64,
    changes: &Changes<'_>,
) -> crate::Result<Option<List>> {
    let list = sqlx::query_as!(
        List,
        "update lists set title = coalesce($3, title),
                          replies_policy = coalesce($4, replies_policy),
                          exclusive = coalesce($5, exclusive)
         where id = $1 and account_id = $2
         returning id, title, replies_policy, exclusive",
        id,
        account,
        changes.title,
        changes.replies_policy,
        changes.exclusive
    )
    .fetch_optional(db)
    .await?;
    Ok(list)
}

/// Deletes one of the member's lists; false when there was none.
pub async fn delete(db: impl PgExecutor<'_>, account: i64, id: i64) -> crate::Result<bool> {
    let deleted = sqlx::query!(
        "delete from lists where id = $1 and account_id = $2",
        id,
        account
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(deleted == 1)
}

/// A page of the list's accounts: (row id, account id), newest first.
pub async fn members(
    db: impl PgExecutor<'_>,
    list: i64,
    bounds: PageBounds,
) -> crate::Result<Vec<(i64, i64)>> {
    let lower = bounds.lower();
    let rows = sqlx::query!(
        "select id, account_id from list_accounts
         where list_id = $1 and ($2::bigint is null or id < $2) and ($3::bigint is null or id > $3)
         order by case when $4 then id end, id desc limit $5",
        list,
        bounds.max_id,
        lower,
        bounds.ascending(),
        bounds.limit
    )
    .fetch_all(db)
    .await?;
    let rows = rows.into_iter().map(|r| (r.id, r.account_id)).collect();
    Ok(bounds.newest_first(rows))
}

/// Why accounts could not be added to a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// One of them is not followed by the list's owner.
    NotFollowed,
    /// The list would hold more than [`MAX_MEMBERS`].
    Full,
    /// The list was deleted meanwhile.
    Gone,
}

/// Adds accounts the owner follows to the list (those in it already stay).
pub async fn add_members(
    conn: &mut PgConnection,
    owner: i64,
    list: i64,
    accounts: &[i64],
) -> crate::Result<Result<(), Refusal>> {
    let held = sqlx::query!("select id from lists where id = $1 for no key update", list)
        .fetch_optional(&mut *conn)
        .await?;
    if held.is_none() {
        return Ok(Err(Refusal::Gone));
    }
    // The follows stay until the transaction ends, so an unfollow at the
    // same moment waits, then takes the account out of the list again.
    let followed = sqlx::query_scalar!(
        "select target_account_id from follows
         where account_id = $1 and target_account_id = any($2) for key share",
        owner,
        accounts
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut wanted = accounts.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    if followed.len() < wanted.len() {
        return Ok(Err(Refusal::NotFollowed));
    }
    let held = sqlx::query_scalar!(
        r#"select count(*) as "n!" from list_accounts where list_id = $1"#,
        list
    )
    .fetch_one(&mut *conn)
    .await?;
    let new = sqlx::query_scalar!(
        r#"select count(*) as "n!" from unnest($2::bigint[]) a (id)
           where not exists (select 1 from list_accounts where list_id = $1 and account_id = a.id)"#,
        list,
        &wanted
    )
    .fetch_one(&mut *conn)
    .await?;
    if held + new > MAX_MEMBERS {
        return Ok(Err(Refusal::Full));
    }
    sqlx::query!(
        "insert into list_accounts (list_id, account_id) select $1, unnest($2::bigint[])
         on conflict do nothing",
        list,
        &wanted
    )
    .execute(conn)
    .await?;
    Ok(Ok(()))
}

/// Takes accounts out of the list.
pub async fn remove_members(
    db: impl PgExecutor<'_>,
    list: i64,
    accounts: &[i64],
) -> crate::Result<()> {
    sqlx::query!(
        "delete from list_accounts where list_id = $1 and account_id = any($2)",
        list,
        accounts
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Takes `target` out of every list of `owner` (after an unfollow).
pub async fn forget_member(conn: &mut PgConnection, owner: i64, target: i64) -> crate::Result<()> {
    sqlx::query!(
        "delete from list_accounts la using lists l
         where l.id = la.list_id and l.account_id = $1 and la.account_id = $2",
        owner,
        target
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The owner's lists that hold `account`, oldest first.
pub async fn holding(
    db: impl PgExecutor<'_>,
    owner: i64,
    account: i64,
) -> crate::Result<Vec<List>> {
    let lists = sqlx::query_as!(
        List,
        "select l.id, l.title, l.replies_policy, l.exclusive
         from lists l join list_accounts la on la.list_id = l.id
         where l.account_id = $1 and la.account_id = $2 order by l.id",
        owner,
        account
    )
    .fetch_all(db)
    .await?;
    Ok(lists)
}
