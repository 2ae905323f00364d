//! Featured hashtags on profiles.

use lookbook_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::statuses::post;

/// A member features hashtags they post under: each counts their public
/// posts and names the day of the newest, anyone reads them on the
/// profile, suggestions are the most used ones not featured yet, at most
/// ten are featured, and only the member removes theirs.
#[tokio::test(flavor = "multi_thread")]
async fn featured_hashtags_count_the_members_posts() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    for (text, visibility) in [
        ("Coat #linen #ootd", "public"),
        ("Shirt #linen", "public"),
        ("Draft #linen", "private"),
        ("Shoes #ootd", "public"),
        ("Bag #ootd", "unlisted"),
    ] {
        let (status, _) = post(
            &app,
            &ann,
            json!({"status": text, "visibility": visibility}),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
    post(&app, &bob, json!({"status": "Mine #linen"})).await;

    let (_, suggested) = app.read(&ann, "/api/v1/featured_tags/suggestions").await;
    let names: Vec<&str> = suggested
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["linen", "ootd"], "{suggested}");

    let (status, linen) = app
        .act(&ann, "/api/v1/featured_tags", &[("name", "#Linen")])
        .await;
    assert_eq!(status, StatusCode::OK, "{linen}");
    assert_eq!(linen["name"], "linen");
    assert_eq!(
        linen["statuses_count"], "2",
        "a private post or another's was counted"
    );
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(linen["last_status_at"], today.as_str());
    assert!(
        linen["url"]
            .as_str()
            .unwrap()
            .ends_with("/@ann/tagged/linen")
    );
    let (_, again) = app
        .act(&ann, "/api/v1/featured_tags", &[("name", "linen")])
        .await;
    assert_eq!(again["id"], linen["id"]);
    let (_, suggested) = app.read(&ann, "/api/v1/featured_tags/suggestions").await;
    assert_eq!(suggested[0]["name"], "ootd");

    let (status, shown) = app
        .get_json(&format!("/api/v1/accounts/{}/featured_tags", ann.id))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown.as_array().unwrap().len(), 1);
    assert_eq!(shown[0]["name"], "linen");

    // Not across a block.
    let shown_path = format!("/api/v1/accounts/{}/featured_tags", ann.id);
    let (_, seen) = app.read(&bob, &shown_path).await;
    assert_eq!(seen.as_array().unwrap().len(), 1);
    app.act(&ann, &format!("/api/v1/accounts/{}/block", bob.id), &[])
        .await;
    let (status, seen) = app.read(&bob, &shown_path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen, json!([]));

    let (status, body) = app
        .act(&ann, "/api/v1/featured_tags", &[("name", "123")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    for n in 0..9 {
        let name = format!("look{n}");
        let (status, _) = app
            .act(&ann, "/api/v1/featured_tags", &[("name", name.as_str())])
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, body) = app
        .act(&ann, "/api/v1/featured_tags", &[("name", "onemore")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"].as_str().unwrap().contains("at most 10"));

    let path = format!("/api/v1/featured_tags/{}", linen["id"].as_str().unwrap());
    let response = app
        .request_as(Method::DELETE, &bob.token, &path)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "bob removed ann's"
    );
    let response = app
        .request_as(Method::DELETE, &ann.token, &path)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (_, mine) = app.read(&ann, "/api/v1/featured_tags").await;
    assert_eq!(mine.as_array().unwrap().len(), 9);
    assert!(
        mine.as_array()
            .unwrap()
            .iter()
            .all(|f| f["name"] != "linen")
    );
}
