//! `/healthz` (the process is alive), `/readyz` (the instance can serve:
//! PostgreSQL's primary answers and it is not shutting down) and `/hello`
//! (a fixed text: the ceiling the benchmarks compare the other routes with).
//!
//! Readiness tells a load balancer whether to send this instance requests.
//! Redis, Memcached, S3 and the read replica are shared by every instance,
//! and the API serves around them (counts and feeds from PostgreSQL, reads
//! past the cache, text posts without S3, reads on the primary): when one
//! of them is down, `/readyz` still answers 200, says `degraded` and names
//! it. Only what no request can do without (the primary) or shutting down
//! makes it 503, so a shared outage never empties the load balancer.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

/// How long one dependency may take to answer a readiness check.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(hello))
}

/// A fixed greeting, through the same router and middleware as every route
/// but doing no work: what the benchmarks measure other routes against.
#[utoipa::path(get, path = "/hello", tag = "operations",
    responses((status = 200, description = "Hello, world!", body = String, content_type = "text/plain")))]
async fn hello() -> &'static str {
    "Hello, world!"
}

/// The answer of `/healthz` and `/readyz`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`, `degraded` (serving without some shared dependency),
    /// `unavailable` or `draining`.
    status: &'static str,
    /// Each dependency and `ok` or what went wrong (readiness only).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    checks: BTreeMap<&'static str, String>,
    /// Names what is wrong, when something is.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// The process is up and serving.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "Alive", body = Health)))]
async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok",
        checks: BTreeMap::new(),
        error: None,
    })
}

type Check<'a> = Pin<Box<dyn Future<Output = lookbook_core::Result<()>> + Send + 'a>>;

/// Dependencies the API cannot serve without.
const CRITICAL: &[&str] = &["postgres"];

/// 200 while the instance can serve (`degraded` when a shared dependency it
/// serves around is down), 503 when PostgreSQL's primary is down or the
/// instance is draining.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready to serve; `degraded` names a shared dependency that is down", body = Health),
        (status = 503, description = "PostgreSQL's primary is down, or the instance is draining", body = Health),
    ))]
async fn readyz(State(state): State<AppState>) -> Response {
    if state.is_draining() {
        let body = Health {
            status: "draining",
            checks: BTreeMap::new(),
            error: Some("shutting down".into()),
        };
        return (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
    }
    let mut checks: Vec<(&'static str, Check<'_>)> = vec![
        (
            "postgres",
            Box::pin(lookbook_core::db::ping(&state.db.primary)),
        ),
        ("redis", Box::pin(state.kv.check())),
        ("memcached", Box::pin(state.cache.check())),
        ("s3", Box::pin(state.storage.check())),
    ];
    if state.db.has_replica {
        checks.push((
            "postgres_replica",
            Box::pin(lookbook_core::db::ping(&state.db.replica)),
        ));
    }
    let (names, futures): (Vec<_>, Vec<_>) = checks.into_iter().unzip();
    let outcomes = futures_util::future::join_all(
        futures
            .into_iter()
            .map(|f| tokio::time::timeout(CHECK_TIMEOUT, f)),
    )
    .await;
    let mut results = BTreeMap::new();
    let mut down = Vec::new();
    for (name, outcome) in names.into_iter().zip(outcomes) {
        let verdict = match outcome {
            Ok(Ok(())) => "ok".to_string(),
            Ok(Err(err)) => format!("unreachable: {err}"),
            Err(_) => format!("no answer within {} ms", CHECK_TIMEOUT.as_millis()),
        };
        if verdict != "ok" {
            tracing::warn!(dependency = name, %verdict, "readiness check failed");
            down.push(name);
        }
        results.insert(name, verdict);
    }
    if down.is_empty() {
        let body = Health {
            status: "ok",
            checks: results,
            error: None,
        };
        return (StatusCode::OK, Json(body)).into_response();
    }
    if down.iter().any(|name| CRITICAL.contains(name)) {
        let body = Health {
            status: "unavailable",
            checks: results,
            error: Some(format!("not ready: {} down", down.join(", "))),
        };
        return (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
    }
    let body = Health {
        status: "degraded",
        checks: results,
        error: Some(format!("degraded: {} down", down.join(", "))),
    };
    (StatusCode::OK, Json(body)).into_response()
}
