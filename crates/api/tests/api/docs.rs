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

/// Every operation documents the answers any request may get (a refused
/// token, the request limit, load shedding) with the error body, and
/// parameters say what the server accepts: ids are digits, `limit` starts
/// at 1, booleans are read the Mastodon way.
#[tokio::test(flavor = "multi_thread")]
async fn every_operation_documents_common_answers_and_parameter_rules() {
    let app = TestApp::spawn().await;
    let (_, doc) = app.get_json("/api/openapi.json").await;
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            for status in ["400", "401", "429", "503"] {
                assert!(
                    op["responses"][status].is_object(),
                    "{method} {path} does not document {status}"
                );
            }
        }
    }
    assert!(operations >= 70, "{operations} operations");
    let param = |path: &str, name: &str| {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{path} {name} missing"))
            .clone()
    };
    let profile = "/api/v1/accounts/{id}/statuses";
    assert_eq!(param(profile, "id")["schema"]["pattern"], "^[0-9]{1,18}$");
    assert_eq!(param(profile, "only_media")["schema"]["type"], "string");
    assert_eq!(
        param("/api/v2/search", "max_id")["schema"]["pattern"],
        "^[0-9]{0,18}$"
    );
    assert_eq!(param("/api/v2/search", "limit")["schema"]["minimum"], 1);
}
