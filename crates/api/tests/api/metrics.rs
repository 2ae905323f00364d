//! `/metrics`.

use std::time::Duration;

use lookbook_core::tasks::Task;
use lookbook_testkit::{TestApp, TestEnv, eventually};
use reqwest::StatusCode;

async fn scrape(app: &TestApp) -> String {
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

fn has_line(text: &str, name: &str, parts: &[&str]) -> bool {
    text.lines()
        .any(|l| l.starts_with(name) && parts.iter().all(|p| l.contains(p)))
}

/// Requests are counted and timed by route template and status, and the
/// pools are reported.
#[tokio::test(flavor = "multi_thread")]
async fn requests_are_counted_and_timed_by_route() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/instance").await;
    app.get("/api/v1/nowhere/123").await;
    let text = scrape(&app).await;
    let instance = [
        r#"route="/api/v1/instance""#,
        r#"status="200""#,
        r#"method="GET""#,
    ];
    assert!(has_line(&text, "http_requests_total{", &instance), "{text}");
    assert!(
        has_line(&text, "http_request_duration_seconds_bucket{", &instance),
        "{text}"
    );
    // Unknown paths share one series instead of making one per path.
    assert!(has_line(
        &text,
        "http_requests_total{",
        &[r#"route="unmatched""#, r#"status="404""#]
    ));
    assert!(!text.contains("/api/v1/nowhere/123"));
    assert!(
        has_line(&text, "db_pool_connections{", &[r#"pool="primary""#]),
        "{text}"
    );
    assert!(has_line(&text, "redis_pool_connections{", &[]), "{text}");
}

/// The outbox backlog shows tasks waiting while the broker is unreachable,
/// and drops to zero once they are relayed.
#[tokio::test(flavor = "multi_thread")]
async fn the_outbox_backlog_is_reported() {
    let mut env = TestEnv::new().await;
    let broker = env.proxy("AMQP_URL").await;
    broker.set_up(false);
    let app = TestApp::spawn_with(env, true).await;
    for _ in 0..3 {
        app.enqueue(&Task::DeleteObjects {
            keys: vec!["gone/never-existed.jpg".into()],
        })
        .await;
    }
    // The gauge lives in the process-wide recorder, which other tests'
    // instances also set when scraped: ask until this instance's value shows.
    let backlog = eventually(Duration::from_secs(10), || async {
        scrape(&app).await.lines().any(|l| l == "outbox_backlog 3")
    })
    .await;
    assert!(backlog, "the backlog of 3 was never reported");

    broker.set_up(true);
    let drained = eventually(Duration::from_secs(20), || async {
        scrape(&app).await.lines().any(|l| l == "outbox_backlog 0")
    })
    .await;
    assert!(drained, "the backlog never reached 0");
}

/// While the broker is unreachable, a new post waits to be fanned out and
/// the fan-out lag grows; once relayed and fanned out, it is back to zero.
#[tokio::test(flavor = "multi_thread")]
async fn the_fan_out_lag_is_reported() {
    let mut env = TestEnv::new().await;
    let broker = env.proxy("AMQP_URL").await;
    let app = TestApp::spawn_with(env, true).await;
    let ann = app.sign_up("ann").await;
    broker.set_up(false);
    let (status, _) = app
        .act(&ann, "/api/v1/statuses", &[("status", "hello")])
        .await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let lag = |text: String| {
        text.lines()
            .find_map(|l| l.strip_prefix("lookbook_fanout_lag_seconds "))
            .map(|v| v.parse::<f64>().unwrap())
    };
    let waiting = lag(scrape(&app).await).unwrap();
    assert!(waiting >= 1.0, "lag {waiting}");
    broker.set_up(true);
    let caught_up = eventually(Duration::from_secs(20), || async {
        lag(scrape(&app).await) == Some(0.0)
    })
    .await;
    assert!(caught_up, "the fan-out lag never returned to 0");
}
