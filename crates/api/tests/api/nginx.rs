//! The project's nginx configuration in front of two instances.

use lookbook_testkit::TestApp;
use lookbook_testkit::nginx::Nginx;
use reqwest::StatusCode;

/// nginx serves through either instance, passes the request id through, and
/// when one instance dies every request still succeeds on the other.
#[tokio::test(flavor = "multi_thread")]
async fn requests_survive_the_loss_of_one_instance() {
    let mut first = TestApp::spawn().await;
    let second = TestApp::spawn().await;
    let nginx = Nginx::start([first.port, second.port]).await;
    let client = reqwest::Client::new();

    let response = client
        .get(nginx.url("/readyz"))
        .header("x-request-id", "phone-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-request-id"], "phone-42");
    let minted = client.get(nginx.url("/healthz")).send().await.unwrap();
    assert!(!minted.headers()["x-request-id"].is_empty());

    first.stop_api().await;
    for i in 0..20 {
        let response = client
            .get(nginx.url("/api/v2/instance"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "request {i} after one instance died"
        );
    }
}
