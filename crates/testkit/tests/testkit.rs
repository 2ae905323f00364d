//! The guarantees the test kit and the database give every other test.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::HashSet;
use std::time::Duration;

use lookbook_core::db::ids;
use lookbook_core::tasks::Task;
use lookbook_testkit::{TestApp, TestEnv};

/// A test that leaves a task unprocessed fails, naming the task.
#[tokio::test(flavor = "multi_thread")]
async fn a_test_that_leaves_a_task_unprocessed_fails() {
    let app = TestApp::spawn_with(TestEnv::new().await, false).await;
    let id = app
        .enqueue(&Task::DeleteObjects {
            keys: vec!["x.jpg".into()],
        })
        .await;
    let problem = app.finish().await.unwrap_err();
    assert!(problem.contains(&id.to_string()), "{problem}");
}

/// Two environments share no data: each has its own database.
#[tokio::test(flavor = "multi_thread")]
async fn environments_are_isolated() {
    let a = TestEnv::new().await;
    let b = TestEnv::new().await;
    assert_ne!(a.db_name, b.db_name);
    let mut tx = a.db.begin().await.unwrap();
    lookbook_core::tasks::enqueue(&mut tx, &Task::DeleteObjects { keys: vec![] })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(lookbook_core::db::outbox::backlog(&a.db).await.unwrap(), 1);
    assert_eq!(lookbook_core::db::outbox::backlog(&b.db).await.unwrap(), 0);
    a.cleanup().await;
    b.cleanup().await;
}

/// Ids made concurrently on many connections never collide.
#[tokio::test(flavor = "multi_thread")]
async fn ids_are_unique_under_concurrency() {
    let env = TestEnv::new().await;
    let mut handles = Vec::new();
    for _ in 0..4 {
        let db = env.db.clone();
        handles.push(tokio::spawn(async move {
            let mut made = Vec::new();
            for _ in 0..2500 {
                made.push(ids::next(&db).await.unwrap());
            }
            made
        }));
    }
    let mut all = HashSet::new();
    for handle in handles {
        for id in handle.await.unwrap() {
            assert!(all.insert(id), "duplicate id {id}");
        }
    }
    assert_eq!(all.len(), 10_000);
    env.cleanup().await;
}

/// Ids sort by creation time and carry it, to the millisecond.
#[tokio::test(flavor = "multi_thread")]
async fn ids_sort_by_time_and_carry_it() {
    let env = TestEnv::new().await;
    let before = std::time::SystemTime::now();
    let first = ids::next(&env.db).await.unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let second = ids::next(&env.db).await.unwrap();
    assert!(second > first);
    let made = ids::created_at(first);
    let skew = made.duration_since(before).unwrap_or_else(|e| e.duration());
    assert!(skew < Duration::from_secs(5), "id time off by {skew:?}");
    assert!(ids::lower_bound(before) <= first);
    env.cleanup().await;
}
