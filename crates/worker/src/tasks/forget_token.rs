//! `forget_token`: after a revocation, makes the Redis token cache say the
//! token is revoked, as the API tried to at once. While Redis is away this
//! fails and is retried, so a revocation made during an outage takes effect
//! as soon as Redis answers instead of when the stale entry expires.
//! Writing the mark twice gives the same cache.

use lookbook_core::auth::cached;
use sqlx::PgConnection;

use super::TaskError;
use crate::Context;

pub async fn run(ctx: &Context, token_hash: &str, tx: &mut PgConnection) -> Result<(), TaskError> {
    let hash = cached::unhex(token_hash).ok_or_else(|| {
        TaskError::Permanent(anyhow::anyhow!("token_hash is not hex: {token_hash:?}"))
    })?;
    cached::mark_revoked(&ctx.kv, &mut *tx, &hash)
        .await
        .map_err(|e| TaskError::Transient(e.into()))
}
