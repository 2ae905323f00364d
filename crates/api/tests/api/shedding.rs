//! Load shedding: past capacity, quick 503s with Retry-After instead of
//! unbounded waits; shed writes did nothing; reads are kept longest.

use std::time::Duration;

use lookbook_testkit::{TestApp, TestEnv};
use reqwest::StatusCode;
use serde_json::json;

use super::statuses::post;

/// Four turns and a slow database: a burst of likes and timeline reads gets
/// 200s and deliberate 503s with Retry-After, nothing else; the like count
/// afterwards is exactly the likes that were answered 200; reads are shed
/// less than writes.
#[tokio::test(flavor = "multi_thread")]
async fn over_capacity_answers_quick_503s_and_loses_nothing() {
    let mut env = TestEnv::new().await;
    env.set("MAX_IN_FLIGHT", "4");
    // Reads may wait 5 s for a turn, likes a fifth of that. A like gets a
    // freed turn only when no read waits, so after the first four turns
    // reads are served first however slowly the busy machine runs them;
    // with a short wait both classes would time out alike and the counts
    // would say nothing about priority.
    env.set("QUEUE_WAIT_MS", "5000");
    env.set("DATABASE_ACQUIRE_TIMEOUT_MS", "20000");
    let database = env.proxy("DATABASE_URL").await;
    let app = TestApp::spawn_with(env, true).await;
    let brand = app.sign_up("brand").await;
    let (_, posted) = post(&app, &brand, json!({"status": "Drop"})).await;
    let id = posted["id"].as_str().unwrap().to_string();
    let crowd = app.crowd("fan", 40).await;
    database.set_latency(Duration::from_millis(100));

    let requests: Vec<_> = crowd
        .iter()
        .flat_map(|member| {
            let like = app
                .client
                .post(app.url(&format!("/api/v1/statuses/{id}/favourite")))
                .bearer_auth(&member.token);
            let read = app
                .client
                .get(app.url("/api/v1/timelines/home"))
                .bearer_auth(&member.token);
            [("like", like), ("read", read)]
        })
        .map(|(kind, request)| {
            tokio::spawn(async move {
                let response = request.send().await.unwrap();
                let retry = response.headers().get("retry-after").is_some();
                (kind, response.status(), retry)
            })
        })
        .collect();
    let (mut liked, mut shed_likes, mut shed_reads) = (0, 0, 0);
    for request in requests {
        let (kind, status, retry) = request.await.unwrap();
        match (kind, status) {
            ("like", StatusCode::OK) => liked += 1,
            (_, StatusCode::SERVICE_UNAVAILABLE) => {
                assert!(retry, "a 503 without Retry-After");
                if kind == "like" {
                    shed_likes += 1;
                } else {
                    shed_reads += 1;
                }
            }
            ("read", StatusCode::OK) => {}
            (kind, status) => panic!("{kind}: {status}"),
        }
    }
    assert!(shed_likes + shed_reads > 0, "nothing was shed");
    assert!(
        shed_reads <= shed_likes,
        "reads shed {shed_reads}, likes {shed_likes}"
    );

    database.set_latency(Duration::ZERO);
    let (_, read) = app.get_json(&format!("/api/v1/statuses/{id}")).await;
    assert_eq!(
        read["favourites_count"], liked,
        "{liked} likes answered 200"
    );
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
    app.finish().await.unwrap();
}

/// One database connection, a slow database and a short acquire timeout:
/// readers who cannot get the connection in time are told 503 with
/// Retry-After and a reason, never 500; once the database is quick again,
/// reads succeed.
#[tokio::test(flavor = "multi_thread")]
async fn a_busy_database_pool_answers_503_with_retry_after() {
    let mut env = TestEnv::new().await;
    // Every request is admitted: this is about the pool, not the gate.
    env.set("MAX_IN_FLIGHT", "2000");
    env.set("QUEUE_WAIT_MS", "60000");
    env.set("DATABASE_MAX_CONNECTIONS", "1");
    env.set("DATABASE_ACQUIRE_TIMEOUT_MS", "200");
    let database = env.proxy("DATABASE_URL").await;
    let app = TestApp::spawn_with(env, true).await;
    let crowd = app.crowd("reader", 10).await;
    database.set_latency(Duration::from_millis(300));

    let reads: Vec<_> = crowd
        .iter()
        .map(|member| {
            let request = app
                .client
                .get(app.url("/api/v1/timelines/home"))
                .bearer_auth(&member.token);
            tokio::spawn(async move {
                let response = request.send().await.unwrap();
                let status = response.status();
                let retry = response.headers().get("retry-after").cloned();
                let body: serde_json::Value = response.json().await.unwrap_or_default();
                (status, retry, body)
            })
        })
        .collect();
    let mut busy = 0;
    for read in reads {
        let (status, retry, body) = read.await.unwrap();
        match status {
            StatusCode::OK => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                busy += 1;
                assert_eq!(retry.as_ref().map(|v| v.as_bytes()), Some(&b"1"[..]));
                assert!(
                    body["error"].as_str().is_some_and(|e| e.contains("busy")),
                    "{body}"
                );
            }
            other => panic!("{other}: {body}"),
        }
    }
    assert!(busy > 0, "every read got the one connection in time");

    database.set_latency(Duration::ZERO);
    let (status, _) = app.read(&crowd[0], "/api/v1/timelines/home").await;
    assert_eq!(status, StatusCode::OK);
    app.finish().await.unwrap();
}
