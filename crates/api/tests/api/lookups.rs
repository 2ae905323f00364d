//! Reads clients make in batches or once at start: several posts by id,
//! the member's preferences, and the followers of accounts that the member
//! follows.

use lookbook_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::statuses::post;

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

/// `GET /api/v1/statuses?id[]=` answers the posts the caller may see, in
/// the order asked, each once; a followers-only post only to its author
/// here, and more ids than a page holds is refused.
#[tokio::test(flavor = "multi_thread")]
async fn several_posts_at_once_as_visible_as_one() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let (_, public) = post(&app, &ann, json!({"status": "Trench coat"})).await;
    let (_, private) = post(
        &app,
        &ann,
        json!({"status": "Fitting room", "visibility": "private"}),
    )
    .await;
    let (public, private) = (
        public["id"].as_str().unwrap().to_string(),
        private["id"].as_str().unwrap().to_string(),
    );
    let path = format!("/api/v1/statuses?id[]={private}&id[]={public}&id[]=999&id[]={private}");
    let (status, mine) = app.read(&ann, &path).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(ids(&mine), [private.clone(), public.clone()]);
    let (_, theirs) = app.read(&bob, &path).await;
    assert_eq!(ids(&theirs), std::slice::from_ref(&public));
    let (_, nobodys) = app.get_json(&path).await;
    assert_eq!(ids(&nobodys), std::slice::from_ref(&public));
    assert_eq!(nobodys[0]["content"], "<p>Trench coat</p>");
    let (status, body) = app.read(&bob, "/api/v1/statuses?id[]=1&id[]=x").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let many: String = (1..=41).map(|n| format!("id[]={n}&")).collect();
    let (status, body) = app.read(&bob, &format!("/api/v1/statuses?{many}")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"].as_str().unwrap().contains("at most 40"));
}

/// The posting defaults set through `update_credentials` are the member's
/// preferences.
#[tokio::test(flavor = "multi_thread")]
async fn preferences_follow_the_posting_defaults() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let (status, prefs) = app.read(&ann, "/api/v1/preferences").await;
    assert_eq!(status, StatusCode::OK, "{prefs}");
    assert_eq!(prefs["posting:default:visibility"], "public");
    assert_eq!(prefs["reading:expand:media"], "default");
    let response = app
        .request_as(
            Method::PATCH,
            &ann.token,
            "/api/v1/accounts/update_credentials",
        )
        .form(&[
            ("source[privacy]", "private"),
            ("source[sensitive]", "true"),
            ("source[language]", "fr"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (_, prefs) = app.read(&ann, "/api/v1/preferences").await;
    assert_eq!(prefs["posting:default:visibility"], "private");
    assert_eq!(prefs["posting:default:sensitive"], true);
    assert_eq!(prefs["posting:default:language"], "fr");
    let (status, _) = app.get_json("/api/v1/preferences").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// For each account asked about, the members who follow it among those the
/// caller follows; the path is not taken for an account id.
#[tokio::test(flavor = "multi_thread")]
async fn familiar_followers_are_the_ones_you_follow() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let cem = app.sign_up("cem").await;
    let dia = app.sign_up("dia").await;
    let eve = app.sign_up("eve").await;
    let follow = |who: &lookbook_testkit::Member, whom: &lookbook_testkit::Member| {
        let path = format!("/api/v1/accounts/{}/follow", whom.id);
        let token = who.token.clone();
        let app = &app;
        async move {
            let response = app.post_as(&token, &path, &[]).await;
            assert_eq!(response.status(), StatusCode::OK);
        }
    };
    follow(&ann, &bob).await;
    follow(&ann, &cem).await;
    follow(&bob, &dia).await;
    follow(&cem, &dia).await;
    follow(&eve, &dia).await;
    follow(&ann, &dia).await;
    let path = format!(
        "/api/v1/accounts/familiar_followers?id[]={}&id[]={}",
        dia.id, eve.id
    );
    let (status, found) = app.read(&ann, &path).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found[0]["id"], dia.id.as_str());
    let mut names: Vec<&str> = found[0]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["bob", "cem"], "{found}");
    assert_eq!(found[1]["id"], eve.id.as_str());
    assert_eq!(found[1]["accounts"], json!([]));
    // Not across a block, and not for an account that does not exist.
    let (status, _) = app
        .act(&dia, &format!("/api/v1/accounts/{}/block", ann.id), &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    let path = format!(
        "/api/v1/accounts/familiar_followers?id[]={}&id[]=987654321",
        dia.id
    );
    let (_, found) = app.read(&ann, &path).await;
    assert_eq!(found, json!([{"id": dia.id, "accounts": []}]));
    let (status, _) = app.get_json(&path).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
