//! The OpenAPI document and the human docs.

use lookbook_testkit::TestApp;
use reqwest::StatusCode;

/// The OpenAPI document lists the routes the server serves.
#[tokio::test(flavor = "multi_thread")]
async fn openapi_lists_the_served_routes() {
    let app = TestApp::spawn().await;
    let (status, doc) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/healthz",
        "/readyz",
        "/metrics",
        "/hello",
        "/api/v1/instance",
        "/api/v2/instance",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} missing");
        // Every documented route is really served.
        assert_ne!(
            app.get(path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

/// `/api/docs` serves a page a person can read.
#[tokio::test(flavor = "multi_thread")]
async fn docs_page_is_served() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/docs/").await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.to_lowercase().contains("swagger"), "{html}");
}
