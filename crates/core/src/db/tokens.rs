//! Queries on `tokens` and `authorization_codes`.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// A token as the API checks it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TokenGrant {
    pub id: i64,
    pub app_id: i64,
    /// None for an app-only (client credentials) token.
    pub account_id: Option<i64>,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub revoked: bool,
    /// Its member has not confirmed their e-mail address yet (a grant
    /// cached by an earlier release reads as confirmed).
    #[serde(default)]
    pub unconfirmed: bool,
}

/// Stores a new token; returns its id and creation time.
pub async fn insert(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    refresh_hash: Option<&[u8]>,
    app_id: i64,
    account_id: Option<i64>,
    scopes: &[String],
) -> crate::Result<(i64, DateTime<Utc>)> {
    let row = sqlx::query!(
        "insert into tokens (token_hash, refresh_hash, app_id, account_id, scopes)
         values ($1, $2, $3, $4, $5) returning id, created_at",
        token_hash,
        refresh_hash,
        app_id,
        account_id,
        scopes
    )
    .fetch_one(db)
    .await?;
    Ok((row.id, row.created_at))
}

/// The token with this hash, revoked or not.
pub async fn by_hash(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
) -> crate::Result<Option<TokenGrant>> {
    let row = sqlx::query_as!(
        TokenGrant,
        r#"select t.id, t.app_id, t.account_id, t.scopes, t.created_at,
                  t.revoked_at is not null as "revoked!",
                  coalesce(a.confirmed_at is null and a.id is not null, false) as "unconfirmed!"
           from tokens t left join accounts a on a.id = t.account_id
           where t.token_hash = $1"#,
        token_hash
    )
    .fetch_optional(db)
    .await?;
    Ok(row)
}

/// Revokes the token with this access (or refresh) hash if `app_id` owns it,
/// ending its push subscription; returns the access-token hash that was
/// revoked, for cache eviction.
pub async fn revoke(
    db: impl PgExecutor<'_>,
    hash: &[u8],
    app_id: i64,
) -> crate::Result<Option<Vec<u8>>> {
    let row = sqlx::query_scalar!(
        r#"with t as (
               update tokens set revoked_at = coalesce(revoked_at, now())
               where (token_hash = $1 or refresh_hash = $1) and app_id = $2
               returning id, token_hash),
           unsubscribed as (delete from push_subscriptions p using t where p.token_id = t.id)
           select token_hash as "token_hash!" from t"#,
        hash,
        app_id
    )
    .fetch_optional(db)
    .await?;
    Ok(row)
}

/// Revokes every token of an account (after its password was reset),
/// ending their push subscriptions, and lets no authorization code it
/// signed in for become one; returns the tokens' hashes, for cache
/// eviction.
pub async fn revoke_all_of_account(
    db: impl PgExecutor<'_>,
    account_id: i64,
) -> crate::Result<Vec<Vec<u8>>> {
    let hashes = sqlx::query_scalar!(
        r#"with t as (
               update tokens set revoked_at = now()
               where account_id = $1 and revoked_at is null
               returning id, token_hash),
           unsubscribed as (delete from push_subscriptions p using t where p.token_id = t.id),
           codes as (
               update authorization_codes set expires_at = now()
               where account_id = $1 and used_at is null and expires_at > now())
           select token_hash as "token_hash!" from t"#,
        account_id
    )
    .fetch_all(db)
    .await?;
    Ok(hashes)
}

/// The hashes of an account's live tokens (to evict their cached grants
/// when the account changes how it may use them).
pub async fn live_hashes_of_account(
    db: impl PgExecutor<'_>,
    account_id: i64,
) -> crate::Result<Vec<Vec<u8>>> {
    let hashes = sqlx::query_scalar!(
        "select token_hash from tokens where account_id = $1 and revoked_at is null",
        account_id
    )
    .fetch_all(db)
    .await?;
    Ok(hashes)
}

/// Whether a token with this hash exists for another app.
pub async fn owned_by_other_app(
    db: impl PgExecutor<'_>,
    hash: &[u8],
    app_id: i64,
) -> crate::Result<bool> {
    let other = sqlx::query_scalar!(
        r#"select exists (select 1 from tokens where (token_hash = $1 or refresh_hash = $1) and app_id <> $2) as "e!""#,
        hash,
        app_id
    )
    .fetch_one(db)
    .await?;
    Ok(other)
}

/// Consumes a refresh token: revokes its access token and returns what the
/// new token inherits (account and scopes).
pub async fn take_refresh(
    db: impl PgExecutor<'_>,
    refresh_hash: &[u8],
    app_id: i64,
) -> crate::Result<Option<(Option<i64>, Vec<String>, Vec<u8>)>> {
    let row = sqlx::query!(
        r#"with t as (
               update tokens set revoked_at = now()
               where refresh_hash = $1 and app_id = $2 and revoked_at is null
               returning id, account_id, scopes, token_hash),
           unsubscribed as (delete from push_subscriptions p using t where p.token_id = t.id)
           select account_id, scopes as "scopes!", token_hash as "token_hash!" from t"#,
        refresh_hash,
        app_id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.account_id, r.scopes, r.token_hash)))
}

/// What an authorization code grants.
#[derive(Debug)]
pub struct CodeGrant {
    pub account_id: i64,
    pub scopes: Vec<String>,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
}

/// Stores a code valid for ten minutes.
pub async fn insert_code(
    db: impl PgExecutor<'_>,
    code_hash: &[u8],
    app_id: i64,
    account_id: i64,
    scopes: &[String],
    redirect_uri: &str,
    code_challenge: Option<&str>,
) -> crate::Result<()> {
    sqlx::query!(
        "insert into authorization_codes (code_hash, app_id, account_id, scopes, redirect_uri, code_challenge, expires_at)
         values ($1, $2, $3, $4, $5, $6, now() + interval '10 minutes')",
        code_hash,
        app_id,
        account_id,
        scopes,
        redirect_uri,
        code_challenge
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Uses a code once: returns its grant if it exists, belongs to `app_id`, is
/// unexpired and unused.
pub async fn take_code(
    db: impl PgExecutor<'_>,
    code_hash: &[u8],
    app_id: i64,
) -> crate::Result<Option<CodeGrant>> {
    let row = sqlx::query_as!(
        CodeGrant,
        "update authorization_codes set used_at = now()
         where code_hash = $1 and app_id = $2 and used_at is null and expires_at > now()
         returning account_id, scopes, redirect_uri, code_challenge",
        code_hash,
        app_id
    )
    .fetch_optional(db)
    .await?;
    Ok(row)
}

/// Records which token a code was exchanged for.
pub async fn link_code(
    db: impl PgExecutor<'_>,
    code_hash: &[u8],
    token_id: i64,
) -> crate::Result<()> {
    sqlx::query!(
        "update authorization_codes set token_id = $2 where code_hash = $1",
        code_hash,
        token_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A used code presented again: revokes the token it was exchanged for and
/// returns that token's hash, for cache eviction.
pub async fn revoke_from_reused_code(
    db: impl PgExecutor<'_>,
    code_hash: &[u8],
    app_id: i64,
) -> crate::Result<Option<Vec<u8>>> {
    let hash = sqlx::query_scalar!(
        "update tokens set revoked_at = coalesce(revoked_at, now())
         where id = (select token_id from authorization_codes
                     where code_hash = $1 and app_id = $2 and used_at is not null)
         returning token_hash",
        code_hash,
        app_id
    )
    .fetch_optional(db)
    .await?;
    Ok(hash)
}
