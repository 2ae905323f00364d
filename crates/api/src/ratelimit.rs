//! The API request limit per access token, as Mastodon has it: at most
//! `LIMIT_API_PER_TOKEN` requests in each five-minute window, counted in
//! Redis so every instance shares the count. Every answer to a request with a
//! token says where it stands (`X-RateLimit-Limit`, `X-RateLimit-Remaining`,
//! `X-RateLimit-Reset`); past the limit the answer is 429 with `Retry-After`.
//! Windows are aligned to the clock, so every instance agrees on when one
//! ends without asking Redis. With Redis unreachable requests are let
//! through (and logged): a Redis outage costs the limit, not the service.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Request, State};
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use deadpool_redis::redis;

use crate::AppState;
use crate::error::error_response;

/// The length of a window.
const WINDOW: Duration = Duration::from_secs(300);

/// Where a token stands in its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Standing {
    limit: u64,
    count: u64,
    /// Seconds since the Unix epoch at which the window ends.
    reset: u64,
    now: u64,
}

impl Standing {
    fn over(&self) -> bool {
        self.count > self.limit
    }

    fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.count)
    }

    fn retry_after(&self) -> u64 {
        self.reset.saturating_sub(self.now).max(1)
    }

    fn write(&self, headers: &mut HeaderMap) {
        headers.insert("x-ratelimit-limit", HeaderValue::from(self.limit));
        headers.insert("x-ratelimit-remaining", HeaderValue::from(self.remaining()));
        if let Ok(reset) = HeaderValue::from_str(&iso8601(self.reset)) {
            headers.insert("x-ratelimit-reset", reset);
        }
    }
}

/// The middleware.
pub async fn per_token(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(token) = crate::auth::bearer_of(req.headers(), req.uri()) else {
        return next.run(req).await;
    };
    let limit = state.config.limits.api_per_token;
    let standing = match count(&state, &token, limit).await {
        Ok(standing) => standing,
        Err(err) => {
            tracing::warn!(error = %err, "request limit unavailable; letting the request through");
            return next.run(req).await;
        }
    };
    if standing.over() {
        let mut response = error_response(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
        standing.write(response.headers_mut());
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(standing.retry_after()));
        return response;
    }
    let mut response = next.run(req).await;
    standing.write(response.headers_mut());
    response
}

/// Counts this request in the token's current window.
async fn count(state: &AppState, token: &str, limit: u64) -> Result<Standing, String> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs();
    let window = WINDOW.as_secs();
    let start = now - now % window;
    // Hashed: the token is a secret, and client input of any length.
    let hash = lookbook_core::auth::secret::hash_hex(token);
    let key = state.kv.key(&format!("ratelimit:token:{hash}:{start}"));
    let mut conn = state.kv.pool().get().await.map_err(|e| e.to_string())?;
    let (count,): (u64,) = redis::pipe()
        .cmd("INCR")
        .arg(&key)
        .cmd("EXPIRE")
        .arg(&key)
        .arg(window + 60)
        .ignore()
        .query_async(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Standing {
        limit,
        count,
        reset: start + window,
        now,
    })
}

/// `seconds` since the Unix epoch as an ISO 8601 UTC time, as Mastodon
/// writes `X-RateLimit-Reset`.
fn iso8601(seconds: u64) -> String {
    i64::try_from(seconds)
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The headers count down to zero and the last request of a window
    /// still passes; the next is over, told to come back when it ends.
    #[test]
    fn standing_counts_down_and_says_when_to_return() {
        let at = |count| Standing {
            limit: 3,
            count,
            reset: 1_800_000_300,
            now: 1_800_000_120,
        };
        assert_eq!(at(1).remaining(), 2);
        assert!(!at(3).over());
        assert_eq!(at(3).remaining(), 0);
        assert!(at(4).over());
        assert_eq!(at(4).remaining(), 0);
        assert_eq!(at(4).retry_after(), 180);
        let mut headers = HeaderMap::new();
        at(2).write(&mut headers);
        assert_eq!(headers["x-ratelimit-limit"], "3");
        assert_eq!(headers["x-ratelimit-remaining"], "1");
        assert_eq!(headers["x-ratelimit-reset"], "2027-01-15T08:05:00.000000Z");
    }
}
