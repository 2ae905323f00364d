//! What happens when things break: the broker away while tasks are written,
//! a handler that fails and recovers, and a task that can never succeed.

use std::time::Duration;

use lookbook_core::tasks::Task;
use lookbook_testkit::{TestApp, TestEnv, eventually};
use lookbook_worker::{Stats, parked};

use crate::{put_objects, remaining};

/// With RabbitMQ unreachable, tasks wait in the outbox; once it is back,
/// every one of them is delivered and done.
#[tokio::test(flavor = "multi_thread")]
async fn tasks_written_while_the_broker_is_down_are_not_lost() {
    let mut env = TestEnv::new().await;
    let broker = env.proxy("AMQP_URL").await;
    let app = TestApp::spawn_with(env, true).await;
    // Let the worker connect first, then cut it off mid-flight.
    tokio::time::sleep(Duration::from_millis(500)).await;
    broker.set_up(false);
    let keys = put_objects(&app, "outage", 20).await;
    for key in &keys {
        app.enqueue(&Task::DeleteObjects {
            keys: vec![key.clone()],
        })
        .await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        app.unfinished_tasks().await.len(),
        20,
        "nothing can run while the broker is down"
    );
    assert_eq!(remaining(&app, &keys).await, 20);

    broker.set_up(true);
    let all_done = eventually(Duration::from_secs(30), || async {
        app.unfinished_tasks().await.is_empty()
    })
    .await;
    assert!(
        all_done,
        "{} tasks left",
        app.unfinished_tasks().await.len()
    );
    assert_eq!(remaining(&app, &keys).await, 0);
    assert_eq!(Stats::get(&app.stats().done), 20);
    app.finish().await.unwrap();
}

/// A handler that fails twice (S3 unreachable) is retried with backoff and
/// succeeds on the third attempt; nothing is parked.
#[tokio::test(flavor = "multi_thread")]
async fn a_task_that_fails_twice_then_succeeds_is_done() {
    let mut env = TestEnv::new().await;
    env.set("TASK_MAX_ATTEMPTS", "4");
    env.set("TASK_RETRY_BASE_MS", "300");
    let s3 = env.proxy("S3_ENDPOINT").await;
    let app = TestApp::spawn_with(env, true).await;
    let keys = put_objects(&app, "flaky", 2).await;
    s3.set_up(false);
    app.enqueue(&Task::DeleteObjects { keys: keys.clone() })
        .await;
    let failed_twice = eventually(Duration::from_secs(20), || async {
        Stats::get(&app.stats().failed) >= 2
    })
    .await;
    assert!(failed_twice);
    s3.set_up(true);
    let done = eventually(Duration::from_secs(20), || async {
        Stats::get(&app.stats().done) == 1
    })
    .await;
    assert!(done, "the third attempt did not succeed");
    assert_eq!(Stats::get(&app.stats().failed), 2);
    assert_eq!(Stats::get(&app.stats().parked), 0);
    assert_eq!(remaining(&app, &keys).await, 0);
    app.finish().await.unwrap();
}

/// A task that fails every time is parked after the configured number of
/// attempts, with its error, where an operator can list it; once the cause is
/// fixed, replaying it finishes the work.
#[tokio::test(flavor = "multi_thread")]
async fn a_poison_task_is_parked_after_n_tries_and_can_be_replayed() {
    let mut env = TestEnv::new().await;
    env.set("S3_BUCKET", format!("lbt-{}-missing", env.tag));
    let app = TestApp::spawn_with(env, true).await;
    let config = app.env.config();
    let id = app
        .enqueue(&Task::DeleteObjects {
            keys: vec!["a.jpg".into()],
        })
        .await;

    let parked_once = eventually(Duration::from_secs(20), || async {
        Stats::get(&app.stats().parked) == 1
    })
    .await;
    assert!(parked_once);
    assert_eq!(
        Stats::get(&app.stats().failed),
        3,
        "TASK_MAX_ATTEMPTS=3 attempts"
    );
    let listed = parked::list(&config).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].task_id, Some(id));
    assert_eq!(listed[0].kind, "delete_objects");
    assert_eq!(listed[0].attempts, 3);
    assert!(listed[0].error.contains("delet"), "{}", listed[0].error);
    // Listing leaves the task parked.
    assert_eq!(parked::list(&config).await.unwrap().len(), 1);
    assert_eq!(app.unfinished_tasks().await, vec![id]);

    // The operator creates the missing bucket, then replays.
    app.env.storage().ensure_bucket().await.unwrap();
    assert_eq!(parked::replay(&config).await.unwrap(), 1);
    let done = eventually(Duration::from_secs(10), || async {
        Stats::get(&app.stats().done) == 1
    })
    .await;
    assert!(done, "the replayed task did not run");
    assert!(parked::list(&config).await.unwrap().is_empty());
    app.finish().await.unwrap();
}
