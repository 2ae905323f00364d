//! Tasks reach the worker once their transaction commits, exactly when it
//! commits, and a duplicate delivery does no second piece of work.

use std::time::Duration;

use lapin::options::BasicPublishOptions;
use lookbook_core::tasks::Task;
use lookbook_core::tasks::broker::{self, Message};
use lookbook_core::tasks::topology::Topology;
use lookbook_testkit::{TestApp, eventually};
use lookbook_worker::Stats;

use crate::{put_objects, remaining};

/// A committed task deletes its objects and is recorded done.
#[tokio::test(flavor = "multi_thread")]
async fn a_committed_task_deletes_its_objects() {
    let app = TestApp::spawn().await;
    let keys = put_objects(&app, "committed", 3).await;
    let id = app
        .enqueue(&Task::DeleteObjects { keys: keys.clone() })
        .await;
    let gone = eventually(Duration::from_secs(60), || async {
        remaining(&app, &keys).await == 0
    })
    .await;
    assert!(gone, "objects still there");
    assert!(
        eventually(Duration::from_secs(60), || async {
            app.unfinished_tasks().await.is_empty()
        })
        .await
    );
    assert_eq!(Stats::get(&app.stats().done), 1, "task {id} done once");
    app.finish().await.unwrap();
}

/// A task written in a transaction that rolls back never runs.
#[tokio::test(flavor = "multi_thread")]
async fn a_rolled_back_task_never_runs() {
    let app = TestApp::spawn().await;
    let keys = put_objects(&app, "rolled-back", 2).await;
    let mut tx = app.env.db.begin().await.unwrap();
    lookbook_core::tasks::enqueue(&mut tx, &Task::DeleteObjects { keys: keys.clone() })
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    // A later committed task proves the pipeline ran in the meantime.
    let later = put_objects(&app, "later", 1).await;
    app.enqueue(&Task::DeleteObjects {
        keys: later.clone(),
    })
    .await;
    assert!(
        eventually(Duration::from_secs(60), || async {
            remaining(&app, &later).await == 0
        })
        .await
    );
    // The later task is counted once its worker finishes with it, a moment
    // after its objects are gone.
    assert!(
        eventually(Duration::from_secs(60), || async {
            Stats::get(&app.stats().done) >= 1
        })
        .await
    );
    assert_eq!(remaining(&app, &keys).await, 2);
    assert_eq!(Stats::get(&app.stats().done), 1);
    app.finish().await.unwrap();
}

/// The same message delivered twice (as RabbitMQ may after a lost ack), even
/// at the same moment, does the work once and acknowledges the duplicate.
#[tokio::test(flavor = "multi_thread")]
async fn a_message_delivered_twice_is_done_once() {
    let app = TestApp::spawn().await;
    let keys = put_objects(&app, "twice", 1).await;
    let task = Task::DeleteObjects { keys: keys.clone() };
    let id = app.enqueue(&task).await;
    // Publish a copy of the same task ourselves, racing the relay's.
    let config = app.env.config();
    let topology = Topology::new(&config.amqp);
    let (conn, channel) = broker::connect(config.amqp.url.expose(), "test", Duration::from_secs(5))
        .await
        .unwrap();
    // The worker may not have declared the queues yet.
    topology.declare(&channel).await.unwrap();
    let body = serde_json::to_vec(&task).unwrap();
    let copy = Message {
        task_id: id,
        kind: task.kind(),
        body: &body,
        attempt: 1,
        error: None,
    };
    let confirm = broker::publish(&channel, &topology.exchange(), task.kind(), &copy)
        .await
        .unwrap();
    broker::confirmed(confirm).await.unwrap();

    let settled = eventually(Duration::from_secs(60), || async {
        Stats::get(&app.stats().done) + Stats::get(&app.stats().duplicates) == 2
    })
    .await;
    assert!(settled, "both deliveries were not settled");
    assert_eq!(Stats::get(&app.stats().done), 1);
    assert_eq!(Stats::get(&app.stats().duplicates), 1);
    assert_eq!(remaining(&app, &keys).await, 0);

    // Later redeliveries are recognised too.
    channel
        .basic_publish(
            topology.exchange().into(),
            task.kind().into(),
            BasicPublishOptions::default(),
            &body,
            lapin::BasicProperties::default().with_message_id(id.to_string().into()),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    assert!(
        eventually(Duration::from_secs(60), || async {
            Stats::get(&app.stats().duplicates) == 2
        })
        .await
    );
    assert_eq!(Stats::get(&app.stats().done), 1);
    let _ = conn.close(200, "done".into()).await;
    app.finish().await.unwrap();
}

/// Two worker processes (two relays, two consumers) share one outbox: every
/// task is published once and done once.
#[tokio::test(flavor = "multi_thread")]
async fn two_workers_share_the_outbox_without_doing_anything_twice() {
    let app = TestApp::spawn().await;
    let second = lookbook_worker::Worker::build(app.env.config())
        .await
        .unwrap();
    let second_stats = second.stats();
    let stop = tokio_util::sync::CancellationToken::new();
    let running = tokio::spawn(second.run(stop.clone()));

    let keys = put_objects(&app, "shared", 60).await;
    for key in &keys {
        app.enqueue(&Task::DeleteObjects {
            keys: vec![key.clone()],
        })
        .await;
    }
    let all_done = eventually(Duration::from_secs(30), || async {
        app.unfinished_tasks().await.is_empty()
    })
    .await;
    assert!(all_done);
    assert_eq!(remaining(&app, &keys).await, 0);
    let done = Stats::get(&app.stats().done) + Stats::get(&second_stats.done);
    let duplicates = Stats::get(&app.stats().duplicates) + Stats::get(&second_stats.duplicates);
    assert_eq!(done, 60);
    assert_eq!(duplicates, 0, "a task was published twice");
    stop.cancel();
    running.await.unwrap();
    app.finish().await.unwrap();
}

/// A worker limited to image kinds leaves the other kinds to a worker that
/// takes them: image processing and the light kinds scale apart.
#[tokio::test(flavor = "multi_thread")]
async fn a_worker_takes_only_its_task_kinds() {
    let mut env = lookbook_testkit::TestEnv::new().await;
    env.set("WORKER_TASK_KINDS", "process_media,process_profile_image");
    let app = TestApp::spawn_with(env, true).await;
    let keys = put_objects(&app, "kinds", 2).await;
    let id = app
        .enqueue(&Task::DeleteObjects { keys: keys.clone() })
        .await;
    // Published (the relay runs), but nobody here consumes deletions.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        remaining(&app, &keys).await,
        2,
        "an image worker deleted objects"
    );
    assert_eq!(app.unfinished_tasks().await, vec![id]);

    let mut config = app.env.config();
    config.amqp.consume_kinds = vec!["delete_objects"];
    let other = lookbook_worker::Worker::build(config).await.unwrap();
    let stop = tokio_util::sync::CancellationToken::new();
    let running = tokio::spawn(other.run(stop.clone()));
    let gone = eventually(Duration::from_secs(60), || async {
        remaining(&app, &keys).await == 0 && app.unfinished_tasks().await.is_empty()
    })
    .await;
    assert!(gone, "the worker for deletions did not take the task");
    stop.cancel();
    running.await.unwrap();
    app.finish().await.unwrap();
}
