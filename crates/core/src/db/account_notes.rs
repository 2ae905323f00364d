//! Members' private notes on other accounts (`account_notes`).

use sqlx::PgExecutor;

/// The longest note, in characters.
pub const NOTE_MAX_CHARS: usize = 2000;

/// Sets `account`'s note on `target` (an empty one removes it); false when
/// `target` does not exist.
pub async fn set(
    db: impl PgExecutor<'_>,
    account: i64,
    target: i64,
    comment: &str,
) -> crate::Result<bool> {
    let found = sqlx::query_scalar!(
        r#"with target as (select id from accounts where id = $2),
           removed as (
               delete from account_notes
               where account_id = $1 and target_account_id = $2 and $3 = ''),
           written as (
               insert into account_notes (account_id, target_account_id, comment)
               select $1, id, $3 from target where $3 <> ''
               on conflict (account_id, target_account_id)
               do update set comment = excluded.comment, updated_at = now())
           select count(*) as "n!" from target"#,
        account,
        target,
        comment
    )
    .fetch_one(db)
    .await?;
    Ok(found > 0)
}
