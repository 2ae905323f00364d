//! Reads and the replica: with one configured, timelines, profiles and
//! visibility checks read from it, except for a member who just wrote.

use lookbook_testkit::{TestApp, TestEnv};
use reqwest::StatusCode;
use serde_json::json;

use super::statuses::{ids, post};

/// The "replica" here is another database with the same schema and none of
/// the primary's posts, so where each read went shows in what it returns.
#[tokio::test(flavor = "multi_thread")]
async fn reads_use_the_replica_but_a_writer_sees_their_own_writes() {
    let replica = TestEnv::new().await;
    let mut env = TestEnv::new().await;
    env.set(
        "DATABASE_REPLICA_URL",
        replica.var("DATABASE_URL").to_string(),
    );
    let app = TestApp::spawn_with(env, true).await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let (status, posted) = post(&app, &ann, json!({"status": "fresh look"})).await;
    assert_eq!(status, StatusCode::OK);
    let id = posted["id"].as_str().unwrap();

    // Ann just wrote: her reads go to the primary.
    let profile = format!("/api/v1/accounts/{}/statuses", ann.id);
    let (_, mine) = app.read(&ann, &profile).await;
    assert_eq!(ids(&mine), vec![id]);
    let (_, home) = app.read(&ann, "/api/v1/timelines/home").await;
    assert_eq!(ids(&home), vec![id]);
    // Others read the replica, which has not seen it.
    let (_, theirs) = app.read(&bob, &profile).await;
    assert_eq!(theirs, json!([]));
    let (_, anonymous) = app.get_json("/api/v1/timelines/public").await;
    assert_eq!(anonymous, json!([]));
    let (status, _) = app.get_json("/readyz").await;
    assert_eq!(status, StatusCode::OK);
    app.finish().await.unwrap();
    replica.cleanup().await;
}
