//! `/api/v1/instance` and `/api/v2/instance`.

use lookbook_testkit::{TestApp, TestEnv};
use reqwest::StatusCode;
use serde_json::json;

use super::statuses::post;

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

/// The instance counts its members and posts (not boosts), names the
/// configured contact member, and its picture is a real image.
#[tokio::test(flavor = "multi_thread")]
async fn stats_contact_and_thumbnail_are_real() {
    let mut env = TestEnv::new().await;
    env.set("LOOKBOOK_CONTACT_ACCOUNT", "Mod");
    let app = TestApp::spawn_with(env, true).await;
    let moderator = app.sign_up("mod").await;
    let ann = app.sign_up("ann").await;
    let (_, first) = post(&app, &ann, json!({"status": "a look"})).await;
    post(&app, &moderator, json!({"status": "welcome"})).await;
    let path = format!("/api/v1/statuses/{}/reblog", first["id"].as_str().unwrap());
    let (status, _) = app.act(&moderator, &path, &[]).await;
    assert_eq!(status, StatusCode::OK);

    let (_, v1) = app.get_json("/api/v1/instance").await;
    assert_eq!(v1["stats"]["user_count"], 2);
    assert_eq!(v1["stats"]["status_count"], 2);
    assert_eq!(v1["contact_account"]["username"], "mod");
    let (_, v2) = app.get_json("/api/v2/instance").await;
    assert_eq!(v2["usage"]["users"]["active_month"], 2);
    assert_eq!(v2["contact"]["account"]["id"], v1["contact_account"]["id"]);
    assert_eq!(v1["thumbnail"], v2["thumbnail"]["url"]);

    let url = v2["thumbnail"]["url"].as_str().unwrap();
    let path = url.strip_prefix("http://lookbook.test").unwrap();
    let picture = app.get(path).await;
    assert_eq!(picture.status(), StatusCode::OK);
    assert_eq!(picture.headers()["content-type"], "image/png");
    let bytes = picture.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    app.finish().await.unwrap();
}
