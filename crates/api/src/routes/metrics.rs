//! `/metrics`: Prometheus text. Request counters and latency histograms are
//! recorded by the middleware as requests pass, cache counters where the
//! caches are used; pool usage, the outbox backlog and the fan-out lag (how
//! long the oldest post not yet in its followers' feeds has waited) are
//! sampled here, at scrape time.

use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(metrics))
}

/// Prometheus metrics of this instance.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    record_pool("primary", &state.db.primary);
    if state.db.has_replica {
        record_pool("replica", &state.db.replica);
    }
    let redis = state.kv.pool().status();
    metrics::gauge!("redis_pool_connections", "state" => "open").set(redis.size as f64);
    metrics::gauge!("redis_pool_connections", "state" => "idle").set(redis.available as f64);
    metrics::gauge!("redis_pool_waiting").set(redis.waiting as f64);
    let backlog = lookbook_core::db::outbox::backlog(&state.db.primary);
    match tokio::time::timeout(Duration::from_secs(1), backlog).await {
        Ok(Ok(n)) => metrics::gauge!("outbox_backlog").set(n as f64),
        _ => tracing::warn!("could not sample the outbox backlog"),
    }
    let lag = lookbook_core::db::outbox::lag_seconds(&state.db.primary, "fan_out");
    match tokio::time::timeout(Duration::from_secs(1), lag).await {
        Ok(Ok(seconds)) => metrics::gauge!("lookbook_fanout_lag_seconds").set(seconds),
        _ => tracing::warn!("could not sample the fan-out lag"),
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        lookbook_core::telemetry::prometheus().render(),
    )
}

fn record_pool(name: &'static str, pool: &sqlx::PgPool) {
    let open = pool.size();
    let idle = u32::try_from(pool.num_idle()).unwrap_or(u32::MAX);
    metrics::gauge!("db_pool_connections", "pool" => name, "state" => "open").set(f64::from(open));
    metrics::gauge!("db_pool_connections", "pool" => name, "state" => "idle").set(f64::from(idle));
    metrics::gauge!("db_pool_max_connections", "pool" => name)
        .set(f64::from(pool.options().get_max_connections()));
}
