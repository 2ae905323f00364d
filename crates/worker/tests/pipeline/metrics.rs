//! The worker's own `/metrics`.

use std::time::Duration;

use lookbook_core::tasks::Task;
use lookbook_testkit::{TestApp, TestEnv, eventually, nginx::free_port};
use tokio_util::sync::CancellationToken;

/// The worker serves what waits in each queue (here: tasks of a kind no
/// worker takes) and what its tasks did, by kind and outcome.
#[tokio::test(flavor = "multi_thread")]
async fn the_worker_serves_queue_depths_and_task_outcomes() {
    let mut env = TestEnv::new().await;
    env.set("WORKER_TASK_KINDS", "fan_out,forget_token");
    let app = TestApp::spawn_with(env, true).await;
    let port = free_port();
    let stop = CancellationToken::new();
    let serving = stop.clone();
    tokio::spawn(async move {
        lookbook_worker::metrics::serve(([127, 0, 0, 1], port).into(), serving).await
    });
    for _ in 0..3 {
        app.enqueue(&Task::DeleteObjects {
            keys: vec!["gone/never-existed.jpg".into()],
        })
        .await;
    }
    app.enqueue(&Task::ForgetToken {
        token_hash: "00".repeat(32),
    })
    .await;
    let url = format!("http://127.0.0.1:{port}/metrics");
    // The gauge is process-wide, and other tests' workers set it too: ask
    // until this one's value shows.
    let seen = eventually(Duration::from_secs(30), || async {
        let Ok(response) = reqwest::get(&url).await else {
            return false;
        };
        let text = response.text().await.unwrap_or_default();
        text.lines()
            .any(|l| l == "task_queue_depth{kind=\"delete_objects\"} 3")
            && text
                .lines()
                .any(|l| l.starts_with("tasks_total{kind=\"forget_token\",outcome=\"done\"}"))
    })
    .await;
    assert!(
        seen,
        "the worker never showed 3 waiting delete_objects tasks and a done forget_token"
    );
    stop.cancel();
    // No worker of this test takes them: they are still waiting at the end.
    let left = app
        .finish()
        .await
        .expect_err("the delete_objects tasks had no worker");
    assert!(left.contains("3 unfinished"), "{left}");
}
