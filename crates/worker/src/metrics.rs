//! The worker's own `/metrics` (Prometheus text, `WORKER_METRICS_BIND`):
//! what its tasks, pushes and mails did (`tasks_total`, `pushes_total`,
//! `mails_total`, by outcome) and how many tasks wait in each queue
//! (`task_queue_depth`, sampled from RabbitMQ by the consumer).

use std::net::SocketAddr;

use axum::Router;
use axum::http::header;
use axum::routing::get;
use tokio_util::sync::CancellationToken;

/// Serves `/metrics` on `bind` until `stop`.
pub async fn serve(bind: SocketAddr, stop: CancellationToken) -> std::io::Result<()> {
    let handle = lookbook_core::telemetry::prometheus();
    let listener = tokio::net::TcpListener::bind(bind).await?;
    tracing::info!(address = %listener.local_addr()?, "worker metrics served at /metrics");
    let app = Router::new().route(
        "/metrics",
        get(move || async move {
            (
                [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                handle.render(),
            )
        }),
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(stop.cancelled_owned())
        .await
}
