//! Who may do what with posts: visibility for readers, ownership for
//! writers, and what deleting leaves behind.

use std::time::Duration;

use lookbook_testkit::{Member, TestApp, eventually};
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::statuses::{ids, post, ready_photo, send};

/// Followers-only posts reach followers only, direct posts those mentioned,
/// and nothing crosses a block.
#[tokio::test(flavor = "multi_thread")]
async fn visibility_is_enforced_everywhere() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let cat = app.sign_up("cat").await;
    let (status, _) = app
        .act(&cat, &format!("/api/v1/accounts/{}/follow", ann.id), &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, public) = post(&app, &ann, json!({"status": "for all"})).await;
    let (_, private) = post(
        &app,
        &ann,
        json!({"status": "for followers", "visibility": "private"}),
    )
    .await;
    let (_, direct) = post(
        &app,
        &ann,
        json!({"status": "psst @bob", "visibility": "direct"}),
    )
    .await;
    let [public, private, direct] =
        [&public, &private, &direct].map(|s| s["id"].as_str().unwrap().to_string());

    let sees = |member: &Member, id: &str| {
        let path = format!("/api/v1/statuses/{id}");
        let token = member.token.clone();
        let app = &app;
        async move { app.get_as(&token, &path).await.status() }
    };
    assert_eq!(sees(&bob, &private).await, StatusCode::NOT_FOUND);
    assert_eq!(sees(&cat, &private).await, StatusCode::OK);
    assert_eq!(sees(&bob, &direct).await, StatusCode::OK);
    assert_eq!(sees(&cat, &direct).await, StatusCode::NOT_FOUND);
    assert_eq!(sees(&ann, &direct).await, StatusCode::OK);
    assert_eq!(
        app.get(&format!("/api/v1/statuses/{private}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    let profile = format!("/api/v1/accounts/{}/statuses", ann.id);
    let (_, anonymous) = app.get_json(&profile).await;
    assert_eq!(ids(&anonymous), vec![public.as_str()]);
    let (_, follower) = app.read(&cat, &profile).await;
    assert_eq!(ids(&follower), vec![private.as_str(), public.as_str()]);
    let (_, mentioned) = app.read(&bob, &profile).await;
    assert_eq!(ids(&mentioned), vec![direct.as_str(), public.as_str()]);

    // A comment on a post one cannot see is refused as if it did not exist.
    let (status, _) = post(
        &app,
        &bob,
        json!({"status": "hi", "in_reply_to_id": private}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .act(&bob, &format!("/api/v1/statuses/{private}/favourite"), &[])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // After ann blocks cat, cat sees none of ann's posts, and ann none of cat's.
    let (_, cats) = post(&app, &cat, json!({"status": "cat's post"})).await;
    let (status, _) = app
        .act(&ann, &format!("/api/v1/accounts/{}/block", cat.id), &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sees(&cat, &public).await, StatusCode::NOT_FOUND);
    assert_eq!(
        sees(&ann, cats["id"].as_str().unwrap()).await,
        StatusCode::NOT_FOUND
    );
    let (_, blocked) = app.read(&cat, &profile).await;
    assert_eq!(blocked, json!([]));
}

/// Nobody can attach, edit, delete or tag what is another member's.
#[tokio::test(flavor = "multi_thread")]
async fn others_posts_and_photos_are_out_of_reach() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let photo = ready_photo(&app, &ann).await;
    let (status, answer) = post(
        &app,
        &bob,
        json!({"status": "mine now", "media_ids": [photo]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    let (_, posted) = post(
        &app,
        &ann,
        json!({"status": "my look", "media_ids": [photo]}),
    )
    .await;
    let id = posted["id"].as_str().unwrap();
    // Attached media cannot be attached again, even by its owner.
    let (status, _) = post(&app, &ann, json!({"status": "again", "media_ids": [photo]})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let path = format!("/api/v1/statuses/{id}");
    let (status, _) = send(&app, &bob, Method::PUT, &path, json!({"status": "hacked"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(&app, &bob, Method::DELETE, &path, json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .act(
            &bob,
            &format!("/api/lookbook/v1/media/{photo}/items"),
            &[
                ("brand", "Cos"),
                ("name", "Coat"),
                ("category", "outerwear"),
                ("x", "0.5"),
                ("y", "0.5"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, read) = app.get_json(&path).await;
    assert_eq!(read["content"], "<p>my look</p>");
    // The text as written, for the editor: the author's only.
    let (status, source) = app.read(&ann, &format!("{path}/source")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(source["text"], "my look");
    let (status, _) = app.read(&bob, &format!("{path}/source")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The owner edits text and the photo's description.
    let (status, edited) = send(
        &app,
        &ann,
        Method::PUT,
        &path,
        json!({"status": "my look #edited", "media_attributes": [{"id": photo, "description": "Grey coat"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert!(edited["edited_at"].is_string());
    assert_eq!(edited["tags"][0]["name"], "edited");
    assert_eq!(edited["media_attachments"][0]["description"], "Grey coat");
}

/// Deleting a post removes its photos from S3 (through the worker), its
/// count, and leaves its comments standing.
#[tokio::test(flavor = "multi_thread")]
async fn deleting_a_post_removes_its_photos_and_keeps_the_thread_sane() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let photo = ready_photo(&app, &ann).await;
    let (_, posted) = post(
        &app,
        &ann,
        json!({"status": "bye soon", "media_ids": [photo]}),
    )
    .await;
    let id = posted["id"].as_str().unwrap().to_string();
    let (_, comment) = post(
        &app,
        &bob,
        json!({"status": "love it", "in_reply_to_id": id}),
    )
    .await;
    let (_, answer) = post(
        &app,
        &ann,
        json!({"status": "thanks!", "in_reply_to_id": comment["id"]}),
    )
    .await;
    assert_eq!(comment["in_reply_to_account_id"], ann.id.as_str());

    let (_, context) = app
        .get_json(&format!(
            "/api/v1/statuses/{}/context",
            comment["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(ids(&context["ancestors"]), vec![id.as_str()]);
    assert_eq!(
        ids(&context["descendants"]),
        vec![answer["id"].as_str().unwrap()]
    );
    let (_, read) = app.get_json(&format!("/api/v1/statuses/{id}")).await;
    assert_eq!(read["replies_count"], 1);

    let storage = app.env.storage();
    let prefix = format!("media/{}/", ann.id);
    let before = storage.list(&prefix).await.unwrap();
    assert!(before.len() >= 4, "{before:?}");
    let (status, deleted) = send(
        &app,
        &ann,
        Method::DELETE,
        &format!("/api/v1/statuses/{id}"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    assert_eq!(deleted["text"], "bye soon");
    let gone = eventually(Duration::from_secs(20), || async {
        storage.list(&prefix).await.unwrap().is_empty()
    })
    .await;
    assert!(
        gone,
        "left in S3: {:?}",
        storage.list(&prefix).await.unwrap()
    );
    assert_eq!(
        app.get(&format!("/api/v1/statuses/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let (_, me) = app.read(&ann, "/api/v1/accounts/verify_credentials").await;
    assert_eq!(me["statuses_count"], 1);
    let (status, orphan) = app
        .get_json(&format!(
            "/api/v1/statuses/{}",
            comment["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(orphan["in_reply_to_id"].is_null());
    app.finish().await.unwrap();
}
