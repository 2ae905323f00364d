//! Queries on `accounts`.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

/// A member's public profile and preferences (never the credentials).
#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// Plain text, as the member wrote it.
    pub note: String,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: bool,
    pub avatar_key: Option<String>,
    pub header_key: Option<String>,
    pub locale: String,
    pub privacy: String,
    pub sensitive: bool,
    pub language: Option<String>,
    /// Profile fields: a JSON list of `{"name", "value"}`.
    pub fields: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// What a sign-up stores.
#[derive(Debug)]
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub locale: &'a str,
    /// Whether the address counts as confirmed from the start (when the
    /// server does not ask for confirmation).
    pub confirmed: bool,
    /// The app the member signs up with.
    pub created_by_app_id: Option<i64>,
}

/// A profile change; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct ProfileUpdate {
    pub display_name: Option<String>,
    pub note: Option<String>,
    pub locked: Option<bool>,
    pub bot: Option<bool>,
    pub discoverable: Option<bool>,
    pub privacy: Option<String>,
    pub sensitive: Option<bool>,
    pub language: Option<String>,
    /// The whole list of profile fields, replacing the stored one.
    pub fields: Option<serde_json::Value>,
}

/// Creates an account; a taken username or email is `Error::Taken`.
pub async fn insert(conn: &mut PgConnection, new: &NewAccount<'_>) -> crate::Result<i64> {
    let id = sqlx::query_scalar!(
        "insert into accounts (username, email, password_hash, locale, confirmed_at, created_by_app_id,
                               last_active_at)
         values ($1, $2, $3, $4, case when $5 then now() end, $6, now()) returning id",
        new.username,
        new.email,
        new.password_hash,
        new.locale,
        new.confirmed,
        new.created_by_app_id
    )
    .fetch_one(conn)
    .await
    .map_err(|e| {
        crate::Error::taken_on(
            e,
            &[
                ("accounts_username_key", "username"),
                ("accounts_email_key", "email"),
            ],
        )
    })?;
    Ok(id)
}

/// Accounts by id, in no particular order; missing ids are left out.
pub async fn by_ids(db: impl PgExecutor<'_>, ids: &[i64]) -> crate::Result<Vec<Account>> {
    let rows = sqlx::query_as!(
        Account,
        "select id, username, display_name, note, locked, bot, discoverable, avatar_key, header_key,
                locale, privacy, sensitive, language, fields, created_at
         from accounts where id = any($1)",
        ids
    )
    .fetch_all(db)
    .await?;
    Ok(rows)
}

/// One account by id.
pub async fn by_id(db: impl PgExecutor<'_>, id: i64) -> crate::Result<Option<Account>> {
    Ok(by_ids(db, &[id]).await?.pop())
}

/// One account by username, whatever its case.
pub async fn by_username(
    db: impl PgExecutor<'_>,
    username: &str,
) -> crate::Result<Option<Account>> {
    let row = sqlx::query_as!(
        Account,
        "select id, username, display_name, note, locked, bot, discoverable, avatar_key, header_key,
                locale, privacy, sensitive, language, fields, created_at
         from accounts where lower(username) = lower($1)",
        username
    )
    .fetch_optional(db)
    .await?;
    Ok(row)
}

/// The id and password hash for a sign-in by username or email.
pub async fn credentials(
    db: impl PgExecutor<'_>,
    login: &str,
) -> crate::Result<Option<(i64, String)>> {
    let row = sqlx::query!(
        "select id, password_hash from accounts
         where lower(email) = lower($1) or lower(username) = lower($1)
         limit 1",
        login
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.id, r.password_hash)))
}

/// The email of an account (shown only to its owner).
pub async fn email(db: impl PgExecutor<'_>, id: i64) -> crate::Result<String> {
    let email = sqlx::query_scalar!("select email from accounts where id = $1", id)
        .fetch_one(db)
        .await?;
    Ok(email)
}

/// An account's address and whether it was confirmed.
#[derive(Debug, Clone)]
pub struct Address {
    pub email: String,
    pub confirmed: bool,
    /// The app the member signed up with, if known.
    pub created_by_app_id: Option<i64>,
}

/// The address of account `id`.
pub async fn address(db: impl PgExecutor<'_>, id: i64) -> crate::Result<Option<Address>> {
    let row = sqlx::query_as!(
        Address,
        r#"select email, confirmed_at is not null as "confirmed!", created_by_app_id
           from accounts where id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row)
}

/// The account with this address (any case), and its address as stored.
pub async fn by_email(
    db: impl PgExecutor<'_>,
    email: &str,
) -> crate::Result<Option<(i64, String)>> {
    let row = sqlx::query!(
        "select id, email from accounts where lower(email) = lower($1)",
        email
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.id, r.email)))
}

/// Changes the address of an account that has not confirmed one yet; a
/// taken address is `Error::Taken("email")`. False when the account has
/// confirmed meanwhile (its address stays).
pub async fn change_unconfirmed_email(
    conn: &mut PgConnection,
    id: i64,
    email: &str,
) -> crate::Result<bool> {
    let changed = sqlx::query!(
        "update accounts set email = $2, updated_at = now()
         where id = $1 and confirmed_at is null",
        id,
        email
    )
    .execute(conn)
    .await
    .map_err(|e| crate::Error::taken_on(e, &[("accounts_email_key", "email")]))?
    .rows_affected();
    Ok(changed == 1)
}

/// Marks the address `email` of account `id` confirmed, if it is still the
/// account's address; true when it is confirmed now.
pub async fn confirm(conn: &mut PgConnection, id: i64, email: &str) -> crate::Result<bool> {
    let confirmed = sqlx::query_scalar!(
        r#"update accounts set confirmed_at = coalesce(confirmed_at, now())
           where id = $1 and lower(email) = lower($2)
           returning id"#,
        id,
        email
    )
    .fetch_optional(conn)
    .await?;
    Ok(confirmed.is_some())
}

/// Sets a new password hash.
pub async fn set_password(
    conn: &mut PgConnection,
    id: i64,
    password_hash: &str,
) -> crate::Result<()> {
    sqlx::query!(
        "update accounts set password_hash = $2, updated_at = now() where id = $1",
        id,
        password_hash
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Applies a profile change.
pub async fn update_profile(
    db: impl PgExecutor<'_>,
    id: i64,
    change: &ProfileUpdate,
) -> crate::Result<()> {
    sqlx::query!(
        "update accounts set
            display_name = coalesce($2, display_name),
            note = coalesce($3, note),
            locked = coalesce($4, locked),
            bot = coalesce($5, bot),
            discoverable = coalesce($6, discoverable),
            privacy = coalesce($7, privacy),
            sensitive = coalesce($8, sensitive),
            language = coalesce($9, language),
            fields = coalesce($10, fields),
            updated_at = now()
         where id = $1",
        id,
        change.display_name,
        change.note,
        change.locked,
        change.bot,
        change.discoverable,
        change.privacy,
        change.sensitive,
        change.language,
        change.fields
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Marks an upload as waiting for the worker; an upload that was waiting
/// before is superseded (its task will find it is no longer pending).
pub async fn set_pending_image(
    conn: &mut PgConnection,
    id: i64,
    field: &str,
    key: &str,
) -> crate::Result<()> {
    sqlx::query!(
        "update accounts set
            avatar_pending_key = case when $2 = 'avatar' then $3 else avatar_pending_key end,
            header_pending_key = case when $2 = 'header' then $3 else header_pending_key end
         where id = $1",
        id,
        field,
        key
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The upload waiting for the worker and the image shown now, for `avatar` or
/// `header`, locking the account row; None when the account is gone.
pub async fn lock_images(
    conn: &mut PgConnection,
    id: i64,
    field: &str,
) -> crate::Result<Option<(Option<String>, Option<String>)>> {
    let row = sqlx::query!(
        "select case when $2 = 'avatar' then avatar_pending_key else header_pending_key end as pending,
                case when $2 = 'avatar' then avatar_key else header_key end as shown
         from accounts where id = $1 for update",
        id,
        field
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| (r.pending, r.shown)))
}

/// Ends the wait for `pending`: shows `shown` (when processing succeeded) and
/// clears the pending upload.
pub async fn finish_pending_image(
    conn: &mut PgConnection,
    id: i64,
    field: &str,
    shown: Option<&str>,
) -> crate::Result<()> {
    sqlx::query!(
        "update accounts set
            avatar_key = case when $2 = 'avatar' then coalesce($3, avatar_key) else avatar_key end,
            header_key = case when $2 = 'header' then coalesce($3, header_key) else header_key end,
            avatar_pending_key = case when $2 = 'avatar' then null else avatar_pending_key end,
            header_pending_key = case when $2 = 'header' then null else header_pending_key end,
            updated_at = now()
         where id = $1",
        id,
        field,
        shown
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Accounts whose username or display name starts with `prefix`, exact
/// username matches first; with `followed_by`, only accounts that account follows.
pub async fn search_prefix(
    db: impl PgExecutor<'_>,
    prefix: &str,
    limit: i64,
    offset: i64,
    followed_by: Option<i64>,
) -> crate::Result<Vec<Account>> {
    let pattern = format!("{}%", escape_like(&prefix.to_lowercase()));
    let rows = sqlx::query_as!(
        Account,
        r#"select id, username, display_name, note, locked, bot, discoverable, avatar_key, header_key,
                locale, privacy, sensitive, language, fields, created_at
         from accounts
                  where discoverable and (lower(username) like $1 or lower(display_name) like $1)
           and ($5::bigint is null or exists (
                 select 1 from follows f where f.account_id = $5 and f.target_account_id = accounts.id))
         order by lower(username) = lower($2) desc, username
         limit $3 offset $4"#,
        pattern,
        prefix,
        limit,
        offset,
        followed_by
    )
    .fetch_all(db)
    .await?;
    Ok(rows)
}

/// Escapes `%`, `_` and `\` for a LIKE pattern.
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Holds the account's row until the transaction ends, so one change of a
/// bounded set of the account's things (featured tags, pins, lists) runs at
/// a time and two at once cannot pass the bound together. Leaves the row
/// free for readers and for key-share locks (follows, posts).
pub async fn lock_for_change(conn: &mut PgConnection, account: i64) -> crate::Result<()> {
    sqlx::query!(
        "select id from accounts where id = $1 for no key update",
        account
    )
    .fetch_optional(conn)
    .await?;
    Ok(())
}
