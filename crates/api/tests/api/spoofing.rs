//! Client addresses: an instance believes `X-Forwarded-For` only from the
//! load balancer, so limits counted per address cannot be dodged by a
//! program that talks to an instance directly.

use lookbook_testkit::nginx::Nginx;
use lookbook_testkit::{TestApp, TestEnv};
use reqwest::StatusCode;

/// Two failed sign-ins through nginx use up the address's allowance of two;
/// a third, sent straight to the instance with an invented
/// `X-Forwarded-For`, is counted against the same real address and refused.
#[tokio::test(flavor = "multi_thread")]
async fn an_invented_forwarded_address_does_not_reset_the_sign_in_limit() {
    let mut env = TestEnv::new().await;
    env.set("LIMIT_SIGNINS_PER_IP", "2");
    let app = TestApp::spawn_with(env, false).await;
    let nginx = Nginx::start([app.port, app.port]).await;
    let client = app.register_client("read").await;
    let attempt = |base: String, username: &'static str, forwarded: &'static str| {
        let (app, client) = (&app, &client);
        async move {
            app.client
                .post(format!("{base}/oauth/token"))
                .header("x-forwarded-for", forwarded)
                .form(&[
                    ("client_id", client.client_id.as_str()),
                    ("client_secret", client.client_secret.as_str()),
                    ("grant_type", "password"),
                    ("username", username),
                    ("password", "wrong password"),
                ])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let through_nginx = nginx.url("");
    assert_eq!(
        attempt(through_nginx.clone(), "ann", "203.0.113.1").await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        attempt(through_nginx, "bob", "203.0.113.2").await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        attempt(app.address.clone(), "cat", "203.0.113.3").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}
