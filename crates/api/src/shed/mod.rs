//! Load shedding: a bounded number of requests in flight per instance, a
//! number that shrinks when requests get slow (see `gate`), and a short wait
//! for a turn, so that past capacity the answer is a quick 503 with
//! `Retry-After` and the requests admitted stay fast.
//!
//! What is kept and what is shed first is deliberate. In a flash crowd
//! people read: the hot post and its thread, its author's profile and
//! posts, timelines, trends. Those requests get a free turn before anything
//! else, may use every turn and wait the full queue time. Everything else —
//! posting, likes and other writes, uploads, search, account lists — may
//! hold only three quarters of the turns and waits a fifth as long, so it is
//! shed first and the reads keep a reserve. A shed write did nothing (it is
//! refused before it starts), so the client's retry is safe. Health,
//! readiness, metrics and the fixed `/hello` are never shed.

mod gate;

use axum::extract::{Request, State};
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use gate::Class;
pub use gate::Gate;

use crate::AppState;
use crate::error::error_response;

fn classify(method: &Method, path: &str) -> Class {
    if matches!(path, "/healthz" | "/readyz" | "/metrics" | "/hello") {
        return Class::Exempt;
    }
    let read = method == Method::GET || method == Method::HEAD;
    let kept = path.starts_with("/api/v1/timelines/")
        || path.starts_with("/api/v1/trends")
        || path.starts_with("/api/v1/tags/")
        || matches!(path, "/api/v1/instance" | "/api/v2/instance")
        // A post and its thread, not who favourited it.
        || path.strip_prefix("/api/v1/statuses/").is_some_and(|rest| {
            matches!(rest.split('/').nth(1), None | Some("context"))
        })
        // A profile and its posts, not lists, search or relationships.
        || path.strip_prefix("/api/v1/accounts/").is_some_and(|rest| {
            let mut parts = rest.split('/');
            parts.next().is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
                && matches!(parts.next(), None | Some("statuses"))
        });
    if read && kept {
        Class::Kept
    } else {
        Class::Shed
    }
}

fn busy() -> Response {
    metrics::counter!("lookbook_shed_total").increment(1);
    let mut response = error_response(
        StatusCode::SERVICE_UNAVAILABLE,
        "The server is busy; try again in a moment",
    );
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// The middleware.
pub async fn gate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let class = classify(req.method(), req.uri().path());
    if class == Class::Exempt {
        return next.run(req).await;
    }
    let Some(turn) = state.gate.enter(class).await else {
        tracing::debug!(class = class.name(), "shed");
        return busy();
    };
    let response = next.run(req).await.into_response();
    drop(turn);
    response
}

#[cfg(test)]
mod tests {
    use axum::http::Method;

    use super::{Class, classify};

    /// Reads of the hot things are kept; writes and the rest go first.
    #[test]
    fn requests_are_classed_deliberately() {
        assert_eq!(classify(&Method::GET, "/api/v1/statuses/1"), Class::Kept);
        assert_eq!(
            classify(&Method::GET, "/api/v1/timelines/home"),
            Class::Kept
        );
        assert_eq!(
            classify(&Method::POST, "/api/v1/statuses/1/favourite"),
            Class::Shed
        );
        assert_eq!(classify(&Method::POST, "/api/v1/statuses"), Class::Shed);
        assert_eq!(classify(&Method::GET, "/api/v2/search"), Class::Shed);
        assert_eq!(
            classify(&Method::GET, "/api/v1/accounts/search"),
            Class::Shed
        );
        assert_eq!(
            classify(&Method::GET, "/api/v1/accounts/7/statuses"),
            Class::Kept
        );
        assert_eq!(
            classify(&Method::GET, "/api/v1/statuses/1/favourited_by"),
            Class::Shed
        );
        assert_eq!(classify(&Method::GET, "/readyz"), Class::Exempt);
    }
}
