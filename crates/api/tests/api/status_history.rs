//! A post's edit history: every version kept, shown to whoever may see the
//! post.

use lookbook_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::statuses::{post, ready_photo, send};

/// A post never edited has one version; after two edits the history shows
/// the original and both edits, oldest first, each with its text, content
/// warning, sensitivity and the photo's description as it was then. A
/// followers-only post's history is as hidden as the post.
#[tokio::test(flavor = "multi_thread")]
async fn the_history_keeps_every_version() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let photo = ready_photo(&app, &ann).await;
    let (status, posted) = post(
        &app,
        &ann,
        json!({"status": "Linen coat", "media_ids": [photo]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{posted}");
    let id = posted["id"].as_str().unwrap();
    let history = format!("/api/v1/statuses/{id}/history");
    let (status, versions) = app.read(&bob, &history).await;
    assert_eq!(status, StatusCode::OK, "{versions}");
    assert_eq!(versions.as_array().unwrap().len(), 1, "{versions}");
    assert_eq!(versions[0]["content"], "<p>Linen coat</p>");
    assert_eq!(versions[0]["account"]["username"], "ann");

    let path = format!("/api/v1/statuses/{id}");
    for body in [
        json!({"status": "Linen coat #ootd", "sensitive": true,
               "media_attributes": [{"id": photo, "description": "Sand linen coat"}]}),
        json!({"status": "Linen coat in sand", "spoiler_text": "colour talk"}),
    ] {
        let (status, edited) = send(&app, &ann, Method::PUT, &path, body).await;
        assert_eq!(status, StatusCode::OK, "{edited}");
    }
    let (status, versions) = app.get_json(&history).await;
    assert_eq!(status, StatusCode::OK, "{versions}");
    let versions = versions.as_array().unwrap().clone();
    assert_eq!(versions.len(), 3, "{versions:?}");
    assert_eq!(versions[0]["content"], "<p>Linen coat</p>");
    assert_eq!(versions[0]["created_at"], posted["created_at"]);
    assert_eq!(versions[0]["sensitive"], false);
    assert_eq!(versions[0]["media_attachments"][0]["id"], photo.as_str());
    assert_eq!(
        versions[0]["media_attachments"][0]["description"],
        "Denim jacket, white tee"
    );
    assert!(
        versions[1]["content"]
            .as_str()
            .unwrap()
            .contains("#<span>ootd</span>")
    );
    assert_eq!(versions[1]["sensitive"], true);
    assert_eq!(
        versions[1]["media_attachments"][0]["description"],
        "Sand linen coat"
    );
    assert_eq!(versions[2]["content"], "<p>Linen coat in sand</p>");
    assert_eq!(versions[2]["spoiler_text"], "colour talk");
    let times: Vec<&str> = versions
        .iter()
        .map(|v| v["created_at"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");

    // Followers only: not to a stranger, nor to nobody signed in.
    let (_, private) = post(
        &app,
        &ann,
        json!({"status": "Fitting room", "visibility": "private"}),
    )
    .await;
    let history = format!(
        "/api/v1/statuses/{}/history",
        private["id"].as_str().unwrap()
    );
    let (status, _) = app.read(&bob, &history).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get_json(&history).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.read(&ann, &history).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.read(&bob, "/api/v1/statuses/12ab/history").await;
    assert!(status.is_client_error(), "{status}");
}
