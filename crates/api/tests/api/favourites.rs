//! Favourites and bookmarks: idempotent, exact under a crowd, listed with
//! paging.

use lookbook_testkit::{TestApp, TestEnv};
use reqwest::StatusCode;
use serde_json::json;

use super::statuses::post;

/// A thousand members like one post at the same moment: every like
/// succeeds and the count is exact; then half take it back.
#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_concurrent_likes_count_exactly() {
    let mut env = TestEnv::new().await;
    // The crowd is admitted and waits for a connection instead of being
    // turned away: this is about contention on one post, not about what to
    // shed under overload (the shedding test covers that).
    env.set("DATABASE_ACQUIRE_TIMEOUT_MS", "60000");
    env.set("MAX_IN_FLIGHT", "2000");
    env.set("QUEUE_WAIT_MS", "60000");
    // On a busy machine the last of the crowd waits longer than the
    // 10-second request deadline, which would answer 503.
    env.set("REQUEST_TIMEOUT_MS", "60000");
    let app = TestApp::spawn_with(env, true).await;
    let brand = app.sign_up("brand").await;
    let (status, posted) = post(&app, &brand, json!({"status": "New drop #fw26"})).await;
    assert_eq!(status, StatusCode::OK);
    let id = posted["id"].as_str().unwrap().to_string();
    let crowd = app.crowd("fan", 1000).await;

    // The server lets the crowd wait up to a minute (above); so does the
    // crowd, past the test client's usual 30 seconds.
    let patient = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(90))
        .build()
        .unwrap();
    let like = |token: String, action: &'static str| {
        let client = patient.clone();
        let url = app.url(&format!("/api/v1/statuses/{id}/{action}"));
        tokio::spawn(async move {
            let response = client.post(url).bearer_auth(token).send().await.unwrap();
            response.status()
        })
    };
    let likes: Vec<_> = crowd
        .iter()
        .map(|m| like(m.token.clone(), "favourite"))
        .collect();
    for request in likes {
        assert_eq!(request.await.unwrap(), StatusCode::OK);
    }
    let (_, read) = app.get_json(&format!("/api/v1/statuses/{id}")).await;
    assert_eq!(read["favourites_count"], 1000);

    // Liking again changes nothing; half the crowd unlikes, twice each.
    let again: Vec<_> = crowd[900..]
        .iter()
        .map(|m| like(m.token.clone(), "favourite"))
        .chain(
            crowd[..500]
                .iter()
                .map(|m| like(m.token.clone(), "unfavourite")),
        )
        .chain(
            crowd[..500]
                .iter()
                .map(|m| like(m.token.clone(), "unfavourite")),
        )
        .collect();
    for request in again {
        assert_eq!(request.await.unwrap(), StatusCode::OK);
    }
    let (_, read) = app.get_json(&format!("/api/v1/statuses/{id}")).await;
    assert_eq!(read["favourites_count"], 500);
    let mut likers = 0;
    let mut path = format!("/api/v1/statuses/{id}/favourited_by?limit=80");
    loop {
        let response = app.get(&path).await;
        let link = response
            .headers()
            .get("link")
            .map(|l| l.to_str().unwrap().to_string());
        let page: serde_json::Value = response.json().await.unwrap();
        let n = page.as_array().unwrap().len();
        likers += n;
        let next = link.and_then(|l| {
            l.split(", ")
                .find(|p| p.ends_with("rel=\"next\""))
                .map(|p| {
                    p.trim_start_matches('<')
                        .split('>')
                        .next()
                        .unwrap()
                        .to_string()
                })
        });
        match next {
            Some(url) if n > 0 => path = url.replace("http://lookbook.test", ""),
            _ => break,
        }
    }
    assert_eq!(likers, 500);
    app.finish().await.unwrap();
}

/// Favourites and bookmarks show on the post for the member who made them,
/// and in their own lists, newest first, with paging.
#[tokio::test(flavor = "multi_thread")]
async fn favourites_and_bookmarks_are_listed() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let mut posts = Vec::new();
    for n in 0..3 {
        let (_, posted) = post(&app, &ann, json!({"status": format!("look {n}")})).await;
        posts.push(posted["id"].as_str().unwrap().to_string());
    }
    for id in &posts {
        let (status, body) = app
            .act(&bob, &format!("/api/v1/statuses/{id}/favourite"), &[])
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["favourited"], true);
        assert_eq!(body["favourites_count"], 1);
    }
    let (_, body) = app
        .act(
            &bob,
            &format!("/api/v1/statuses/{}/favourite", posts[0]),
            &[],
        )
        .await;
    assert_eq!(
        body["favourites_count"], 1,
        "a second favourite is the same favourite"
    );
    let (_, body) = app
        .act(
            &bob,
            &format!("/api/v1/statuses/{}/bookmark", posts[1]),
            &[],
        )
        .await;
    assert_eq!(body["bookmarked"], true);
    let (_, seen_by_ann) = app
        .read(&ann, &format!("/api/v1/statuses/{}", posts[1]))
        .await;
    assert_eq!(seen_by_ann["bookmarked"], false);
    assert_eq!(seen_by_ann["favourited"], false);
    assert_eq!(seen_by_ann["favourites_count"], 1);

    // Newest favourite first, two at a time.
    let response = app.get_as(&bob.token, "/api/v1/favourites?limit=2").await;
    let link = response.headers()["link"].to_str().unwrap().to_string();
    let page: serde_json::Value = response.json().await.unwrap();
    let got: Vec<&str> = page
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, vec![posts[2].as_str(), posts[1].as_str()]);
    let next = link
        .split('<')
        .nth(1)
        .unwrap()
        .split('>')
        .next()
        .unwrap()
        .replace("http://lookbook.test", "");
    let (_, rest) = app.read(&bob, &next).await;
    assert_eq!(rest.as_array().unwrap().len(), 1);
    assert_eq!(rest[0]["id"], posts[0].as_str());

    let (_, bookmarks) = app.read(&bob, "/api/v1/bookmarks").await;
    assert_eq!(bookmarks.as_array().unwrap().len(), 1);
    let (_, none) = app.read(&ann, "/api/v1/bookmarks").await;
    assert_eq!(none, json!([]));
    let (_, body) = app
        .act(
            &bob,
            &format!("/api/v1/statuses/{}/unbookmark", posts[1]),
            &[],
        )
        .await;
    assert_eq!(body["bookmarked"], false);
    let (_, body) = app
        .act(
            &bob,
            &format!("/api/v1/statuses/{}/unfavourite", posts[2]),
            &[],
        )
        .await;
    assert_eq!(body["favourites_count"], 0);
    let (_, favs) = app.read(&bob, "/api/v1/favourites").await;
    assert_eq!(favs.as_array().unwrap().len(), 2);

    // A post that becomes invisible leaves the list.
    let (status, _) = app
        .act(&ann, &format!("/api/v1/accounts/{}/block", bob.id), &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, favs) = app.read(&bob, "/api/v1/favourites").await;
    assert_eq!(favs, json!([]));
}
