//! Test support for Lookbook: every test gets the real services, isolated.
//!
//! - [`env`]: [`TestEnv`] makes a fresh database (cloned from a migrated
//!   template), a bucket, and key and queue prefixes of its own, and hands
//!   out the environment variables a Lookbook process needs to use them.
//! - [`app`]: [`TestApp`] runs the API (and, by default, a worker) in-process
//!   on port 0 against a `TestEnv`, with typed request helpers; it fails the
//!   test if tasks are left unprocessed at the end.
//! - [`proxy`]: [`FaultProxy`], a TCP proxy that can cut or slow the link to
//!   a service, to test outages.
//! - [`nginx`]: runs the project's `nginx/nginx.conf` in front of test instances.

pub mod app;
pub mod client;
pub mod crowd;
pub mod env;
pub mod nginx;
pub mod proxy;

pub use app::TestApp;
pub use client::{Client, Member};
pub use env::TestEnv;
pub use proxy::FaultProxy;

use std::future::Future;
use std::time::{Duration, Instant};

/// Polls `check` every 20 ms until it returns true or `limit` passes;
/// returns whether it became true.
pub async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    loop {
        if check().await {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
