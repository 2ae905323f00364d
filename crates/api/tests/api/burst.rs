//! A burst of ordinary writes: the worker takes only the work it has
//! database connections for, and every post reaches every follower.

use std::time::Duration;

use std::sync::atomic::Ordering;

use lookbook_testkit::{TestApp, TestEnv, eventually};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::statuses::post;

/// Thirty followers, then their author posts thirty times at once, with a
/// worker that could hold far more tasks (prefetch 16 per kind) than it has
/// connections (6): no task fails, none is parked, and every post is in
/// every follower's home timeline.
#[tokio::test(flavor = "multi_thread")]
async fn a_burst_of_posts_reaches_every_follower_without_a_failed_task() {
    let mut env = TestEnv::new().await;
    env.set("DATABASE_MAX_CONNECTIONS", "6");
    env.set("WORKER_PREFETCH", "16");
    let app = TestApp::spawn_with(env, true).await;
    let author = app.sign_up("author").await;
    let mut followers = Vec::new();
    for i in 0..30 {
        let member = app.sign_up(&format!("fan{i}")).await;
        let (status, body) = app
            .act(
                &member,
                &format!("/api/v1/accounts/{}/follow", author.id),
                &[],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        followers.push(member);
    }
    // Each follower's feed exists before the burst (a first read builds it),
    // so the posts in it afterwards are the fan-out's doing, not a rebuild's.
    for member in &followers {
        let response = app.get_as(&member.token, "/api/v1/timelines/home").await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    // Let the follows' own feed refreshes finish first.
    assert!(
        eventually(Duration::from_secs(60), || async {
            app.unfinished_tasks().await.is_empty()
        })
        .await
    );

    let posting: Vec<_> = (0..30)
        .map(|i| {
            let (app, author) = (&app, &author);
            async move { post(app, author, json!({ "status": format!("Look {i}") })).await }
        })
        .collect();
    let mut posted = Vec::new();
    for (status, body) in futures_util::future::join_all(posting).await {
        assert_eq!(status, StatusCode::OK, "{body}");
        posted.push(body["id"].as_str().unwrap().to_string());
    }
    let settled = eventually(Duration::from_secs(120), || async {
        app.unfinished_tasks().await.is_empty()
    })
    .await;
    assert!(settled, "{} tasks left", app.unfinished_tasks().await.len());
    assert_eq!(app.stats().parked.load(Ordering::SeqCst), 0, "parked tasks");
    assert_eq!(
        app.stats().failed.load(Ordering::SeqCst),
        0,
        "failed attempts"
    );
    for member in &followers {
        let response = app
            .get_as(&member.token, "/api/v1/timelines/home?limit=40")
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let page: Value = response.json().await.unwrap();
        let home: Vec<&str> = page
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap())
            .collect();
        for id in &posted {
            assert!(
                home.contains(&id.as_str()),
                "{} misses {id}",
                member.username
            );
        }
    }
    app.finish().await.unwrap();
}
