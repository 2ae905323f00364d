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
    env.set("TASK_RETRY_BASE_MS", "300");
    let s3 = env.proxy("S3_ENDPOINT").await;
    let app = TestApp::spawn_with(env, true).await;
    let keys = put_objects(&app, "flaky", 2).await;
    s3.set_up(false);
    app.enqueue(&Task::DeleteObjects { keys: keys.clone() })
        .await;
    let failed_twice = eventually(Duration::from_secs(60), || async {
        Stats::get(&app.stats().failed) >= 2
    })
    .await;
    assert!(failed_twice);
    s3.set_up(true);
    let done = eventually(Duration::from_secs(60), || async {
        Stats::get(&app.stats().done) == 1
    })
    .await;
    assert!(done, "the task did not succeed once S3 was back");
    assert!(Stats::get(&app.stats().failed) >= 2);
    assert_eq!(Stats::get(&app.stats().parked), 0);
    assert_eq!(remaining(&app, &keys).await, 0);
    app.finish().await.unwrap();
}

/// A task that fails for a reason an operator can fix (here its bucket is
/// missing) is never parked, however often it fails: it comes back until
/// the cause is gone, then finishes.
#[tokio::test(flavor = "multi_thread")]
async fn a_task_failing_for_a_fixable_reason_is_retried_until_it_succeeds() {
    let mut env = TestEnv::new().await;
    env.set("S3_BUCKET", format!("lbt-{}-missing", env.tag));
    let app = TestApp::spawn_with(env, true).await;
    app.enqueue(&Task::DeleteObjects {
        keys: vec!["a.jpg".into()],
    })
    .await;
    let failed_often = eventually(Duration::from_secs(60), || async {
        Stats::get(&app.stats().failed) >= 6
    })
    .await;
    assert!(failed_often, "the task was not retried");
    assert_eq!(Stats::get(&app.stats().parked), 0);
    let config = app.env.config();
    assert!(parked::list(&config).await.unwrap().is_empty());

    // The operator creates the missing bucket; the next retry succeeds.
    app.env.storage().ensure_bucket().await.unwrap();
    let done = eventually(Duration::from_secs(60), || async {
        Stats::get(&app.stats().done) == 1
    })
    .await;
    assert!(done, "the task did not finish once its bucket existed");
    assert_eq!(Stats::get(&app.stats().parked), 0);
    app.finish().await.unwrap();
}

/// A task that can never succeed (its payload cannot be read) is parked at
/// its first failure, with its error, where an operator can list it;
/// replaying it puts it back in its queue, where it is parked again.
#[tokio::test(flavor = "multi_thread")]
async fn a_poison_task_is_parked_at_once_and_can_be_replayed() {
    let app = TestApp::spawn().await;
    let config = app.env.config();
    let id: i64 = sqlx::query_scalar(
        "insert into outbox (kind, payload) values ('delete_objects', '{\"kind\": \"delete_objects\", \"keys\": 7}') returning id",
    )
    .fetch_one(&app.env.db)
    .await
    .unwrap();

    let parked_once = eventually(Duration::from_secs(60), || async {
        Stats::get(&app.stats().parked) == 1
    })
    .await;
    assert!(parked_once);
    assert_eq!(
        Stats::get(&app.stats().failed),
        1,
        "parked at the first failure"
    );
    let listed = parked::list(&config).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].task_id, Some(id));
    assert_eq!(listed[0].kind, "delete_objects");
    assert_eq!(listed[0].attempts, 1);
    assert!(
        listed[0].error.contains("undecodable"),
        "{}",
        listed[0].error
    );
    // Listing leaves the task parked.
    assert_eq!(parked::list(&config).await.unwrap().len(), 1);
    assert_eq!(app.unfinished_tasks().await, vec![id]);

    assert_eq!(parked::replay(&config).await.unwrap(), 1);
    let parked_again = eventually(Duration::from_secs(60), || async {
        Stats::get(&app.stats().parked) == 2
    })
    .await;
    assert!(parked_again, "the replayed task did not run");
    assert_eq!(parked::list(&config).await.unwrap().len(), 1);
    assert_eq!(Stats::get(&app.stats().done), 0);
    // The operator gives up on the unreadable task.
    sqlx::query("delete from outbox where id = $1")
        .bind(id)
        .execute(&app.env.db)
        .await
        .unwrap();
    app.finish().await.unwrap();
}

/// A task written by a later release (a newer format, a field this worker
/// does not know) that this worker parks is parked with that field still in
/// it, so the release that understands it can replay it whole.
#[tokio::test(flavor = "multi_thread")]
async fn a_parked_task_of_a_later_release_keeps_its_unknown_fields() {
    let app = TestApp::spawn().await;
    let config = app.env.config();
    let payload = serde_json::json!({
        "kind": "process_profile_image", "v": lookbook_core::tasks::FORMAT + 1,
        "account_id": 1, "field": "banner", "key": "originals/banners/1/x.png",
        "crop": {"x": 0.1, "y": 0.2},
    });
    sqlx::query("insert into outbox (kind, payload) values ('process_profile_image', $1)")
        .bind(&payload)
        .execute(&app.env.db)
        .await
        .unwrap();
    let parked = eventually(Duration::from_secs(60), || async {
        Stats::get(&app.stats().parked) == 1
    })
    .await;
    assert!(parked, "the task for an unknown field was not parked");
    let listed = parked::list(&config).await.unwrap();
    assert_eq!(listed.len(), 1);
    let body: serde_json::Value = serde_json::from_str(&listed[0].body).unwrap();
    assert_eq!(body, payload, "the parked payload is the one written");
    // The operator leaves it for the release that knows banners.
    sqlx::query("delete from outbox")
        .execute(&app.env.db)
        .await
        .unwrap();
    app.finish().await.unwrap();
}
