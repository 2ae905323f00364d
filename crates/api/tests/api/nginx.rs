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

/// A crowd of anonymous readers on one post, through nginx: the microcache
/// answers nearly all of them, the instances see about one request a second,
/// and a request with a token always reaches an instance and is never stored.
#[tokio::test(flavor = "multi_thread")]
async fn the_microcache_shields_the_instances_from_a_crowd() {
    let app = TestApp::spawn().await;
    let nginx = Nginx::start([app.port, app.port]).await;
    let ann = app.sign_up("ann").await;
    let (_, posted) =
        super::statuses::post(&app, &ann, serde_json::json!({"status": "Drop"})).await;
    let url = nginx.url(&format!(
        "/api/v1/statuses/{}",
        posted["id"].as_str().unwrap()
    ));
    let client = reqwest::Client::new();

    // 90 at once: within nginx's per-address burst allowance (one test
    // client stands in for a crowd of many addresses).
    let started = std::time::Instant::now();
    let readers: Vec<_> = (0..90)
        .map(|_| {
            let (client, url) = (client.clone(), url.clone());
            tokio::spawn(async move {
                let response = client.get(url).send().await.unwrap();
                let cache = response.headers()["x-cache-status"]
                    .to_str()
                    .unwrap()
                    .to_string();
                let request_id = response.headers().contains_key("x-request-id");
                (response.status(), cache, request_id)
            })
        })
        .collect();
    let mut upstream = 0;
    for reader in readers {
        let (status, cache, request_id) = reader.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{cache}");
        assert!(request_id, "the request id header is missing");
        if !matches!(cache.as_str(), "HIT" | "UPDATING" | "STALE") {
            upstream += 1;
        }
    }
    let seconds = started.elapsed().as_secs() + 1;
    assert!(
        upstream <= 2 * seconds,
        "{upstream} of 90 reached an instance in {seconds} s"
    );

    for _ in 0..3 {
        let response = client
            .get(&url)
            .bearer_auth(&ann.token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["x-cache-status"], "BYPASS");
        assert_eq!(response.headers()["cache-control"], "private, no-store");
    }
}
