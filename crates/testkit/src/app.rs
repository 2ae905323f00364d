//! [`TestApp`]: the API, and by default a worker, running in-process against
//! a [`TestEnv`], with typed helpers for the requests tests make.
//!
//! A test that ends with tasks no worker finished fails: [`TestApp::finish`]
//! (called on drop when a test does not call it) waits a little for the
//! worker, then reports what is left. Tests run on tokio's multi-threaded
//! runtime (`#[tokio::test(flavor = "multi_thread")]`), which the check on
//! drop needs.

use std::sync::Arc;
use std::time::Duration;

use lookbook_api::Application;
use lookbook_core::tasks::{self, Task};
use lookbook_worker::{Stats, Worker};
use reqwest::StatusCode;
use serde_json::Value;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::TestEnv;

/// How long the end-of-test check waits for the worker to catch up.
const TASK_GRACE: Duration = Duration::from_secs(15);

/// A running API (and worker) for one test.
#[derive(Debug)]
pub struct TestApp {
    /// `http://127.0.0.1:<port>` of the API.
    pub address: String,
    pub port: u16,
    pub env: TestEnv,
    pub client: reqwest::Client,
    /// The API's shared state (its clients and counters).
    pub api: lookbook_api::AppState,
    /// The worker's counters, when a worker runs.
    pub worker: Option<Arc<Stats>>,
    api_stop: CancellationToken,
    worker_stop: CancellationToken,
    server: Option<JoinHandle<std::io::Result<()>>>,
    worker_task: Option<JoinHandle<()>>,
    finished: bool,
}

impl TestApp {
    /// A fresh environment, the API and a worker.
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(TestEnv::new().await, true).await
    }

    /// The API, and a worker if `worker`, on `env` (which a test may have
    /// adjusted, for example to route a service through a proxy).
    pub async fn spawn_with(env: TestEnv, worker: bool) -> TestApp {
        init_logs();
        let app = Application::build(env.config())
            .await
            .expect("build the application");
        let port = app.port();
        let api = app.state().clone();
        let api_stop = CancellationToken::new();
        let stop = api_stop.clone();
        let server = tokio::spawn(app.run_until_stopped(async move { stop.cancelled().await }));
        let worker_stop = CancellationToken::new();
        let (stats, worker_task) = if worker {
            let worker = Worker::build(env.config()).await.expect("build the worker");
            let stats = worker.stats();
            let handle = tokio::spawn(worker.run(worker_stop.clone()));
            (Some(stats), Some(handle))
        } else {
            (None, None)
        };
        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            port,
            env,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("http client"),
            api,
            worker: stats,
            api_stop,
            worker_stop,
            server: Some(server),
            worker_task,
            finished: false,
        }
    }

    /// The absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// `GET path`, with the body parsed as JSON.
    pub async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        let response = self.get(path).await;
        let status = response.status();
        let body = response.json().await.expect("a JSON body");
        (status, body)
    }

    /// The worker's counters; panics when the app runs without a worker.
    pub fn stats(&self) -> &Stats {
        self.worker.as_deref().expect("this app runs a worker")
    }

    /// Writes `task` to the outbox in a committed transaction, as a feature would.
    pub async fn enqueue(&self, task: &Task) -> i64 {
        let mut tx = self.env.db.begin().await.expect("begin");
        let id = tasks::enqueue(&mut tx, task).await.expect("enqueue");
        tx.commit().await.expect("commit");
        id
    }

    /// Ids of tasks no worker has finished.
    pub async fn unfinished_tasks(&self) -> Vec<i64> {
        lookbook_core::db::outbox::unfinished(&self.env.db)
            .await
            .expect("read the outbox")
    }

    /// Stops the API gracefully and waits for it (the worker keeps running).
    pub async fn stop_api(&mut self) {
        self.api_stop.cancel();
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }

    /// Ends the test: waits for the worker to finish every task, stops
    /// everything and drops the environment's resources. Errs, naming the
    /// tasks, when some were left unfinished.
    pub async fn finish(mut self) -> Result<(), String> {
        self.finish_inner().await
    }

    async fn finish_inner(&mut self) -> Result<(), String> {
        self.finished = true;
        let grace = if self.worker.is_some() {
            TASK_GRACE
        } else {
            Duration::ZERO
        };
        let deadline = tokio::time::Instant::now() + grace;
        let mut left = self.unfinished_tasks().await;
        while !left.is_empty() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
            left = self.unfinished_tasks().await;
        }
        self.api_stop.cancel();
        self.worker_stop.cancel();
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        if let Some(worker) = self.worker_task.take() {
            let _ = worker.await;
        }
        self.env.cleanup().await;
        if left.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "the test left {} unfinished task(s): {left:?}",
                left.len()
            ))
        }
    }
}

/// Logs of in-process apps go through the test harness's capture, so a
/// passing test prints nothing; `TEST_LOG` sets the level (default `warn`).
fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TEST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if self.finished || std::thread::panicking() {
            return;
        }
        let handle = tokio::runtime::Handle::current();
        let outcome = tokio::task::block_in_place(|| handle.block_on(self.finish_inner()));
        if let Err(problem) = outcome {
            panic!("{problem}");
        }
    }
}
