//! Muted threads: after muting a post's thread, its author hears nothing
//! of the comments, likes and boosts in it, while other threads still
//! notify; unmuting lets them through again.

use lookbook_testkit::TestApp;
use lookbook_testkit::client::Member;
use reqwest::StatusCode;
use serde_json::json;

use super::notifications::posted;
use super::statuses::post;

/// (type, status id) of the member's notifications, newest first.
async fn notes(app: &TestApp, member: &Member) -> Vec<(String, String)> {
    let (status, body) = app.read(member, "/api/v1/notifications").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["type"].as_str().unwrap().to_string(),
                n["status"]["id"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

async fn comment(app: &TestApp, member: &Member, on: &str, text: &str) -> String {
    let (status, body) = post(app, member, json!({"status": text, "in_reply_to_id": on})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["id"].as_str().unwrap().to_string()
}

/// Ann mutes the thread of her outfit through a comment in it: comments
/// deeper in the thread, likes and boosts of it stop notifying her, her
/// other post still does, and every post of the thread says `muted`.
#[tokio::test(flavor = "multi_thread")]
async fn a_muted_thread_stops_notifying() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let cat = app.sign_up("cat").await;
    let outfit = posted(&app, &ann, "Monochrome week, day one").await;
    let other = posted(&app, &ann, "Unrelated: new boots").await;
    let first = comment(&app, &bob, &outfit, "@ann love it").await;
    assert_eq!(
        notes(&app, &ann).await,
        vec![("mention".to_string(), first.clone())]
    );

    let (status, muted) = app
        .act(&ann, &format!("/api/v1/statuses/{first}/mute"), &[])
        .await;
    assert_eq!(status, StatusCode::OK, "{muted}");
    assert_eq!(muted["muted"], true);
    let (_, root) = app.read(&ann, &format!("/api/v1/statuses/{outfit}")).await;
    assert_eq!(root["muted"], true);
    let (_, theirs) = app.read(&bob, &format!("/api/v1/statuses/{outfit}")).await;
    assert_eq!(theirs["muted"], false);

    let deeper = comment(&app, &bob, &first, "@ann where is the coat from?").await;
    for action in ["favourite", "reblog"] {
        let (status, _) = app
            .act(&cat, &format!("/api/v1/statuses/{outfit}/{action}"), &[])
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, _) = app
        .act(&cat, &format!("/api/v1/statuses/{other}/favourite"), &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        notes(&app, &ann).await,
        vec![
            ("favourite".to_string(), other.clone()),
            ("mention".to_string(), first.clone()),
        ]
    );
    let (_, seen) = app.read(&ann, &format!("/api/v1/statuses/{deeper}")).await;
    assert_eq!(seen["muted"], true);

    let (status, unmuted) = app
        .act(&ann, &format!("/api/v1/statuses/{outfit}/unmute"), &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(unmuted["muted"], false);
    let last = comment(&app, &bob, &deeper, "@ann thanks!").await;
    assert_eq!(notes(&app, &ann).await[0], ("mention".to_string(), last));
    let (status, _) = app.act(&bob, "/api/v1/statuses/12345/mute", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.finish().await.unwrap();
}
