//! Trends, recomputed by the worker and served from Redis.

use std::time::Duration;

use lookbook_testkit::{TestApp, eventually};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::statuses::{ids, post};

/// Hashtags used by more members trend first; the most liked post trends
/// first; followers-only posts never trend, and a member does not see the
/// trending posts of someone they block.
#[tokio::test(flavor = "multi_thread")]
async fn trends_rank_by_engagement_and_respect_visibility() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let cat = app.sign_up("cat").await;
    for member in [&ann, &bob, &cat] {
        let (status, _) = post(&app, member, json!({"status": "raw #denim"})).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (_, boots) = post(&app, &ann, json!({"status": "new #boots"})).await;
    let (_, quiet) = post(
        &app,
        &cat,
        json!({"status": "quiet #secret", "visibility": "private"}),
    )
    .await;
    for member in [&bob, &cat] {
        let path = format!(
            "/api/v1/statuses/{}/favourite",
            boots["id"].as_str().unwrap()
        );
        let (status, _) = app.act(member, &path, &[]).await;
        assert_eq!(status, StatusCode::OK);
    }
    let boots_id = boots["id"].as_str().unwrap().to_string();

    let ranked = eventually(Duration::from_secs(15), || async {
        let (_, tags) = app.get_json("/api/v1/trends/tags").await;
        let (_, posts) = app.get_json("/api/v1/trends/statuses").await;
        tags[0]["name"] == "denim"
            && tags[1]["name"] == "boots"
            && ids(&posts).first() == Some(&boots_id.as_str())
    })
    .await;
    let (_, tags) = app.get_json("/api/v1/trends/tags").await;
    assert!(ranked, "{tags}");
    let names: Vec<&str> = tags
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&"secret"), "{names:?}");
    // A hashtag only used in a followers-only post is not revealed elsewhere either.
    let (status, _) = app.get_json("/api/v1/tags/secret").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, found) = app.read(&bob, "/api/v2/search?q=secr&type=hashtags").await;
    assert_eq!(found["hashtags"], json!([]), "{found}");
    let (_, found) = app.read(&bob, "/api/v2/search?q=den&type=hashtags").await;
    assert_eq!(found["hashtags"][0]["name"], "denim", "{found}");
    let history = &tags[0]["history"][0];
    assert_eq!(history["uses"], "3");
    assert_eq!(history["accounts"], "3");
    let (_, older_name) = app.get_json("/api/v1/trends?limit=1").await;
    assert_eq!(older_name.as_array().unwrap().len(), 1);

    let (_, posts) = app.get_json("/api/v1/trends/statuses").await;
    assert!(!ids(&posts).contains(&quiet["id"].as_str().unwrap()));
    assert_eq!(posts[0]["favourites_count"], 2);
    // Bob blocks Ann: her post leaves his trends, not anyone else's.
    let (status, _) = app
        .act(&bob, &format!("/api/v1/accounts/{}/block", ann.id), &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, for_bob) = app.read(&bob, "/api/v1/trends/statuses").await;
    assert!(!ids(&for_bob).contains(&boots_id.as_str()), "{for_bob}");
    let (_, for_cat) = app.read(&cat, "/api/v1/trends/statuses").await;
    assert!(ids(&for_cat).contains(&boots_id.as_str()));
    let (status, _): (StatusCode, Value) = app.get_json("/api/v1/trends/statuses?limit=0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    app.finish().await.unwrap();
}

/// With Redis unreachable, trends are empty rather than an error (nothing
/// stored can be read, and they are never computed per request).
#[tokio::test(flavor = "multi_thread")]
async fn trends_without_redis_are_empty_not_an_error() {
    let mut env = lookbook_testkit::TestEnv::new().await;
    let redis = env.proxy("REDIS_URL").await;
    let app = TestApp::spawn_with(env, false).await;
    redis.set_up(false);
    for path in ["/api/v1/trends/tags", "/api/v1/trends/statuses"] {
        let (status, body) = app.get_json(path).await;
        assert_eq!((status, body), (StatusCode::OK, json!([])), "{path}");
    }
}
