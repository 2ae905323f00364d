//! Token grants cached in Redis by the token's SHA-256, shared by every
//! instance, and the mark that makes a revocation take effect everywhere.
//!
//! A revocation writes the revoked grant over the cached one (not a plain
//! delete: a lookup that read the database just before the revocation could
//! put the old grant back). The API writes the mark at once; a task written
//! in the revoking transaction writes it again from the worker, retried for
//! as long as Redis is away, so a revocation during a Redis outage still
//! takes effect once Redis answers.

use std::time::Duration;

use deadpool_redis::redis::{self, AsyncCommands};
use sqlx::PgExecutor;

use crate::db::tokens::{self, TokenGrant};
use crate::kv::Kv;

/// How long a lookup stays cached.
pub const TTL: Duration = Duration::from_secs(300);

/// The cache key of the token whose SHA-256 is `hash`.
pub fn key(kv: &Kv, hash: &[u8]) -> String {
    kv.key(&format!("token:{}", hex(hash)))
}

/// The cached grant, if Redis has it.
pub async fn get(kv: &Kv, hash: &[u8]) -> Option<TokenGrant> {
    let mut conn = kv.pool().get().await.ok()?;
    let json: Option<String> = conn.get(key(kv, hash)).await.ok()?;
    serde_json::from_str(&json?).ok()
}

/// Caches a grant just read from the database, unless an entry exists
/// (which may be a revocation's mark, never to be overwritten).
pub async fn put(kv: &Kv, hash: &[u8], grant: &TokenGrant) {
    let Ok(json) = serde_json::to_string(grant) else {
        return;
    };
    if let Ok(mut conn) = kv.pool().get().await {
        let _: Result<(), _> = redis::cmd("SET")
            .arg(key(kv, hash))
            .arg(json)
            .arg("EX")
            .arg(TTL.as_secs())
            .arg("NX")
            .query_async(&mut conn)
            .await;
    }
}

/// Makes the cache say what the database says of the token (revoked, after
/// a revocation), overwriting what it held.
pub async fn mark_revoked(kv: &Kv, db: impl PgExecutor<'_>, hash: &[u8]) -> crate::Result<()> {
    let grant = tokens::by_hash(db, hash).await?;
    let key = key(kv, hash);
    let mut conn = kv.pool().get().await?;
    match grant.map(|g| serde_json::to_string(&g)).transpose() {
        Ok(Some(json)) => conn.set_ex::<_, _, ()>(&key, json, TTL.as_secs()).await?,
        Ok(None) => conn.del::<_, ()>(&key).await?,
        Err(err) => return Err(anyhow::Error::from(err).into()),
    }
    Ok(())
}

/// Lowercase hex, the form a hash takes in keys and tasks.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of a hex string; `None` when it is not one.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    /// Hashes go to hex and back unchanged; what is not hex is refused.
    #[test]
    fn hex_round_trips() {
        let bytes = [0u8, 1, 0xab, 0xff];
        assert_eq!(super::hex(&bytes), "0001abff");
        assert_eq!(super::unhex("0001abff").as_deref(), Some(&bytes[..]));
        assert_eq!(super::unhex("0g"), None);
        assert_eq!(super::unhex("abc"), None);
    }
}
