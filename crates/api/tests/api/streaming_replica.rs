//! A real streaming replica (`scripts/replica`, 127.0.0.1:5433, or
//! `TEST_REPLICA_URL`): reads go to it, a writer reads their own writes at
//! once, and reads go back to the primary while it lags too far or is gone.

use std::time::Duration;

use lookbook_testkit::env::with_database;
use lookbook_testkit::{Member, TestApp, TestEnv, eventually};
use reqwest::StatusCode;
use serde_json::json;
use sqlx::{Connection, PgConnection};

use super::statuses::{ids, post};

/// The replica's server, any database.
fn replica_server() -> String {
    std::env::var("TEST_REPLICA_URL")
        .unwrap_or_else(|_| "postgres://lookbook:lookbook@127.0.0.1:5433/postgres".into())
}

/// Pauses or resumes the replica's replay (the whole server).
async fn replay(pause: bool) {
    let mut conn = PgConnection::connect(&replica_server())
        .await
        .expect("the streaming replica (scripts/replica) answers");
    let sql = if pause {
        "select pg_wal_replay_pause()::text"
    } else {
        "select pg_wal_replay_resume()::text"
    };
    sqlx::query_scalar::<_, Option<String>>(sql)
        .fetch_one(&mut conn)
        .await
        .unwrap();
}

/// A gauge's value on the instance's `/metrics`.
async fn gauge(app: &TestApp, name: &str) -> Option<f64> {
    let text = app.get("/metrics").await.text().await.unwrap();
    text.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
}

async fn profile_ids(app: &TestApp, reader: &Member, of: &Member) -> Vec<String> {
    let (status, list) = app
        .read(reader, &format!("/api/v1/accounts/{}/statuses", of.id))
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    ids(&list).into_iter().map(String::from).collect()
}

/// Reads follow the replica as it streams, a writer sees their own post at
/// once, a paused replay sends reads back to the primary once the lag
/// passes the limit (and shows on `/metrics`), and a replica that stops
/// answering costs no request.
#[tokio::test(flavor = "multi_thread")]
async fn a_streaming_replica_is_read_until_it_lags_or_stops() {
    let mut env = TestEnv::new().await;
    let replica_url = with_database(&replica_server(), &env.db_name);
    // The new database reaches the replica through the stream.
    let arrived = eventually(Duration::from_secs(20), || async {
        PgConnection::connect(&replica_url).await.is_ok()
    })
    .await;
    assert!(arrived, "the test database never reached the replica");
    env.set("DATABASE_REPLICA_URL", replica_url);
    env.set("DATABASE_REPLICA_MAX_LAG_MS", "1000");
    let proxy = env.proxy("DATABASE_REPLICA_URL").await;
    let app = TestApp::spawn_with(env, true).await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;

    // Ann sees her post at once; Bob, a stranger, once the replica has it.
    let (status, first) = post(&app, &ann, json!({"status": "first look"})).await;
    assert_eq!(status, StatusCode::OK);
    let first = first["id"].as_str().unwrap().to_string();
    assert_eq!(profile_ids(&app, &ann, &ann).await, vec![first.clone()]);
    let streamed = eventually(Duration::from_secs(10), || async {
        profile_ids(&app, &bob, &ann).await == vec![first.clone()]
    })
    .await;
    assert!(streamed, "the replica never served the post");
    assert_eq!(gauge(&app, "lookbook_replica_up").await, Some(1.0));

    // Replay paused: the lag grows past the limit, and Bob's reads go to the
    // primary, where the new post is.
    replay(true).await;
    let (_, second) = post(&app, &ann, json!({"status": "paused look"})).await;
    let second = second["id"].as_str().unwrap().to_string();
    let lagging = eventually(Duration::from_secs(15), || async {
        gauge(&app, "lookbook_replica_lag_seconds")
            .await
            .is_some_and(|lag| lag > 1.0)
    })
    .await;
    let seen = profile_ids(&app, &bob, &ann).await;
    replay(false).await;
    assert!(lagging, "the lag never showed on /metrics");
    assert_eq!(
        seen,
        vec![second.clone(), first.clone()],
        "read past a lagging replica"
    );
    let caught_up = eventually(Duration::from_secs(15), || async {
        gauge(&app, "lookbook_replica_lag_seconds")
            .await
            .is_some_and(|lag| lag < 1.0)
    })
    .await;
    assert!(caught_up, "the replica did not catch up");

    // The replica stops answering: once noticed, every read is served.
    proxy.set_up(false);
    let noticed = eventually(Duration::from_secs(10), || async {
        gauge(&app, "lookbook_replica_up").await == Some(0.0)
    })
    .await;
    assert!(noticed, "the replica's absence never showed on /metrics");
    for _ in 0..10 {
        assert_eq!(
            profile_ids(&app, &bob, &ann).await,
            vec![second.clone(), first.clone()]
        );
        let (status, body) = app.read(&bob, "/api/v1/timelines/public").await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, ready) = app.get_json("/readyz").await;
    assert_eq!(status, StatusCode::OK, "{ready}");
    assert_eq!(ready["status"], "degraded", "{ready}");
    proxy.set_up(true);
    app.finish().await.unwrap();
}
