//! Cache headers for the edge. Anonymous reads of public things (posts,
//! profiles, public and hashtag timelines, the instance, hashtags, trends,
//! brands, search, custom emojis) answer `Cache-Control: public, max-age=1` with an `ETag`,
//! and a matching `If-None-Match` gets a 304: nginx keeps each for about a
//! second, so a crowd on one post sends about one request a second upstream.
//! A 404 of such a read is public for the same second, so that a deletion
//! replaces the copy an edge cache holds. Anything asked with a token is
//! `private, no-store`: never kept by a shared cache. Public answers are also kept in the instance's own
//! [`Microcache`](crate::microcache) for that second.

use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, ETAG, IF_NONE_MATCH, VARY};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::microcache::Entry;

/// Bodies larger than this (or streamed) are passed on without an ETag.
const ETAG_MAX_BYTES: usize = 4 << 20;

/// Paths whose anonymous GET answers are the same for everyone.
fn is_public_read(path: &str) -> bool {
    const EXACT: &[&str] = &[
        "/api/v1/instance",
        "/api/v2/instance",
        "/api/v1/timelines/public",
        "/api/v1/trends",
        "/api/v2/search",
        "/api/v1/accounts/lookup",
        "/api/v1/custom_emojis",
        "/api/lookbook/v1/brands",
    ];
    const PREFIXES: &[&str] = &[
        "/api/v1/statuses/",
        "/api/v1/timelines/tag/",
        "/api/v1/tags/",
        "/api/v1/trends/",
        "/api/lookbook/v1/brands/",
    ];
    if EXACT.contains(&path) || PREFIXES.iter().any(|p| path.starts_with(p)) {
        return true;
    }
    // `/api/v1/accounts/:id` and its public lists, not the caller's own views.
    path.strip_prefix("/api/v1/accounts/").is_some_and(|rest| {
        let mut parts = rest.split('/');
        let id = parts.next().unwrap_or_default();
        let tail = parts.next();
        !id.is_empty()
            && id.bytes().all(|b| b.is_ascii_digit())
            && matches!(tail, None | Some("statuses" | "followers" | "following"))
            && parts.next().is_none()
    })
}

fn has_token(req: &Request) -> bool {
    req.headers().contains_key(AUTHORIZATION)
        || req.uri().query().is_some_and(|q| {
            // Decoded as the token extractor decodes it (`access%5Ftoken` too).
            form_urlencoded::parse(q.as_bytes()).any(|(k, _)| k == "access_token")
        })
}

/// The middleware.
pub async fn cache_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::GET {
        return next.run(req).await;
    }
    let anonymous = !has_token(&req);
    let public = anonymous && is_public_read(req.uri().path());
    let if_none_match = req.headers().get(IF_NONE_MATCH).cloned();
    let key = (public && state.microcache.enabled()).then(|| req.uri().to_string());
    if let Some(kept) = key.as_deref().and_then(|k| state.microcache.get(k)) {
        return from_kept(kept, if_none_match.as_ref());
    }
    let mut response = next.run(req).await;
    let status = response.status();
    let headers = response.headers_mut();
    headers.append(VARY, HeaderValue::from_static("Authorization"));
    if !anonymous {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
        return response;
    }
    if !public || headers.contains_key(CACHE_CONTROL) {
        return response;
    }
    if matches!(status, StatusCode::NOT_FOUND | StatusCode::GONE) {
        // Kept for the same second as a 200, so a shared cache that held the
        // thing before it was deleted replaces its copy with the 404 instead
        // of serving the old copy while it tries, in vain, to refresh it.
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("public, max-age=1"));
        return response;
    }
    if status != StatusCode::OK {
        return response;
    }
    let small = response
        .body()
        .size_hint()
        .exact()
        .is_some_and(|n| n <= ETAG_MAX_BYTES as u64);
    if !small {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, ETAG_MAX_BYTES).await else {
        return error_response();
    };
    let digest = Sha256::digest(&bytes);
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    let etag =
        HeaderValue::from_str(&format!("\"{hex}\"")).unwrap_or(HeaderValue::from_static("\"0\""));
    parts
        .headers
        .insert(CACHE_CONTROL, HeaderValue::from_static("public, max-age=1"));
    parts.headers.insert(ETAG, etag.clone());
    if let Some(key) = &key {
        state
            .microcache
            .put(key, parts.headers.clone(), etag.clone(), bytes.clone());
    }
    if matches(if_none_match.as_ref(), &etag) {
        return not_modified(parts);
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn matches(if_none_match: Option<&HeaderValue>, etag: &HeaderValue) -> bool {
    if_none_match.is_some_and(|v| {
        v.to_str().is_ok_and(|v| {
            v.split(',')
                .any(|t| t.trim() == etag.to_str().unwrap_or_default() || t.trim() == "*")
        })
    })
}

fn not_modified(mut parts: axum::http::response::Parts) -> Response {
    parts.status = StatusCode::NOT_MODIFIED;
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    parts.headers.remove(axum::http::header::CONTENT_TYPE);
    Response::from_parts(parts, Body::empty())
}

/// An answer from the instance's microcache.
fn from_kept(kept: Entry, if_none_match: Option<&HeaderValue>) -> Response {
    let mut response = Response::new(Body::from(kept.body));
    *response.headers_mut() = kept.headers;
    if matches(if_none_match, &kept.etag) {
        return not_modified(response.into_parts().0);
    }
    response
}

/// A body that could not be read back (larger than the bound, or broken).
fn error_response() -> Response {
    crate::error::error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the response could not be prepared",
    )
}

#[cfg(test)]
mod tests {
    /// Public reads are told apart from the caller's own views.
    #[test]
    fn public_reads_are_recognised() {
        for path in [
            "/api/v1/statuses/1",
            "/api/v1/accounts/42",
            "/api/v1/accounts/42/statuses",
            "/api/v1/timelines/public",
            "/api/v1/trends",
            "/api/v2/search",
            "/api/v2/instance",
        ] {
            assert!(super::is_public_read(path), "{path}");
        }
        for path in [
            "/api/v1/accounts/verify_credentials",
            "/api/v1/accounts/relationships",
            "/api/v1/timelines/home",
            "/api/v1/accounts/42/follow",
            "/api/v1/favourites",
        ] {
            assert!(!super::is_public_read(path), "{path}");
        }
    }
}
