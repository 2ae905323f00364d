//! `/healthz` and `/readyz`.

use std::time::Duration;

use lookbook_testkit::{TestApp, TestEnv, eventually};
use reqwest::StatusCode;

/// A live instance says so.
#[tokio::test(flavor = "multi_thread")]
async fn healthz_answers_ok() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get_json("/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
}

/// The benchmarks' ceiling answers a fixed text, as plain text.
#[tokio::test(flavor = "multi_thread")]
async fn hello_answers_a_fixed_text() {
    let app = TestApp::spawn().await;
    let response = app.get("/hello").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(response.text().await.unwrap(), "Hello, world!");
}

/// With every service up, readiness lists each one as ok.
#[tokio::test(flavor = "multi_thread")]
async fn readyz_reports_every_dependency_ok() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get_json("/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for dep in ["postgres", "redis", "memcached", "s3"] {
        assert_eq!(body["checks"][dep], "ok", "{body}");
    }
}

/// The variable that points the app at a dependency, and that dependency's
/// name in the readiness answer.
const DEPENDENCIES: &[(&str, &str)] = &[
    ("memcached", "MEMCACHED_SERVERS"),
    ("redis", "REDIS_URL"),
    ("s3", "S3_ENDPOINT"),
    ("postgres", "DATABASE_URL"),
];

/// When one dependency stops answering, readiness names it (and only it):
/// PostgreSQL's primary down is 503 (nothing can be served); a shared cache
/// or S3 down is 200 `degraded`, so a shared outage does not take every
/// instance out of the load balancer. When it comes back, readiness
/// recovers by itself.
#[tokio::test(flavor = "multi_thread")]
async fn readyz_names_the_dependency_that_is_down_and_recovers() {
    for (name, var) in DEPENDENCIES {
        let mut env = TestEnv::new().await;
        let proxy = env.proxy(var).await;
        let app = TestApp::spawn_with(env, false).await;
        let (status, _) = app.get_json("/readyz").await;
        assert_eq!(status, StatusCode::OK, "{name} through the proxy");

        proxy.set_up(false);
        let (status, body) = app.get_json("/readyz").await;
        if *name == "postgres" {
            assert_eq!(
                status,
                StatusCode::SERVICE_UNAVAILABLE,
                "{name} down: {body}"
            );
            assert_eq!(body["error"], format!("not ready: {name} down"), "{body}");
        } else {
            assert_eq!(status, StatusCode::OK, "{name} down: {body}");
            assert_eq!(body["status"], "degraded", "{body}");
            assert_eq!(body["error"], format!("degraded: {name} down"), "{body}");
        }
        assert_ne!(body["checks"][name], "ok");
        for (other, _) in DEPENDENCIES.iter().filter(|(n, _)| n != name) {
            assert_eq!(
                body["checks"][other], "ok",
                "{other} while {name} is down: {body}"
            );
        }
        // Liveness does not depend on anything else.
        assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);

        proxy.set_up(true);
        let recovered = eventually(Duration::from_secs(10), || async {
            let (status, body) = app.get_json("/readyz").await;
            status == StatusCode::OK && body["status"] == "ok"
        })
        .await;
        assert!(recovered, "{name} came back but readiness did not recover");
        app.finish().await.unwrap();
    }
}
