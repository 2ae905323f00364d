//! Mails that carry a one-time link (confirming an address, setting a new
//! password). The link is stored and its mail queued in the caller's
//! transaction, so a mail goes out exactly when the change that asked for
//! it commits; the worker makes the link's token, writes the mail and
//! sends it.

use lookbook_core::auth::secret;
use lookbook_core::db::mail_tokens::{self, NewToken, Purpose};
use lookbook_core::db::tokens;
use lookbook_core::tasks::{self, Task};
use sqlx::PgConnection;

use crate::AppState;
use crate::auth;
use crate::error::ApiResult;

/// Stores a new link of `purpose` for `email` (retiring the account's
/// earlier one) and queues its mail.
pub async fn send(
    conn: &mut PgConnection,
    account_id: i64,
    purpose: Purpose,
    email: &str,
) -> ApiResult<()> {
    let id = mail_tokens::issue(
        conn,
        &NewToken {
            account_id,
            purpose,
            email,
        },
    )
    .await?;
    tasks::enqueue(conn, &Task::AccountMail { mail_token_id: id }).await?;
    Ok(())
}

/// The hash of the link `token` (as it came in a URL or a form).
pub fn hash(token: &str) -> Vec<u8> {
    secret::hash(token.trim())
}

/// Writes, in the transaction that changed how an account's tokens may be
/// used (confirmed, or all revoked), the tasks that refresh their cached
/// grants; returns the hashes for [`refresh_now`] after the commit.
pub async fn refresh_later(conn: &mut PgConnection, hashes: &[Vec<u8>]) -> ApiResult<()> {
    for hash in hashes {
        auth::forget_later(conn, hash).await?;
    }
    Ok(())
}

/// Refreshes the cached grants of these tokens at once, on every instance.
pub async fn refresh_now(state: &AppState, hashes: &[Vec<u8>]) {
    for hash in hashes {
        auth::forget(state, hash).await;
    }
}

/// The live tokens of an account, for [`refresh_later`].
pub async fn live_tokens(conn: &mut PgConnection, account_id: i64) -> ApiResult<Vec<Vec<u8>>> {
    Ok(tokens::live_hashes_of_account(conn, account_id).await?)
}
