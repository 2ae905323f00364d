//! The task pipeline end to end: outbox, relay, RabbitMQ, worker, S3, against
//! the real services. One binary, one module per concern.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod delivery;
mod emoji;
mod failures;
mod kill;
mod media;
mod metrics;

use lookbook_testkit::TestApp;

/// Puts `n` objects in the test bucket and returns their keys.
pub async fn put_objects(app: &TestApp, prefix: &str, n: usize) -> Vec<String> {
    let storage = app.env.storage();
    let mut keys = Vec::new();
    for i in 0..n {
        let key = format!("{prefix}/{i}.jpg");
        storage
            .put(&key, vec![0xff, 0xd8, 0xff], "image/jpeg")
            .await
            .unwrap();
        keys.push(key);
    }
    keys
}

/// How many of `keys` still exist.
pub async fn remaining(app: &TestApp, keys: &[String]) -> usize {
    let storage = app.env.storage();
    let mut n = 0;
    for key in keys {
        if storage.exists(key).await.unwrap() {
            n += 1;
        }
    }
    n
}
