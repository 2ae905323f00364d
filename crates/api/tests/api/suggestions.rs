//! Suggestions of whom to follow: accounts followed by those the member
//! follows, then the most followed; never the member's own follows,
//! muted, dismissed or undiscoverable accounts.

use lookbook_testkit::TestApp;
use lookbook_testkit::client::Member;
use reqwest::StatusCode;
use serde_json::Value;

async fn follow(app: &TestApp, member: &Member, other: &Member) {
    let path = format!("/api/v1/accounts/{}/follow", other.id);
    let (status, body) = app.act(member, &path, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// (account id, sources) of the member's suggestions.
async fn suggested(app: &TestApp, member: &Member) -> Vec<(String, String)> {
    let (status, body) = app.read(member, "/api/v2/suggestions").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v2: Vec<(String, String)> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["account"]["id"].as_str().unwrap().to_string(),
                s["sources"][0].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let (_, v1) = app.read(member, "/api/v1/suggestions").await;
    let v1: Vec<&str> = v1
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(v1, v2.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>());
    v2
}

/// Ann follows Bob and Eve: their follows come first (Cat, whom both
/// follow, then Dan), then Fay, the most followed; Zed, who opted out of
/// discovery, never; dismissing, muting and following take accounts off.
#[tokio::test(flavor = "multi_thread")]
async fn suggestions_come_from_the_follow_graph() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let cat = app.sign_up("cat").await;
    let dan = app.sign_up("dan").await;
    let zed = app.sign_up("zed").await;
    let eve = app.sign_up("eve").await;
    let fay = app.sign_up("fay").await;
    let gus = app.sign_up("gus").await;
    let response = app
        .request_as(
            reqwest::Method::PATCH,
            &zed.token,
            "/api/v1/accounts/update_credentials",
        )
        .form(&[("discoverable", "false")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    follow(&app, &ann, &bob).await;
    follow(&app, &ann, &eve).await;
    for other in [&cat, &dan, &zed] {
        follow(&app, &bob, other).await;
    }
    follow(&app, &eve, &cat).await;
    for fan in [&gus, &cat] {
        follow(&app, fan, &fay).await;
    }

    let fof = |m: &Member| (m.id.clone(), "friends_of_friends".to_string());
    let popular = |m: &Member| (m.id.clone(), "most_followed".to_string());
    // Cat is followed by both whom Ann follows, Dan by one; then Fay, the
    // most followed of the rest.
    assert_eq!(
        suggested(&app, &ann).await,
        vec![fof(&cat), fof(&dan), popular(&fay)]
    );
    let response = app
        .request_as(
            reqwest::Method::DELETE,
            &ann.token,
            &format!("/api/v1/suggestions/{}", dan.id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        serde_json::json!({})
    );
    assert_eq!(suggested(&app, &ann).await, vec![fof(&cat), popular(&fay)]);
    let (status, _) = app
        .act(&ann, &format!("/api/v1/accounts/{}/mute", fay.id), &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    follow(&app, &ann, &cat).await;
    assert_eq!(suggested(&app, &ann).await, Vec::<(String, String)>::new());
    let response = app
        .request_as(
            reqwest::Method::DELETE,
            &ann.token,
            "/api/v1/suggestions/12345",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    app.finish().await.unwrap();
}
