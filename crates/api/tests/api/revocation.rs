//! Revocation holds through a Redis outage: the revoking transaction also
//! writes a task that marks the token in the cache once Redis answers.

use std::time::Duration;

use lookbook_testkit::{TestApp, TestEnv, eventually};
use reqwest::StatusCode;

/// A token cached in Redis, then revoked while Redis is unreachable: once
/// Redis is back, the stale cached grant does not let the token in again.
#[tokio::test(flavor = "multi_thread")]
async fn a_token_revoked_while_redis_is_down_stays_revoked_when_it_returns() {
    let mut env = TestEnv::new().await;
    let redis = env.proxy("REDIS_URL").await;
    let app = TestApp::spawn_with(env, true).await;
    let ann = app.sign_up("ann").await;
    let client = app.register_client("read").await;
    let granted = app.password_grant(&client, "ann", &ann.password).await;
    let token = granted["access_token"].as_str().unwrap().to_string();
    // The lookup caches the grant in Redis.
    let me = app
        .get_as(&token, "/api/v1/accounts/verify_credentials")
        .await;
    assert_eq!(me.status(), StatusCode::OK);

    redis.set_up(false);
    let revoked = app.revoke(&client, &token).await;
    assert_eq!(revoked.status(), StatusCode::OK);
    // Let the worker's first attempts fail against the missing Redis.
    tokio::time::sleep(Duration::from_millis(500)).await;
    redis.set_up(true);

    let refused = eventually(Duration::from_secs(10), || async {
        app.get_as(&token, "/api/v1/accounts/verify_credentials")
            .await
            .status()
            == StatusCode::UNAUTHORIZED
    })
    .await;
    assert!(refused, "the revoked token works again with Redis back");
    // And it stays refused.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let response = app
            .get_as(&token, "/api/v1/accounts/verify_credentials")
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    app.finish().await.unwrap();
}
