//! Domains a member blocks.

use sqlx::PgExecutor;

use super::relationships::PageBounds;

/// Blocks `domain` (normalized) for `account`; blocking again changes nothing.
pub async fn add(db: impl PgExecutor<'_>, account: i64, domain: &str) -> crate::Result<()> {
    sqlx::query!(
        "insert into account_domain_blocks (account_id, domain) values ($1, $2)
         on conflict do nothing",
        account,
        domain
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Unblocks `domain` for `account`.
pub async fn remove(db: impl PgExecutor<'_>, account: i64, domain: &str) -> crate::Result<()> {
    sqlx::query!(
        "delete from account_domain_blocks where account_id = $1 and domain = $2",
        account,
        domain
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A page of the member's blocked domains, newest first: (row id, domain).
pub async fn page(
    db: impl PgExecutor<'_>,
    account: i64,
    bounds: PageBounds,
) -> crate::Result<Vec<(i64, String)>> {
    let rows = sqlx::query!(
        "select id, domain from account_domain_blocks
         where account_id = $1 and ($2::bigint is null or id < $2) and ($3::bigint is null or id > $3)
         order by case when $4 then id end, id desc limit $5",
        account,
        bounds.max_id,
        bounds.lower(),
        bounds.ascending(),
        bounds.limit
    )
    .fetch_all(db)
    .await?;
    let rows = rows.into_iter().map(|r| (r.id, r.domain)).collect();
    Ok(bounds.newest_first(rows))
}
