//! Filters: words and posts a member does not want to see (or wants a
//! warning over) in the places they choose. Every query is bounded by the
//! owner, so one member's ids never reach another's filters.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use super::accounts;

/// Filters one member may have.
pub const MAX_PER_ACCOUNT: i64 = 100;

/// Keywords, and posts, one filter may hold (each).
pub const MAX_PARTS: i64 = 200;

/// A filter with its keywords and posts.
#[derive(Debug, Clone)]
pub struct Filter {
    pub id: i64,
    pub title: String,
    /// Where it applies: `home`, `notifications`, `public`, `thread`, `account`.
    pub context: Vec<String>,
    /// `warn`, `hide` or `blur`.
    pub action: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub keywords: Vec<Keyword>,
    pub statuses: Vec<FilteredStatus>,
}

/// A word or phrase a filter matches.
#[derive(Debug, Clone)]
pub struct Keyword {
    pub id: i64,
    pub filter_id: i64,
    pub keyword: String,
    pub whole_word: bool,
}

/// A post a filter matches.
#[derive(Debug, Clone)]
pub struct FilteredStatus {
    pub id: i64,
    pub filter_id: i64,
    pub status_id: i64,
}

/// What creating or changing a filter sets; None leaves a field as it is
/// (or at its default, on creation). `expires_at: Some(None)` removes the expiry.
#[derive(Debug, Default)]
pub struct Changes<'a> {
    pub title: Option<&'a str>,
    pub context: Option<&'a [String]>,
    pub action: Option<&'a str>,
    pub expires_at: Option<Option<DateTime<Utc>>>,
}

/// Why a change was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The filter is not the member's (or is gone).
    NotFound,
    /// The member has [`MAX_PER_ACCOUNT`] filters, or the filter
    /// [`MAX_PARTS`] keywords or posts.
    Full,
}

/// The member's filters, oldest first, with their keywords and posts
/// (expired ones too: clients show them, greyed out).
pub async fn of_account(db: &sqlx::PgPool, account: i64) -> crate::Result<Vec<Filter>> {
    let rows = sqlx::query!(
        "select id, title, context, action, expires_at from filters
         where account_id = $1 order by id",
        account
    )
    .fetch_all(db)
    .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut keywords = keywords_of(db, &ids).await?;
    let mut statuses = statuses_of(db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| Filter {
            keywords: take(&mut keywords, |k| k.filter_id == r.id),
            statuses: take(&mut statuses, |s| s.filter_id == r.id),
            id: r.id,
            title: r.title,
            context: r.context,
            action: r.action,
            expires_at: r.expires_at,
        })
        .collect())
}

/// Moves the items `keep` picks out of `items`.
fn take<T>(items: &mut Vec<T>, keep: impl Fn(&T) -> bool) -> Vec<T> {
    let (taken, rest) = std::mem::take(items).into_iter().partition(|i| keep(i));
    *items = rest;
    taken
}

async fn keywords_of(db: impl PgExecutor<'_>, filters: &[i64]) -> crate::Result<Vec<Keyword>> {
    let rows = sqlx::query_as!(
        Keyword,
        "select id, filter_id, keyword, whole_word from filter_keywords
         where filter_id = any($1) order by id",
        filters
    )
    .fetch_all(db)
    .await?;
    Ok(rows)
}

async fn statuses_of(
    db: impl PgExecutor<'_>,
    filters: &[i64],
) -> crate::Result<Vec<FilteredStatus>> {
    let rows = sqlx::query_as!(
        FilteredStatus,
        "select id, filter_id, status_id from filter_statuses
         where filter_id = any($1) order by id",
        filters
    )
    .fetch_all(db)
    .await?;
    Ok(rows)
}

/// One of the member's filters.
pub async fn get(db: &sqlx::PgPool, account: i64, id: i64) -> crate::Result<Option<Filter>> {
    Ok(of_account(db, account)
        .await?
        .into_iter()
        .find(|f| f.id == id))
}

/// Makes a filter (title and context are needed) with `keywords`
/// (each with whether it matches whole words only).
pub async fn create(
    conn: &mut PgConnection,
    account: i64,
    changes: &Changes<'_>,
    keywords: &[(String, bool)],
) -> crate::Result<Result<i64, Refusal>> {
    accounts::lock_for_change(conn, account).await?;
    let held = sqlx::query_scalar!(
        r#"select count(*) as "n!" from filters where account_id = $1"#,
        account
    )
    .fetch_one(&mut *conn)
    .await?;
    if held >= MAX_PER_ACCOUNT || keywords.len() as i64 > MAX_PARTS {
        return Ok(Err(Refusal::Full));
    }
    let id = sqlx::query_scalar!(
        "insert into filters (account_id, title, context, action, expires_at)
         values ($1, $2, $3, coalesce($4, 'warn'), $5) returning id",
        account,
        changes.title.unwrap_or_default(),
        changes.context.unwrap_or_default(),
        changes.action,
        changes.expires_at.flatten()
    )
    .fetch_one(&mut *conn)
    .await?;
    for (keyword, whole_word) in keywords {
        insert_keyword(&mut *conn, id, keyword, *whole_word).await?;
    }
    Ok(Ok(id))
}

/// Changes one of the member's filters; false when it is not theirs.
pub async fn update(
    conn: &mut PgConnection,
    account: i64,
    id: i64,
    changes: &Changes<'_>,
) -> crate::Result<bool> {
    let changed = sqlx::query!(
        "update filters set title = coalesce($3, title), context = coalesce($4, context),
                action = coalesce($5, action),
                expires_at = case when $6 then $7 else expires_at end
         where id = $1 and account_id = $2",
        id,
        account,
        changes.title,
        changes.context,
        changes.action,
        changes.expires_at.is_some(),
        changes.expires_at.flatten()
    )
    .execute(conn)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// Deletes one of the member's filters; false when it is not theirs.
pub async fn delete(db: impl PgExecutor<'_>, account: i64, id: i64) -> crate::Result<bool> {
    let gone = sqlx::query!(
        "delete from filters where id = $1 and account_id = $2",
        id,
        account
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(gone == 1)
}

async fn insert_keyword(
    conn: &mut PgConnection,
    filter: i64,
    keyword: &str,
    whole_word: bool,
) -> crate::Result<Keyword> {
    let row = sqlx::query_as!(
        Keyword,
        "insert into filter_keywords (filter_id, keyword, whole_word) values ($1, $2, $3)
         returning id, filter_id, keyword, whole_word",
        filter,
        keyword,
        whole_word
    )
    .fetch_one(conn)
    .await?;
    Ok(row)
}

/// Locks one of the member's filters for a change of its keywords or posts
/// and answers how many of each it holds; None when it is not theirs.
async fn lock(
    conn: &mut PgConnection,
    account: i64,
    filter: i64,
) -> crate::Result<Option<(i64, i64)>> {
    let row = sqlx::query!(
        r#"select (select count(*) from filter_keywords k where k.filter_id = f.id) as "keywords!",
                  (select count(*) from filter_statuses s where s.filter_id = f.id) as "statuses!"
           from filters f where f.id = $1 and f.account_id = $2 for no key update"#,
        filter,
        account
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| (r.keywords, r.statuses)))
}

/// Adds a keyword to one of the member's filters.
pub async fn add_keyword(
    conn: &mut PgConnection,
    account: i64,
    filter: i64,
    keyword: &str,
    whole_word: bool,
) -> crate::Result<Result<Keyword, Refusal>> {
    match lock(conn, account, filter).await? {
        None => Ok(Err(Refusal::NotFound)),
        Some((held, _)) if held >= MAX_PARTS => Ok(Err(Refusal::Full)),
        Some(_) => Ok(Ok(insert_keyword(conn, filter, keyword, whole_word).await?)),
    }
}

/// One keyword of the member's filters.
pub async fn keyword(
    db: impl PgExecutor<'_>,
    account: i64,
    id: i64,
) -> crate::Result<Option<Keyword>> {
    let row = sqlx::query_as!(
        Keyword,
        "select k.id, k.filter_id, k.keyword, k.whole_word from filter_keywords k
         join filters f on f.id = k.filter_id where k.id = $1 and f.account_id = $2",
        id,
        account
    )
    .fetch_optional(db)
    .await?;
    Ok(row)
}

/// The keywords of one of the member's filters (None: not theirs).
pub async fn keywords(
    db: &sqlx::PgPool,
    account: i64,
    filter: i64,
) -> crate::Result<Option<Vec<Keyword>>> {
    Ok(get(db, account, filter).await?.map(|f| f.keywords))
}

/// Changes a keyword of the member's filters; None when it is not theirs.
pub async fn update_keyword(
    db: impl PgExecutor<'_>,
    account: i64,
    id: i64,
    keyword: Option<&str>,
    whole_word: Option<bool>,
) -> crate::Result<Option<Keyword>> {
    let row = sqlx::query_as!(
        Keyword,
        "update filter_keywords k set keyword = coalesce($3, k.keyword),
                whole_word = coalesce($4, k.whole_word)
         from filters f where f.id = k.filter_id and k.id = $1 and f.account_id = $2
         returning k.id, k.filter_id, k.keyword, k.whole_word",
        id,
        account,
        keyword,
        whole_word
    )
    .fetch_optional(db)
    .await?;
    Ok(row)
}

/// Removes a keyword of the member's filters; false when it is not theirs.
pub async fn delete_keyword(db: impl PgExecutor<'_>, account: i64, id: i64) -> crate::Result<bool> {
    let gone = sqlx::query!(
        "delete from filter_keywords k using filters f
         where f.id = k.filter_id and k.id = $1 and f.account_id = $2",
        id,
        account
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(gone == 1)
}

/// Adds a post to one of the member's filters (adding it again answers the
/// same entry).
pub async fn add_status(
    conn: &mut PgConnection,
    account: i64,
    filter: i64,
    status: i64,
) -> crate::Result<Result<FilteredStatus, Refusal>> {
    match lock(conn, account, filter).await? {
        None => return Ok(Err(Refusal::NotFound)),
        Some((_, held)) if held >= MAX_PARTS => return Ok(Err(Refusal::Full)),
        Some(_) => {}
    }
    let row = sqlx::query_as!(
        FilteredStatus,
        "with added as (
             insert into filter_statuses (filter_id, status_id) values ($1, $2)
             on conflict (filter_id, status_id) do nothing
             returning id, filter_id, status_id)
         select id as \"id!\", filter_id as \"filter_id!\", status_id as \"status_id!\" from added
         union all
         select id, filter_id, status_id from filter_statuses where filter_id = $1 and status_id = $2
         limit 1",
        filter,
        status
    )
    .fetch_one(conn)
    .await?;
    Ok(Ok(row))
}

/// One filtered post of the member's filters.
pub async fn status(
    db: impl PgExecutor<'_>,
    account: i64,
    id: i64,
) -> crate::Result<Option<FilteredStatus>> {
    let row = sqlx::query_as!(
        FilteredStatus,
        "select s.id, s.filter_id, s.status_id from filter_statuses s
         join filters f on f.id = s.filter_id where s.id = $1 and f.account_id = $2",
        id,
        account
    )
    .fetch_optional(db)
    .await?;
    Ok(row)
}

/// Removes a post from the member's filters; false when it is not theirs.
pub async fn delete_status(db: impl PgExecutor<'_>, account: i64, id: i64) -> crate::Result<bool> {
    let gone = sqlx::query!(
        "delete from filter_statuses s using filters f
         where f.id = s.filter_id and s.id = $1 and f.account_id = $2",
        id,
        account
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(gone == 1)
}
