//! The Lookbook HTTP API.
//!
//! [`Application::build`] connects to the backing services, binds the listener
//! (port 0 picks a free port, as the tests do) and assembles the router from
//! [`routes`], one module per resource. `main.rs` only reads the configuration
//! and calls it, so the tests run exactly what production runs.
//!
//! - [`state`]: the shared handles every handler gets.
//! - [`error`]: the one error type handlers return, rendered as Mastodon's
//!   `{"error": "..."}`.
//! - [`middleware`]: request ids, logging, metrics, limits and timeouts;
//!   [`edge`]: cache headers for nginx and clients; [`shed`]: load shedding;
//!   [`server`]: the connection loop, with its header timeout and drain.
//! - [`auth`]: the token extractors; [`params`]: Mastodon-style parameters;
//!   [`pagination`]: `max_id`/`min_id` paging and `Link` headers;
//!   [`entities`]: the JSON entities; [`statuses`]: the Status entity for a
//!   page; [`cached`]: entities in Memcached; [`emojis`]: custom emojis in
//!   what is rendered; [`throttle`]: shared attempt limits; [`consent`]:
//!   what each scope lets an app do, in words;
//!   [`ratelimit`]: the request limit per token.
//! - [`streaming`]: live events over WebSocket and server-sent events.
//! - [`announce`]: the operators' `lookbook-api announce` command.

pub mod announce;
pub mod auth;
pub mod cached;
pub mod consent;
pub mod counts;
pub mod edge;
pub mod emojis;
pub mod entities;
pub mod error;
pub mod filtering;
pub mod flights;
pub mod links;
pub mod mail_links;
pub mod microcache;
pub mod middleware;
pub mod operations;
pub mod pages;
pub mod pagination;
pub mod params;
pub mod ratelimit;
pub mod replica;
pub mod routes;
pub mod server;
pub mod shed;
pub mod state;
pub mod statuses;
pub mod streaming;
pub mod throttle;
pub mod web;

use std::future::Future;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use lookbook_core::Config;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use state::AppState;

/// A bound, ready-to-serve API instance.
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

impl Application {
    /// Connects to the services (lazily: an instance starts while a service is
    /// down and says so on `/readyz`) and binds `config.bind`.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        // The recorder goes in before the first request is counted.
        lookbook_core::telemetry::prometheus();
        let state = AppState::connect(config).await?;
        let bind = state.config.bind;
        let listener = TcpListener::bind(bind)
            .await
            .with_context(|| format!("binding {bind}"))?;
        let router = routes::router(state.clone());
        Ok(Application {
            listener,
            router,
            state,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// The shared state, for tests that inspect it.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `stop` resolves, then drains: `/readyz` turns 503 so the
    /// load balancer moves on, no new connections are accepted, and in-flight
    /// requests get `SHUTDOWN_TIMEOUT_MS` to finish before the server returns.
    pub async fn run_until_stopped(
        self,
        stop: impl Future<Output = ()> + Send,
    ) -> std::io::Result<()> {
        let Application {
            listener,
            router,
            state,
        } = self;
        let drain = CancellationToken::new();
        // Paths are normalised before routing: clients such as Mastodon.py ask for
        // `/api/v1/instance/` with a trailing slash.
        let app = tower::ServiceExt::map_request(router, middleware::trim_trailing_slash);
        let serve = server::serve(
            listener,
            app,
            state.config.http.header_read_timeout,
            state.config.http.shutdown_linger,
            drain.clone(),
        );
        let watcher = tokio::spawn(replica::watch(state.clone(), drain.clone()));
        let mut serve = std::pin::pin!(serve);
        tokio::select! {
            result = &mut serve => {
                watcher.abort();
                return result;
            }
            () = stop => {}
        }
        tracing::info!("shutting down: draining in-flight requests");
        state.start_draining();
        drain.cancel();
        let limit: Duration = state.config.http.shutdown_timeout;
        match tokio::time::timeout(limit, serve).await {
            Ok(result) => result,
            Err(_) => {
                tracing::warn!(
                    ?limit,
                    "in-flight requests did not finish in time; stopping anyway"
                );
                Ok(())
            }
        }
    }
}
