//! RabbitMQ restarted while tasks flow: none is lost. This restarts the
//! broker of `AMQP_URL` (`rabbitmqctl stop_app`, then `start_app`), so it is
//! a test binary of its own: cargo runs test binaries one after another, and
//! no other test shares the broker while it is down.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::time::Duration;

use lookbook_core::tasks::Task;
use lookbook_testkit::{TestApp, eventually};

fn rabbitmqctl(args: &[&str]) -> bool {
    std::process::Command::new("rabbitmqctl")
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Starts the broker again however the test ends.
struct StartAgain;

impl Drop for StartAgain {
    fn drop(&mut self) {
        rabbitmqctl(&["start_app"]);
        rabbitmqctl(&["await_startup"]);
    }
}

/// Tasks written before, during and after a broker restart are all done,
/// each once: the outbox holds them while the broker is away, durable
/// queues keep what was published, and unacknowledged deliveries come back.
#[tokio::test(flavor = "multi_thread")]
async fn tasks_flowing_through_a_broker_restart_are_all_done() {
    let app = TestApp::spawn().await;
    let storage = app.env.storage();
    let mut keys = Vec::new();
    let mut written = 0;
    let mut restarted = false;
    let mut guard = None;
    for round in 0..60 {
        let key = format!("restart/{round}.jpg");
        storage
            .put(&key, vec![0xff, 0xd8, 0xff], "image/jpeg")
            .await
            .unwrap();
        app.enqueue(&Task::DeleteObjects {
            keys: vec![key.clone()],
        })
        .await;
        keys.push(key);
        written += 1;
        if round == 20 {
            guard = Some(StartAgain);
            assert!(
                rabbitmqctl(&["stop_app"]),
                "rabbitmqctl stop_app failed: this test restarts the local broker and needs \
                 rabbitmqctl (run as root or the rabbitmq user)"
            );
        }
        if round == 35 {
            drop(guard.take());
            restarted = true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(restarted);
    let all_done = eventually(Duration::from_secs(90), || async {
        app.unfinished_tasks().await.is_empty()
    })
    .await;
    let unfinished = app.unfinished_tasks().await;
    assert!(all_done, "unfinished after the restart: {unfinished:?}");
    let done: i64 = sqlx::query_scalar("select count(*) from task_done")
        .fetch_one(&app.env.db)
        .await
        .unwrap();
    let mut left = 0;
    for key in &keys {
        if storage.exists(key).await.unwrap() {
            left += 1;
        }
    }
    println!(
        "broker restart: {written} tasks written (15 while the broker was down), {done} done, \
         {left} objects left"
    );
    assert_eq!(done, written, "tasks done");
    assert_eq!(left, 0, "objects not deleted");
    app.finish().await.unwrap();
}
