//! Web Push end to end: the API, the worker and a push service on loopback
//! that plays the browser (`tests/python/web_push.py`).

use lookbook_testkit::nginx::free_port;
use lookbook_testkit::{TestApp, TestEnv};
use reqwest::StatusCode;
use serde_json::Value;

use crate::mastodon_py::python;

/// Mastodon.py subscribes and decrypts what arrives; a browser-style
/// standard subscription is decrypted with http_ece; every push carries a
/// VAPID token signed with the announced key. A 500 is retried and sent
/// once, a 410 deletes the subscription, alerts and the policy decide what
/// is pushed, and a push service that hangs does not hold up photos (the
/// worker here has few turns: pushes that took them would stall images).
#[tokio::test(flavor = "multi_thread")]
async fn web_push_reaches_the_browser_encrypted_and_signed() {
    let mut env = TestEnv::new().await;
    let port = free_port();
    env.set("LOOKBOOK_BIND", format!("127.0.0.1:{port}"));
    env.set("LOOKBOOK_PUBLIC_URL", format!("http://127.0.0.1:{port}"));
    env.set("LIMIT_API_PER_TOKEN", "1000000");
    env.set("DATABASE_MAX_CONNECTIONS", "6");
    env.set("WORKER_PUSH_CONCURRENCY", "2");
    env.set("OUTBOUND_TIMEOUT_MS", "3000");
    // The push service is on loopback.
    env.set("PUSH_ALLOW_PRIVATE_ADDRESSES", "true");
    let app = TestApp::spawn_with(env, true).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/web_push.py");
    python(script, std::slice::from_ref(&app.address), "web push: ok").await;
    app.finish().await.unwrap();
}

/// A valid subscription key pair (RFC 8291's example receiver).
const P256DH: &str =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";

/// Outside a lab, a push endpoint must be https on the public internet
/// (so a subscription cannot aim the worker at its own network); a revoked
/// token's subscription ends with it; subscribing twice keeps one.
#[tokio::test(flavor = "multi_thread")]
async fn endpoints_must_be_public_and_revocation_ends_the_subscription() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let client = app.register_client("read write push").await;
    let granted = app
        .token_request(
            &client,
            &[
                ("grant_type", "password"),
                ("username", "ann"),
                ("password", ann.password.as_str()),
                ("scope", "read write push"),
            ],
        )
        .await;
    let granted: Value = granted.json().await.unwrap();
    let token = granted["access_token"].as_str().unwrap().to_string();
    let subscribe = |endpoint: &'static str| {
        let token = token.clone();
        let app = &app;
        async move {
            let response = app
                .post_as(
                    &token,
                    "/api/v1/push/subscription",
                    &[
                        ("subscription[endpoint]", endpoint),
                        ("subscription[keys][p256dh]", P256DH),
                        ("subscription[keys][auth]", AUTH),
                        ("data[alerts][favourite]", "true"),
                    ],
                )
                .await;
            let status = response.status();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    for (endpoint, why) in [
        ("http://push.example.com/p", "https"),
        ("https://127.0.0.1/p", "public"),
        ("https://[::1]:8443/p", "public"),
        ("https://169.254.169.254/latest", "public"),
        ("https://exa mple.com/p", "URL"),
    ] {
        let (status, body) = subscribe(endpoint).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{endpoint}");
        assert!(body["error"].as_str().unwrap().contains(why), "{body}");
    }
    let (status, first) = subscribe("https://push.example.com/p/1").await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["alerts"]["favourite"], true);
    let (_, second) = subscribe("https://push.example.com/p/2").await;
    assert_ne!(first["id"], second["id"]);
    let shown = app.get_as(&token, "/api/v1/push/subscription").await;
    let shown: Value = shown.json().await.unwrap();
    assert_eq!(shown["endpoint"], "https://push.example.com/p/2");

    let revoked = app.revoke(&client, &token).await;
    assert_eq!(revoked.status(), StatusCode::OK);
    let left: i64 = sqlx::query_scalar("select count(*) from push_subscriptions")
        .fetch_one(&app.env.db)
        .await
        .unwrap();
    assert_eq!(left, 0, "the revoked token's subscription is still kept");
    app.finish().await.unwrap();
}
