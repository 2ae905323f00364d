//! Fixed-window attempt counters in Redis, shared by every instance: sign-in
//! attempts per account and per address, sign-ups per address, photo
//! uploads per member, mails asked for per account.

use std::net::SocketAddr;
use std::time::Duration;

use axum::http::HeaderMap;
use deadpool_redis::redis;

use crate::AppState;
use crate::error::ApiError;

/// A limit: at most `max` attempts per `window`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub name: &'static str,
    pub max: u64,
    pub window: Duration,
}

impl Limit {
    /// Sign-in attempts per account (whatever the address).
    pub fn sign_in_per_account(state: &AppState) -> Limit {
        let max = state.config.limits.signins_per_account;
        Limit {
            name: "signin-account",
            max,
            window: Duration::from_secs(300),
        }
    }

    /// Sign-in attempts per address (whatever the account).
    pub fn sign_in_per_ip(state: &AppState) -> Limit {
        let max = state.config.limits.signins_per_ip;
        Limit {
            name: "signin-ip",
            max,
            window: Duration::from_secs(300),
        }
    }

    /// Photo uploads per member (multipart and direct alike).
    pub fn media_uploads(state: &AppState) -> Limit {
        Limit {
            name: "media-uploads",
            max: state.config.limits.media_uploads_per_account,
            window: Duration::from_secs(1800),
        }
    }

    /// Sign-ups per address.
    pub fn sign_up_per_ip(state: &AppState) -> Limit {
        let max = state.config.limits.signups_per_ip;
        Limit {
            name: "signup-ip",
            max,
            window: Duration::from_secs(1800),
        }
    }

    /// Password-reset requests per address (whatever the account).
    pub fn password_resets_per_ip(state: &AppState) -> Limit {
        Limit {
            name: "reset-ip",
            max: state.config.limits.signups_per_ip,
            window: Duration::from_secs(1800),
        }
    }

    /// Confirmation and password-reset mails asked for, per account: a
    /// form cannot be used to flood someone's inbox.
    pub fn mails_per_account() -> Limit {
        Limit {
            name: "mails-account",
            max: 5,
            window: Duration::from_secs(3600),
        }
    }
}

/// Counts one attempt against `limit` for `subject`; refuses with 429 and
/// `Retry-After` once over. If Redis is unreachable the attempt is allowed
/// (and logged): sign-in stays possible during a Redis outage.
pub async fn hit(state: &AppState, limit: Limit, subject: &str) -> Result<(), ApiError> {
    // Hashed: the subject is client input, of any length.
    let subject = lookbook_core::auth::secret::hash_hex(&subject.to_lowercase());
    let key = state.kv.key(&format!("throttle:{}:{subject}", limit.name));
    let counted: Result<(u64, i64), String> = async {
        let mut conn = state.kv.pool().get().await.map_err(|e| e.to_string())?;
        redis::pipe()
            .atomic()
            .cmd("INCR")
            .arg(&key)
            .cmd("EXPIRE")
            .arg(&key)
            .arg(limit.window.as_secs())
            .arg("NX")
            .ignore()
            .cmd("TTL")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .map_err(|e| e.to_string())
    }
    .await;
    match counted {
        Ok((count, ttl)) if count > limit.max => Err(ApiError::TooManyRequests {
            retry_after: u64::try_from(ttl.max(1)).unwrap_or(1),
        }),
        Ok(_) => Ok(()),
        Err(err) => {
            tracing::warn!(error = %err, limit = limit.name, "throttle unavailable; allowing the attempt");
            Ok(())
        }
    }
}

/// The client's address: when the peer is a trusted proxy, the last hop it
/// added to `X-Forwarded-For`; otherwise the peer itself, so a client talking
/// to an instance directly cannot pick its own address.
pub fn client_ip(state: &AppState, headers: &HeaderMap, peer: Option<SocketAddr>) -> String {
    let trusted = match (&state.config.http.trusted_proxies, peer) {
        (None, _) => true,
        (Some(list), Some(peer)) => list.contains(&peer.ip()),
        (Some(_), None) => false,
    };
    if !trusted {
        return peer.map_or_else(|| "unknown".into(), |p| p.ip().to_string());
    }
    headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .map(|ip| ip.trim().to_string())
        .filter(|ip| !ip.is_empty())
        .or_else(|| peer.map(|p| p.ip().to_string()))
        .unwrap_or_else(|| "unknown".into())
}
