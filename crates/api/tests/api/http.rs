//! What every request gets: request ids, JSON errors, CORS, the body limit
//! and the per-request timeout.

use std::time::{Duration, Instant};

use lookbook_testkit::{TestApp, TestEnv};
use reqwest::StatusCode;

/// An id sent by nginx (or a client) is kept and echoed; without one the
/// server makes one, different for each request.
#[tokio::test(flavor = "multi_thread")]
async fn request_ids_are_kept_or_made() {
    let app = TestApp::spawn().await;
    let sent = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "edge-1234")
        .send()
        .await
        .unwrap();
    assert_eq!(sent.headers()["x-request-id"], "edge-1234");

    let first = app.get("/healthz").await.headers()["x-request-id"].clone();
    let second = app.get("/healthz").await.headers()["x-request-id"].clone();
    assert_eq!(first.len(), 36, "a UUID: {first:?}");
    assert_ne!(first, second);
}

/// Unknown paths and wrong methods answer Mastodon-style JSON errors.
#[tokio::test(flavor = "multi_thread")]
async fn unknown_routes_and_methods_answer_json_errors() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get_json("/api/v1/no_such_thing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "Not found");

    let response = app
        .client
        .delete(app.url("/api/v1/instance"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "Method not allowed");
}

/// A browser's preflight from another origin is allowed when CORS allows any
/// origin, and refused for an origin outside a configured list.
#[tokio::test(flavor = "multi_thread")]
async fn cors_follows_the_configured_origins() {
    let app = TestApp::spawn().await;
    let preflight = |app: &TestApp, origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/instance"))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .send()
    };
    let response = preflight(&app, "https://app.example").await.unwrap();
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    app.finish().await.unwrap();

    let mut env = TestEnv::new().await;
    env.set("CORS_ALLOWED_ORIGINS", "https://web.lookbook.test");
    let app = TestApp::spawn_with(env, false).await;
    let allowed = preflight(&app, "https://web.lookbook.test").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://web.lookbook.test"
    );
    let refused = preflight(&app, "https://evil.example").await.unwrap();
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

/// A web client on another origin may send `Authorization`: the preflight
/// names the headers it asked for (a `*` would not cover `Authorization`),
/// and the answer lets the script read the pagination and rate-limit
/// headers.
#[tokio::test(flavor = "multi_thread")]
async fn a_signed_in_request_from_another_origin_passes_the_preflight() {
    let app = TestApp::spawn().await;
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/timelines/home"))
        .header("origin", "https://phanpy.example")
        .header("access-control-request-method", "GET")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    let allowed = preflight.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(allowed.contains("authorization"), "{allowed}");
    assert_ne!(allowed, "*");
    let member = app.sign_up("ana").await;
    let answer = app
        .client
        .get(app.url("/api/v1/timelines/home"))
        .header("origin", "https://phanpy.example")
        .bearer_auth(&member.token)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let exposed = answer.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for header in ["link", "x-ratelimit-remaining", "x-request-id"] {
        assert!(exposed.contains(header), "{exposed}");
    }
    app.finish().await.unwrap();
}

/// A body over the limit is refused with 413 before any handler reads it.
#[tokio::test(flavor = "multi_thread")]
async fn bodies_over_the_limit_are_refused() {
    let mut env = TestEnv::new().await;
    env.set("MAX_BODY_BYTES", "1024");
    let app = TestApp::spawn_with(env, false).await;
    let big = app
        .client
        .post(app.url("/api/v1/instance"))
        .body(vec![b'x'; 4096])
        .send()
        .await
        .unwrap();
    assert_eq!(big.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let small = app
        .client
        .post(app.url("/api/v1/instance"))
        .body(vec![b'x'; 512])
        .send()
        .await
        .unwrap();
    assert_eq!(small.status(), StatusCode::METHOD_NOT_ALLOWED);
}

/// A request stuck on a slow dependency is cut at the request timeout with a
/// 503, instead of holding the client for as long as the dependency takes.
#[tokio::test(flavor = "multi_thread")]
async fn slow_requests_are_cut_at_the_timeout() {
    let mut env = TestEnv::new().await;
    let s3 = env.proxy("S3_ENDPOINT").await;
    env.set("REQUEST_TIMEOUT_MS", "300");
    let app = TestApp::spawn_with(env, false).await;
    s3.set_latency(Duration::from_secs(3));
    let started = Instant::now();
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "answered after {:?}, not at the 300 ms timeout",
        started.elapsed()
    );
}
