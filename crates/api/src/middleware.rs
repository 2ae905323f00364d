//! The layers every request passes through, outermost first: request id (kept
//! when nginx sends one, made otherwise, echoed in the response), a log span
//! carrying it, CORS, metrics, load shedding, the request limit per token,
//! edge cache headers, the per-request timeout and the body limit.

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::Response;
use lookbook_core::Config;
use tower_http::cors::{AllowHeaders, AllowOrigin, Any, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::AppState;

/// Wraps `router` in the shared layers.
pub fn apply(router: Router<AppState>, state: &AppState) -> Router<AppState> {
    let config: &Config = &state.config;
    // Each `layer` call wraps what came before: the last one is outermost.
    router
        .layer(RequestBodyLimitLayer::new(config.http.max_body_bytes))
        // JSON and form bodies are small; the upload routes lift this for
        // themselves and bound their files as they read them.
        .layer(axum::extract::DefaultBodyLimit::max(
            config.http.max_form_bytes,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            config.http.request_timeout,
        ))
        .layer(from_fn(json_errors))
        .layer(from_fn_with_state(
            state.clone(),
            crate::edge::cache_headers,
        ))
        .layer(from_fn_with_state(
            state.clone(),
            crate::ratelimit::per_token,
        ))
        .layer(from_fn_with_state(state.clone(), crate::shed::gate))
        .layer(from_fn(record_metrics))
        .layer(cors(config))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// Drops a trailing slash (but not from `/`, nor from the docs, whose UI
/// lives under `/api/docs/`).
pub fn trim_trailing_slash(mut req: Request) -> Request {
    let path = req.uri().path();
    if path.len() > 1 && path.ends_with('/') && !path.starts_with("/api/docs") {
        let trimmed = path.trim_end_matches('/');
        let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
        let rebuilt = match req.uri().query() {
            Some(q) => format!("{trimmed}?{q}"),
            None => trimmed.to_string(),
        };
        if let Ok(uri) = rebuilt.parse() {
            *req.uri_mut() = uri;
        }
    }
    req
}

/// Gives every error response a Mastodon-style JSON body: rejections from
/// the framework and the limit and timeout layers come as plain text or
/// empty. HTML pages (the authorize page) are left as they are.
async fn json_errors(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let status = response.status();
    // Every 503 (shed, timed out, a dependency or the database pool busy)
    // tells the client when to come back.
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .entry(axum::http::header::RETRY_AFTER)
            .or_insert(HeaderValue::from_static("1"));
    }
    let content_type = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !(status.is_client_error() || status.is_server_error())
        || content_type.starts_with("application/json")
        || content_type.starts_with("text/html")
    {
        return response;
    }
    let reason = status.canonical_reason().unwrap_or("Error");
    let (mut parts, body) = response.into_parts();
    let detail = axum::body::to_bytes(body, 1024)
        .await
        .ok()
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .filter(|s| !s.is_empty());
    let message = detail.unwrap_or_else(|| reason.to_string());
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    parts.headers.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let body = serde_json::json!({ "error": message }).to_string();
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// The log span of a request: its id, method and path. The query string is
/// left out because it can carry tokens.
fn request_span(req: &Request) -> tracing::Span {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        path = %req.uri().path(),
    )
}

/// Headers a browser script may read from an answer: pagination, rate
/// limits and the request id (`*` would not cover them on requests with
/// credentials, by the Fetch standard).
const EXPOSED: &[&str] = &[
    "link",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-request-id",
    "retry-after",
    "idempotency-key",
];

/// CORS for web clients on other origins. The preflight's requested headers
/// are echoed back, as Mastodon does: a wildcard in
/// `Access-Control-Allow-Headers` does not cover `Authorization`, so a
/// browser would refuse a signed-in request.
fn cors(config: &Config) -> CorsLayer {
    let origins = &config.http.cors_allowed_origins;
    let allow = if origins.is_empty() {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    CorsLayer::new()
        .allow_origin(allow)
        .allow_methods(Any)
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers(
            EXPOSED
                .iter()
                .map(|h| HeaderName::from_static(h))
                .collect::<Vec<_>>(),
        )
        .max_age(std::time::Duration::from_secs(3600))
}

/// Counts requests and records their latency, labelled by route template (not
/// the raw path, which would make one series per id) and status.
async fn record_metrics(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = req.method().to_string();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}
