//! A worker process killed with SIGKILL in the middle of its work (photos
//! half processed, feeds half filled): the next worker does every task it
//! held, and nothing twice.

use std::process::Stdio;
use std::time::Duration;

use lookbook_testkit::{TestApp, TestEnv, eventually};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_lookbook-worker");

/// Photos submitted at once: enough that a worker is still busy with them
/// when it is killed.
const PHOTOS: usize = 24;

/// A `lookbook-worker run` process on `env`'s services.
fn worker(env: &TestEnv) -> Child {
    Command::new(BIN)
        .arg("run")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.vars())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start lookbook-worker")
}

/// Stores a photo as an upload and commits its media row and task, as the API does.
async fn submit(app: &TestApp, account_id: i64, n: usize) -> i64 {
    let shade = u8::try_from(n * 9 % 256).unwrap();
    let bytes = crate::media::photo(1600, 1200, [shade, 90, 140], [240, 240, 240]);
    crate::media::submit_named(app, account_id, &format!("look{n}"), bytes).await
}

async fn ready_count(app: &TestApp, ids: &[i64]) -> usize {
    let states: Vec<String> =
        sqlx::query_scalar("select state from media_attachments where id = any($1)")
            .bind(ids)
            .fetch_all(&app.env.db)
            .await
            .unwrap();
    states.iter().filter(|s| *s == "ready").count()
}

/// Killed while photos are being processed and posts fanned out, the worker
/// leaves no task undone once another worker runs: every photo is ready,
/// every follower's feed has every post, each task is recorded done once,
/// and nothing is parked.
#[tokio::test(flavor = "multi_thread")]
async fn a_worker_killed_mid_work_loses_and_doubles_nothing() {
    let app = TestApp::spawn_with(TestEnv::new().await, false).await;
    let author = app.sign_up("ann").await;
    let account_id: i64 = author.id.parse().unwrap();
    let mut followers = Vec::new();
    for i in 0..3 {
        let follower = app.sign_up(&format!("fan{i}")).await;
        let path = format!("/api/v1/accounts/{}/follow", author.id);
        let (status, _) = app.act(&follower, &path, &[]).await;
        assert!(status.is_success());
        followers.push(follower);
    }
    let mut ids = Vec::new();
    for n in 0..PHOTOS {
        ids.push(submit(&app, account_id, n).await);
    }
    let mut posts = Vec::new();
    for n in 0..10 {
        let text = format!("outfit {n}");
        let (status, body) = app
            .act(&author, "/api/v1/statuses", &[("status", text.as_str())])
            .await;
        assert!(status.is_success(), "{body}");
        posts.push(body["id"].as_str().unwrap().to_string());
    }

    let mut first = worker(&app.env);
    let started = eventually(Duration::from_secs(60), || async {
        ready_count(&app, &ids).await >= 1
    })
    .await;
    assert!(started, "the first worker processed nothing");
    first.start_kill().unwrap();
    first.wait().await.unwrap();
    let done_when_killed = ready_count(&app, &ids).await;
    assert!(
        done_when_killed < PHOTOS,
        "the worker finished everything before it was killed"
    );

    let mut second = worker(&app.env);
    let finished = eventually(Duration::from_secs(120), || async {
        ready_count(&app, &ids).await == PHOTOS && app.unfinished_tasks().await.is_empty()
    })
    .await;
    assert!(
        finished,
        "{} of {PHOTOS} photos ready, unfinished tasks {:?}",
        ready_count(&app, &ids).await,
        app.unfinished_tasks().await
    );
    for follower in &followers {
        let (_, home) = app.read(follower, "/api/v1/timelines/home").await;
        let mut seen: Vec<String> = home
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect();
        seen.sort();
        let mut expected = posts.clone();
        expected.sort();
        assert_eq!(seen, expected, "{}'s home", follower.username);
    }
    let outbox: i64 = sqlx::query_scalar("select count(*) from outbox")
        .fetch_one(&app.env.db)
        .await
        .unwrap();
    // Each task is recorded done in the transaction of its work, once (the
    // record is keyed by the task): as many done as written.
    let done: i64 = sqlx::query_scalar("select count(*) from task_done")
        .fetch_one(&app.env.db)
        .await
        .unwrap();
    assert_eq!(done, outbox, "{done} tasks done of {outbox} written");
    let parked = lookbook_worker::parked::list(&app.env.config())
        .await
        .unwrap();
    assert!(parked.is_empty(), "parked: {parked:?}");
    println!(
        "worker killed: {done_when_killed} of {PHOTOS} photos were ready; after the next worker: \
         {PHOTOS} ready, {done} tasks done of {outbox} written, none parked"
    );
    second.start_kill().unwrap();
    second.wait().await.unwrap();
    app.finish().await.unwrap();
}
