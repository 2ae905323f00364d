//! Scheduled posts: written with a time, seen only by their author until
//! the worker publishes them then, with their photos, mentions and
//! followers' feeds; moved, cancelled, and refused when too soon.

use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use lookbook_testkit::client::Member;
use lookbook_testkit::{TestApp, TestEnv, eventually};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::statuses::{post, ready_photo, send};

/// A time `secs` from now, as clients send it.
fn from_now(secs: i64) -> String {
    (Utc::now() + chrono::Duration::seconds(secs)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

async fn posts_of(app: &TestApp, member: &Member) -> Vec<Value> {
    let path = format!("/api/v1/accounts/{}/statuses", member.id);
    let (_, list) = app.read(member, &path).await;
    list.as_array().cloned().unwrap_or_default()
}

/// A post scheduled with a photo, a mention and a poll waits, seen by its
/// author only, holding its photo; moved nearer, the worker publishes it
/// once, as posted then, into a follower's home, and tells whom it mentions.
#[tokio::test(flavor = "multi_thread")]
async fn a_scheduled_post_waits_then_is_published_once() {
    let mut env = TestEnv::new().await;
    env.set("LIMIT_SCHEDULE_MIN_SECS", "2");
    env.set("SCHEDULED_SWEEP_MS", "200");
    let app = TestApp::spawn_with(env, true).await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let (status, _) = app
        .act(&bob, &format!("/api/v1/accounts/{}/follow", ann.id), &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    let photo = ready_photo(&app, &ann).await;

    let later = from_now(3600);
    let (status, scheduled) = post(
        &app,
        &ann,
        json!({"status": "Gala look, @bob? #ootd", "media_ids": [photo],
               "scheduled_at": later, "visibility": "public",
               "poll": {"options": ["Velvet", "Satin"], "expires_in": 600}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{scheduled}");
    let id = scheduled["id"].as_str().unwrap().to_string();
    assert!(
        scheduled.get("content").is_none(),
        "not a Status: {scheduled}"
    );
    assert_eq!(scheduled["params"]["text"], "Gala look, @bob? #ootd");
    assert_eq!(scheduled["params"]["visibility"], "public");
    assert_eq!(scheduled["params"]["poll"]["options"][1], "Satin");
    assert_eq!(scheduled["params"]["poll"]["expires_in"], "600");
    assert_eq!(scheduled["media_attachments"][0]["id"], photo.as_str());
    let asked = chrono::DateTime::parse_from_rfc3339(&later).unwrap();
    let shown =
        chrono::DateTime::parse_from_rfc3339(scheduled["scheduled_at"].as_str().unwrap()).unwrap();
    assert_eq!(shown, asked);

    // The photo is held for it.
    let (status, error) = post(&app, &ann, json!({"status": "Now", "media_ids": [photo]})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    // Only its author sees it; it is not posted yet.
    let (status, list) = app.read(&ann, "/api/v1/scheduled_statuses").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["id"], id.as_str());
    let path = format!("/api/v1/scheduled_statuses/{id}");
    let (status, _) = app.read(&bob, &path).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another member's");
    let (_, bobs) = app.read(&bob, "/api/v1/scheduled_statuses").await;
    assert_eq!(bobs, json!([]));
    assert!(posts_of(&app, &ann).await.is_empty());
    let (status, _) = send(
        &app,
        &bob,
        Method::PUT,
        &path,
        json!({"scheduled_at": from_now(60)}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "bob moved ann's post");

    // Moved to a few seconds from now, it is published then.
    let (status, moved) = send(
        &app,
        &ann,
        Method::PUT,
        &path,
        json!({"scheduled_at": from_now(3)}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_ne!(moved["scheduled_at"], scheduled["scheduled_at"]);
    assert!(
        eventually(Duration::from_secs(30), || async {
            posts_of(&app, &ann).await.len() == 1
        })
        .await,
        "not published"
    );
    let published = posts_of(&app, &ann).await.remove(0);
    assert!(
        published["content"].as_str().unwrap().contains("Gala look"),
        "{published}"
    );
    assert_eq!(published["media_attachments"][0]["id"], photo.as_str());
    assert_eq!(published["poll"]["options"][0]["title"], "Velvet");
    assert_eq!(published["tags"][0]["name"], "ootd");
    assert_eq!(published["visibility"], "public");
    let (status, _) = app.read(&ann, &path).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "still scheduled once published"
    );
    let (_, list) = app.read(&ann, "/api/v1/scheduled_statuses").await;
    assert_eq!(list, json!([]));
    let (_, me) = app.read(&ann, "/api/v1/accounts/verify_credentials").await;
    assert_eq!(me["statuses_count"], 1, "{me}");

    let post_id = published["id"].clone();
    assert!(
        eventually(Duration::from_secs(20), || async {
            let (_, home) = app.read(&bob, "/api/v1/timelines/home").await;
            home.as_array()
                .is_some_and(|h| h.iter().any(|s| s["id"] == post_id))
        })
        .await,
        "not in a follower's home"
    );
    let (_, notes) = app
        .read(&bob, "/api/v1/notifications?types[]=mention")
        .await;
    assert_eq!(notes.as_array().unwrap().len(), 1, "{notes}");
    assert_eq!(notes[0]["status"]["id"], post_id);
    // The sweep runs on: still one post.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(posts_of(&app, &ann).await.len(), 1);
    app.finish().await.unwrap();
}

/// Too soon, unreadable or missing times are refused with a reason; a
/// cancelled post frees its photo and is gone; a comment scheduled on a
/// post names it.
#[tokio::test(flavor = "multi_thread")]
async fn scheduled_posts_are_checked_moved_and_cancelled() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let photo = ready_photo(&app, &ann).await;
    for (at, why) in [
        (from_now(60), "5 minutes"),
        (from_now(-60), "past"),
        ("next tuesday".to_string(), "unreadable"),
    ] {
        let (status, error) = post(&app, &ann, json!({"status": "Soon", "scheduled_at": at})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{why}: {error}");
        assert!(
            error["error"].as_str().unwrap().contains("scheduled_at"),
            "{error}"
        );
    }
    // Checked as a post is: an empty one, or another's photo, is refused.
    let (status, _) = post(
        &app,
        &ann,
        json!({"status": " ", "scheduled_at": from_now(3600)}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = post(
        &app,
        &bob,
        json!({"status": "Mine", "media_ids": [photo], "scheduled_at": from_now(3600)}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.read(&bob, "/api/v1/scheduled_statuses").await.1 == json!([]));

    let (_, parent) = post(&app, &bob, json!({"status": "My coat"})).await;
    // Sent as a form, as most apps do.
    let at = from_now(7200);
    let (status, scheduled) = app
        .act(
            &ann,
            "/api/v1/statuses",
            &[
                ("status", "Love it"),
                ("media_ids[]", &photo),
                ("in_reply_to_id", parent["id"].as_str().unwrap()),
                ("scheduled_at", &at),
                ("sensitive", "true"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{scheduled}");
    assert_eq!(scheduled["params"]["in_reply_to_id"], parent["id"]);
    assert_eq!(scheduled["params"]["sensitive"], true);
    let path = format!(
        "/api/v1/scheduled_statuses/{}",
        scheduled["id"].as_str().unwrap()
    );
    let (status, error) = send(&app, &ann, Method::PUT, &path, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    let (status, _) = send(
        &app,
        &ann,
        Method::PUT,
        &path,
        json!({"scheduled_at": from_now(10)}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "moved too near");
    let (status, _) = send(&app, &bob, Method::DELETE, &path, json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "bob cancelled ann's post");
    let (status, body) = send(&app, &ann, Method::DELETE, &path, json!({})).await;
    assert_eq!((status, body), (StatusCode::OK, json!({})));
    let (status, _) = send(&app, &ann, Method::DELETE, &path, json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "cancelled twice");
    // The photo is free again.
    let (status, posted) = post(&app, &ann, json!({"status": "Now", "media_ids": [photo]})).await;
    assert_eq!(status, StatusCode::OK, "{posted}");
    // A retry with the same Idempotency-Key finds the post scheduled first.
    let at = from_now(9000);
    let mut ids = Vec::new();
    for _ in 0..2 {
        let response = app
            .request_as(Method::POST, &ann.token, "/api/v1/statuses")
            .header("Idempotency-Key", "gala-1")
            .json(&json!({"status": "Gala", "scheduled_at": at}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        ids.push(body["id"].as_str().unwrap().to_string());
    }
    assert_eq!(ids[0], ids[1], "a retry scheduled a second post");
    let (_, list) = app.read(&ann, "/api/v1/scheduled_statuses").await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let (status, _) = app.get_json("/api/v1/scheduled_statuses").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.finish().await.unwrap();
}
