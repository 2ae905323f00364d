//! Pinned posts: a member pins up to five of their own posts, which their
//! profile lists first for anyone who may see them; others' posts, boosts
//! and direct posts cannot be pinned.

use lookbook_testkit::TestApp;
use lookbook_testkit::client::Member;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::notifications::posted;
use super::statuses::{ids, post};

async fn pinned(app: &TestApp, reader: Option<&Member>, owner: &Member) -> Vec<String> {
    let path = format!("/api/v1/accounts/{}/statuses?pinned=true", owner.id);
    let (status, body) = match reader {
        Some(member) => app.read(member, &path).await,
        None => app.get_json(&path).await,
    };
    assert_eq!(status, StatusCode::OK, "{body}");
    ids(&body).into_iter().map(String::from).collect()
}

async fn act(app: &TestApp, member: &Member, id: &str, action: &str) -> (StatusCode, Value) {
    app.act(member, &format!("/api/v1/statuses/{id}/{action}"), &[])
        .await
}

/// Pins list newest pin first, to anyone who may see each post, and show
/// `pinned` to their author; pinning twice is one pin; the sixth is
/// refused; what may not be pinned says why; unpinning and deleting take a
/// post off the list.
#[tokio::test(flavor = "multi_thread")]
async fn members_pin_their_own_posts_to_their_profile() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let first = posted(&app, &ann, "Spring capsule wardrobe").await;
    let second = posted(&app, &ann, "Three ways to wear a trench").await;
    let (_, private) = post(
        &app,
        &ann,
        json!({"status": "Sample sale tips", "visibility": "private"}),
    )
    .await;
    let private = private["id"].as_str().unwrap().to_string();
    // Her profile says when she last posted; Bob's, who never did, says nothing.
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let (_, profile) = app.get_json(&format!("/api/v1/accounts/{}", ann.id)).await;
    assert_eq!(profile["last_status_at"], today.as_str(), "{profile}");
    let (_, profile) = app.get_json(&format!("/api/v1/accounts/{}", bob.id)).await;
    assert_eq!(profile["last_status_at"], Value::Null, "{profile}");

    for id in [&first, &private, &second, &second] {
        let (status, body) = act(&app, &ann, id, "pin").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["pinned"], true);
    }
    assert_eq!(
        pinned(&app, Some(&ann), &ann).await,
        vec![second.clone(), private.clone(), first.clone()]
    );
    // Bob does not follow Ann: her followers-only pin is not his to see.
    assert_eq!(
        pinned(&app, Some(&bob), &ann).await,
        vec![second.clone(), first.clone()]
    );
    assert_eq!(
        pinned(&app, None, &ann).await,
        vec![second.clone(), first.clone()]
    );
    let (_, seen) = app.read(&ann, &format!("/api/v1/statuses/{first}")).await;
    assert_eq!(seen["pinned"], true);
    let (_, seen) = app.read(&bob, &format!("/api/v1/statuses/{first}")).await;
    assert_eq!(seen["pinned"], false);

    // What may not be pinned is refused with its reason.
    let (status, body) = act(&app, &bob, &first, "pin").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"].as_str().unwrap().contains("Someone else"),
        "{body}"
    );
    let (_, boost) = act(&app, &bob, &first, "reblog").await;
    let (status, body) = act(&app, &bob, boost["id"].as_str().unwrap(), "pin").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"].as_str().unwrap().contains("boost"), "{body}");
    let (_, direct) = post(
        &app,
        &ann,
        json!({"status": "@bob does this fit?", "visibility": "direct"}),
    )
    .await;
    let (status, body) = act(&app, &ann, direct["id"].as_str().unwrap(), "pin").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"].as_str().unwrap().contains("mentioned"),
        "{body}"
    );
    let (status, _) = act(&app, &bob, &private, "pin").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Five at most, as the instance says.
    let (_, instance) = app.get_json("/api/v2/instance").await;
    assert_eq!(
        instance["configuration"]["accounts"]["max_pinned_statuses"],
        5
    );
    let mut more = Vec::new();
    for n in 0..2 {
        let id = posted(&app, &ann, &format!("Look {n}")).await;
        assert_eq!(act(&app, &ann, &id, "pin").await.0, StatusCode::OK);
        more.push(id);
    }
    let sixth = posted(&app, &ann, "One too many").await;
    let (status, body) = act(&app, &ann, &sixth, "pin").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"].as_str().unwrap().contains("maximum"),
        "{body}"
    );

    // Unpinning (twice) and deleting take posts off the list.
    for _ in 0..2 {
        let (status, body) = act(&app, &ann, &second, "unpin").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["pinned"], false);
    }
    let response = app
        .request_as(
            reqwest::Method::DELETE,
            &ann.token,
            &format!("/api/v1/statuses/{first}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        pinned(&app, Some(&ann), &ann).await,
        vec![more[1].clone(), more[0].clone(), private.clone()]
    );
    assert_eq!(act(&app, &ann, &sixth, "pin").await.0, StatusCode::OK);
    app.finish().await.unwrap();
}
