//! The request limit per access token, shared by every instance, with
//! Mastodon's `X-RateLimit-*` headers.

use lookbook_api::Application;
use lookbook_testkit::{TestApp, TestEnv};
use reqwest::StatusCode;
use tokio_util::sync::CancellationToken;

/// Six requests allowed per window, one spent by signing up: a token spends
/// the other five across two instances (the count is shared), the headers
/// count down, the next is refused with 429 and `Retry-After` on either
/// instance, and another member is unaffected.
#[tokio::test(flavor = "multi_thread")]
async fn a_token_over_its_limit_is_refused_on_every_instance() {
    let mut env = TestEnv::new().await;
    env.set("LIMIT_API_PER_TOKEN", "6");
    let app = TestApp::spawn_with(env, false).await;
    let second = Application::build(app.env.config()).await.unwrap();
    let second_url = format!("http://127.0.0.1:{}", second.port());
    let stop = CancellationToken::new();
    let serving = tokio::spawn(second.run_until_stopped(stop.clone().cancelled_owned()));
    // Signing up reads the new member's credentials once with the token.
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;

    let bases = [
        &app.address,
        &second_url,
        &app.address,
        &second_url,
        &app.address,
    ];
    for (i, base) in bases.iter().enumerate() {
        let response = app
            .client
            .get(format!("{base}/api/v1/accounts/verify_credentials"))
            .bearer_auth(&ann.token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "request {i}");
        let headers = response.headers();
        assert_eq!(headers["x-ratelimit-limit"], "6");
        assert_eq!(
            headers["x-ratelimit-remaining"].to_str().unwrap(),
            (4 - i).to_string(),
            "request {i}"
        );
        let reset = headers["x-ratelimit-reset"].to_str().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(reset).is_ok(),
            "{reset}"
        );
    }
    for base in [&app.address, &second_url] {
        let refused = app
            .client
            .get(format!("{base}/api/v1/timelines/home"))
            .bearer_auth(&ann.token)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry: u64 = refused.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=300).contains(&retry), "{retry}");
        assert_eq!(refused.headers()["x-ratelimit-remaining"], "0");
        let body: serde_json::Value = refused.json().await.unwrap();
        assert_eq!(body["error"], "Too many requests");
    }
    let other = app
        .get_as(&bob.token, "/api/v1/accounts/verify_credentials")
        .await;
    assert_eq!(other.status(), StatusCode::OK);
    assert_eq!(other.headers()["x-ratelimit-remaining"], "4");
    stop.cancel();
    serving.await.unwrap().unwrap();
}
