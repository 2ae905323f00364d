//! Queries on `mail_tokens`: the one-time links of confirmation and
//! password-reset mails, and the accounts they act on.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Confirmation,
    PasswordReset,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Confirmation => "confirmation",
            Purpose::PasswordReset => "password_reset",
        }
    }

    /// How long a link works.
    pub fn lifetime_secs(self) -> f64 {
        match self {
            // As long as Mastodon's confirmation links.
            Purpose::Confirmation => 2.0 * 86_400.0,
            Purpose::PasswordReset => 2.0 * 3_600.0,
        }
    }

    fn parse(text: &str) -> Option<Purpose> {
        match text {
            "confirmation" => Some(Purpose::Confirmation),
            "password_reset" => Some(Purpose::PasswordReset),
            _ => None,
        }
    }
}

/// A new link, as the API stores it.
#[derive(Debug)]
pub struct NewToken<'a> {
    pub account_id: i64,
    pub purpose: Purpose,
    pub email: &'a str,
}

/// Stores a link and retires the account's earlier unused ones of the same
/// purpose (only the newest mail works); returns its id.
pub async fn issue(conn: &mut PgConnection, new: &NewToken<'_>) -> crate::Result<i64> {
    let id = sqlx::query_scalar!(
        "with retired as (
             update mail_tokens set used_at = now()
             where account_id = $1 and purpose = $2 and used_at is null)
         insert into mail_tokens (account_id, purpose, email, expires_at)
         values ($1, $2, $3, now() + make_interval(secs => $4))
         returning id",
        new.account_id,
        new.purpose.as_str(),
        new.email,
        new.purpose.lifetime_secs()
    )
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// A link that still works, as a page shows it before it is used.
#[derive(Debug, Clone)]
pub struct Valid {
    pub id: i64,
    pub account_id: i64,
    pub email: String,
}

/// The unused, unexpired link of `purpose` with this hash, while the
/// address it went to is still the account's.
pub async fn valid(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    purpose: Purpose,
) -> crate::Result<Option<Valid>> {
    let row = sqlx::query_as!(
        Valid,
        "select t.id, t.account_id, t.email from mail_tokens t
         join accounts a on a.id = t.account_id and lower(a.email) = lower(t.email)
         where t.token_hash = $1 and t.purpose = $2 and t.used_at is null and t.expires_at > now()",
        token_hash,
        purpose.as_str()
    )
    .fetch_optional(db)
    .await?;
    Ok(row)
}

/// Uses the link: it works once. None when it was used, expired, never
/// existed, or went to an address the account no longer has.
pub async fn take(
    conn: &mut PgConnection,
    token_hash: &[u8],
    purpose: Purpose,
) -> crate::Result<Option<Valid>> {
    let row = sqlx::query_as!(
        Valid,
        "update mail_tokens t set used_at = now()
         from accounts a
         where t.token_hash = $1 and t.purpose = $2 and t.used_at is null and t.expires_at > now()
           and a.id = t.account_id and lower(a.email) = lower(t.email)
         returning t.id, t.account_id, t.email",
        token_hash,
        purpose.as_str()
    )
    .fetch_optional(conn)
    .await?;
    Ok(row)
}

/// What the worker needs to write a link's mail.
#[derive(Debug, Clone)]
pub struct ToSend {
    pub purpose: Purpose,
    pub email: String,
    pub username: String,
    pub display_name: String,
    pub locale: String,
    pub expires_at: DateTime<Utc>,
}

/// The mail of link `id`, unless the link was used, replaced or expired
/// meanwhile (then there is nothing to send).
pub async fn to_send(db: impl PgExecutor<'_>, id: i64) -> crate::Result<Option<ToSend>> {
    let row = sqlx::query!(
        "select t.purpose, t.email, t.expires_at,
                a.username, a.display_name, a.locale
         from mail_tokens t join accounts a on a.id = t.account_id
         where t.id = $1 and t.used_at is null and t.expires_at > now()",
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.and_then(|r| {
        Some(ToSend {
            purpose: Purpose::parse(&r.purpose)?,
            email: r.email,
            username: r.username,
            display_name: r.display_name,
            locale: r.locale,
            expires_at: r.expires_at,
        })
    }))
}

/// Gives link `id` the hash of the token its mail is about to carry (a
/// token it carried before stops working). False when the link was used,
/// replaced or expired meanwhile.
pub async fn set_token(db: impl PgExecutor<'_>, id: i64, token_hash: &[u8]) -> crate::Result<bool> {
    let set = sqlx::query!(
        "update mail_tokens set token_hash = $2
         where id = $1 and used_at is null and expires_at > now()",
        id,
        token_hash
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(set == 1)
}

/// Retires every unused link of an account (its address changed: links to
/// the old one must not work).
pub async fn retire_all(conn: &mut PgConnection, account_id: i64) -> crate::Result<()> {
    sqlx::query!(
        "update mail_tokens set used_at = now() where account_id = $1 and used_at is null",
        account_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes links that expired over a week ago.
pub async fn prune(db: impl PgExecutor<'_>) -> crate::Result<u64> {
    let done = sqlx::query!("delete from mail_tokens where expires_at < now() - interval '7 days'")
        .execute(db)
        .await?
        .rows_affected();
    Ok(done)
}
