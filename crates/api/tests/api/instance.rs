//! `/api/v1/instance` and `/api/v2/instance`.

use lookbook_testkit::{TestApp, TestEnv};
use reqwest::StatusCode;

/// The limits announced are the configured ones, in Mastodon's fields, so
/// clients enforce what the server enforces.
#[tokio::test(flavor = "multi_thread")]
async fn v2_announces_the_configured_limits() {
    let mut env = TestEnv::new().await;
    env.set("LIMIT_STATUS_CHARS", "321");
    env.set("LIMIT_MEDIA_PER_STATUS", "7");
    env.set("LIMIT_PHOTO_BYTES", "1000000");
    env.set("LIMIT_ALT_TEXT_CHARS", "900");
    env.set("LIMIT_PAGE_MAX", "33");
    env.set("LOOKBOOK_INSTANCE_TITLE", "Runway");
    let app = TestApp::spawn_with(env, false).await;
    let (status, v2) = app.get_json("/api/v2/instance").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v2["domain"], "lookbook.test");
    assert_eq!(v2["title"], "Runway");
    let version = v2["version"].as_str().unwrap();
    assert!(
        version.starts_with("4.") && version.contains("Lookbook"),
        "{version}"
    );
    let config = &v2["configuration"];
    assert_eq!(config["statuses"]["max_characters"], 321);
    assert_eq!(config["statuses"]["max_media_attachments"], 7);
    assert_eq!(config["media_attachments"]["image_size_limit"], 1_000_000);
    assert_eq!(config["media_attachments"]["description_limit"], 900);
    assert_eq!(config["lookbook"]["page_max"], 33);
    let types = config["media_attachments"]["supported_mime_types"]
        .as_array()
        .unwrap();
    assert!(types.iter().any(|t| t == "image/jpeg"));
    assert_eq!(v2["contact"]["email"], "admin@lookbook.test");
    assert_eq!(v2["registrations"]["enabled"], true);
}

/// The v1 entity carries the same limits in its own shape.
#[tokio::test(flavor = "multi_thread")]
async fn v1_has_the_older_shape_and_the_same_limits() {
    let app = TestApp::spawn().await;
    let (status, v1) = app.get_json("/api/v1/instance").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v1["uri"], "lookbook.test");
    assert_eq!(v1["email"], "admin@lookbook.test");
    assert!(v1["stats"]["user_count"].is_u64());
    assert_eq!(v1["configuration"]["statuses"]["max_characters"], 500);
    assert_eq!(
        v1["configuration"]["media_attachments"]["image_matrix_limit"],
        40_000_000
    );
}
