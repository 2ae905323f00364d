//! The connection loop: accepts TCP connections and serves the router over
//! them with hyper, giving each client a bounded time to send a request's
//! headers (a client that trickles them in, line by line, would otherwise
//! hold a connection and a task for as long as it likes), and drains
//! gracefully: once `stop` is cancelled no connection is accepted; for
//! `linger`, open connections are still served, each answer closing its
//! connection (`Connection: close`), so a load balancer never has a kept
//! connection closed under a request it just sent; then idle connections
//! close and requests in flight run to their end.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// How long to wait before accepting again after `accept` failed (out of
/// file descriptors, say), so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Serves `app` on `listener` until `stop` is cancelled, then waits for the
/// open connections to finish their requests.
pub async fn serve<S>(
    listener: TcpListener,
    app: S,
    header_read_timeout: Duration,
    linger: Duration,
    stop: CancellationToken,
) -> std::io::Result<()>
where
    S: tower::Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let graceful = GracefulShutdown::new();
    loop {
        let (stream, remote) = tokio::select! {
            () = stop.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    tracing::warn!(error = %err, "accepting a connection failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        // Small answers go out at once instead of waiting to fill a packet.
        let _ = stream.set_nodelay(true);
        let service =
            tower::ServiceExt::map_request(app.clone(), move |mut req: Request<Incoming>| {
                req.extensions_mut()
                    .insert(ConnectInfo::<SocketAddr>(remote));
                req.map(axum::body::Body::new)
            });
        let stopping = stop.clone();
        let service = tower::ServiceExt::map_response(service, move |mut res: Response| {
            if stopping.is_cancelled() {
                res.headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            res
        });
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service))
            .into_owned();
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            // Errors here are the client's: it went away, or was too slow.
            if let Err(err) = watched.await {
                tracing::debug!(error = %err, %remote, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::time::sleep(linger).await;
    graceful.shutdown().await;
    Ok(())
}
