//! Lua scripts against the real Redis of `REDIS_URL`: called by hash, and
//! still working when the server has forgotten them (a restart, a flush).

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::time::Duration;

use deadpool_redis::redis;
use lookbook_core::config::RedisConfig;
use lookbook_core::feeds;
use lookbook_core::kv::Kv;

fn kv() -> Kv {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into());
    let prefix = format!(
        "test-scripts-{}-{}:",
        std::process::id(),
        rand::random::<u32>()
    );
    let config = RedisConfig {
        url: url.into(),
        pool_size: 2,
        key_prefix: prefix,
    };
    Kv::connect(&config, Duration::from_secs(5)).expect("a Redis pool")
}

/// Calls of each command so far, from `INFO commandstats`.
async fn calls(kv: &Kv, command: &str) -> u64 {
    let mut conn = kv.pool().get().await.unwrap();
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(&mut conn)
        .await
        .unwrap();
    let prefix = format!("cmdstat_{command}:calls=");
    info.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|rest| rest.split(',').next()?.parse().ok())
        .unwrap_or(0)
}

/// Fan-out into a feed runs by hash, and goes on working right after the
/// server dropped every script.
#[tokio::test]
async fn feed_pushes_run_by_hash_and_survive_a_script_flush() {
    let kv = kv();
    let account = 42;
    feeds::create(&kv, account).await.unwrap();
    let before = calls(&kv, "evalsha").await;
    for id in 1..=10 {
        feeds::push(&kv, &[account], &[id], 100).await.unwrap();
    }
    let after = calls(&kv, "evalsha").await;
    assert!(
        after >= before + 10,
        "EVALSHA calls went from {before} to {after}"
    );

    let mut conn = kv.pool().get().await.unwrap();
    let _: () = redis::cmd("SCRIPT")
        .arg("FLUSH")
        .query_async(&mut conn)
        .await
        .unwrap();
    drop(conn);
    feeds::push(&kv, &[account], &[11], 100).await.unwrap();
    let ids = feeds::range(&kv, account, None, None, false, 20)
        .await
        .unwrap()
        .expect("the feed exists");
    assert_eq!(ids, (1..=11).rev().collect::<Vec<i64>>());
    feeds::forget(&kv, account).await.unwrap();
}
