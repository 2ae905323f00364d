//! Attacks a security review made on the running system, replayed: each
//! must fail now.

use std::time::Duration;

use lookbook_testkit::nginx::Nginx;
use lookbook_testkit::{TestApp, eventually};
use reqwest::StatusCode;
use serde_json::json;

use super::statuses::post;

/// A stranger reads a public post twice through nginx, then the author
/// deletes it: within a couple of seconds nginx answers 404 too, and keeps
/// answering 404, instead of serving its stale copy for ever.
#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_post_stops_being_served_by_the_edge_cache() {
    let app = TestApp::spawn().await;
    let nginx = Nginx::start([app.port, app.port]).await;
    let ann = app.sign_up("ann").await;
    let (_, posted) = post(&app, &ann, json!({"status": "Soon gone"})).await;
    let id = posted["id"].as_str().unwrap().to_string();
    let url = nginx.url(&format!("/api/v1/statuses/{id}"));
    let client = reqwest::Client::new();
    for _ in 0..2 {
        let response = client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    // Let nginx's copy expire, so the next reads refresh it in the background.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let deleted = app
        .client
        .delete(app.url(&format!("/api/v1/statuses/{id}")))
        .bearer_auth(&ann.token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::OK);

    let gone = eventually(Duration::from_secs(6), || async {
        client.get(&url).send().await.unwrap().status() == StatusCode::NOT_FOUND
    })
    .await;
    assert!(gone, "nginx still serves the deleted post");
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let response = client.get(&url).send().await.unwrap();
        let cache = response.headers()["x-cache-status"]
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{cache}");
    }
}

/// Anonymous reads of an id nobody has used yet answer 404 and leave
/// nothing behind: a post made under that id later is seen by everyone,
/// its author's deletion included.
#[tokio::test(flavor = "multi_thread")]
async fn reading_an_unused_id_does_not_hide_the_post_made_under_it() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let id: i64 = sqlx::query_scalar("select lookbook_id()")
        .fetch_one(&app.api.db.primary)
        .await
        .unwrap();
    for _ in 0..20 {
        let (status, _) = app.get_json(&format!("/api/v1/statuses/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    // The post that gets this id (the attacker guessed it right).
    let ann_id: i64 = ann.id.parse().unwrap();
    sqlx::query("insert into statuses (id, account_id, text, visibility) values ($1, $2, 'Guess me', 'public')")
        .bind(id)
        .bind(ann_id)
        .execute(&app.api.db.primary)
        .await
        .unwrap();
    // Past the in-process microcache's second for anonymous answers.
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let (status, body) = app.get_json(&format!("/api/v1/statuses/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["content"], "<p>Guess me</p>");
    let own = app
        .client
        .get(app.url(&format!("/api/v1/statuses/{id}")))
        .bearer_auth(&ann.token)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::OK);
    let deleted = app
        .client
        .delete(app.url(&format!("/api/v1/statuses/{id}")))
        .bearer_auth(&ann.token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::OK);
}

/// Ids keep their time order, but the next id cannot be worked out from
/// the last one: consecutive ids in different milliseconds do not follow
/// each other, while all stay unique.
#[tokio::test(flavor = "multi_thread")]
async fn post_ids_are_time_ordered_but_not_predictable() {
    let app = TestApp::spawn_with(lookbook_testkit::TestEnv::new().await, false).await;
    let mut ids: Vec<i64> = Vec::new();
    for _ in 0..100 {
        let id: i64 = sqlx::query_scalar("select lookbook_id()")
            .fetch_one(&app.api.db.primary)
            .await
            .unwrap();
        ids.push(id);
        // Several ids share a millisecond on a fast machine; these must not.
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "ids repeat");
    let ms: Vec<i64> = ids.iter().map(|id| id >> 16).collect();
    assert!(ms.windows(2).all(|w| w[0] <= w[1]), "time order broken");
    let (mut across, mut successive) = (0, 0);
    for pair in ids.windows(2) {
        if pair[0] >> 16 != pair[1] >> 16 {
            across += 1;
            if (pair[1] & 0xffff) == ((pair[0] & 0xffff) + 1) & 0xffff {
                successive += 1;
            }
        }
    }
    assert!(across >= 50, "only {across} millisecond changes in 100 ids");
    assert!(
        successive * 10 <= across,
        "{successive} of {across} next ids were the last plus one"
    );
}

/// With the media storage down, a photo upload answers 503 with
/// `Retry-After` and says why, while text posts keep working.
#[tokio::test(flavor = "multi_thread")]
async fn an_upload_during_a_storage_outage_is_a_503_with_retry_after() {
    let mut env = lookbook_testkit::TestEnv::new().await;
    let s3 = env.proxy("S3_ENDPOINT").await;
    let app = TestApp::spawn_with(env, true).await;
    let ann = app.sign_up("ann").await;
    s3.set_up(false);
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(super::media::jpeg(64, 64))
            .file_name("look.jpg")
            .mime_str("image/jpeg")
            .unwrap(),
    );
    let response = app
        .client
        .post(app.url("/api/v2/media"))
        .bearer_auth(&ann.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key("retry-after"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("storage"),
        "{body}"
    );
    let (status, body) = post(&app, &ann, json!({"status": "Words still work"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    s3.set_up(true);
}

/// A client that sends its request headers one line every 700 ms is
/// disconnected once the header time (here 1.5 s) is up, while a normal
/// request on another connection is answered.
#[tokio::test(flavor = "multi_thread")]
async fn a_client_trickling_its_headers_is_disconnected() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut env = lookbook_testkit::TestEnv::new().await;
    env.set("HEADER_READ_TIMEOUT_MS", "1500");
    let app = TestApp::spawn_with(env, false).await;
    let mut slow = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
        .await
        .unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut closed = false;
    for i in 0..20 {
        tokio::time::sleep(Duration::from_millis(700)).await;
        let (status, _) = app.get_json("/healthz").await;
        assert_eq!(status, StatusCode::OK, "others are still served");
        if slow
            .write_all(format!("X-Slow-{i}: 1\r\n").as_bytes())
            .await
            .is_err()
        {
            closed = true;
            break;
        }
        let mut buf = [0u8; 512];
        // Any answer to headers that never ended (an error, or the end of
        // the stream) means the server gave up on this client.
        if let Ok(read) = tokio::time::timeout(Duration::from_millis(10), slow.read(&mut buf)).await
        {
            let _ = read;
            closed = true;
            break;
        }
    }
    assert!(
        closed,
        "the slow client was still connected after {:?}",
        started.elapsed()
    );
}

/// A brand tagged only on a followers-only photo answers 404, as a brand
/// nobody tagged does, so its name is not revealed; once it is on a public
/// photo its page lists that post.
#[tokio::test(flavor = "multi_thread")]
async fn a_brand_only_on_private_photos_is_not_revealed() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let tag = |photo: String| {
        let (app, ann) = (&app, &ann);
        async move {
            let (status, item) = app
                .act(
                    ann,
                    &format!("/api/lookbook/v1/media/{photo}/items"),
                    &[
                        ("brand", "Secret Label"),
                        ("name", "Coat"),
                        ("category", "outerwear"),
                        ("x", "0.5"),
                        ("y", "0.5"),
                    ],
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{item}");
        }
    };
    let private_photo = super::statuses::ready_photo(&app, &ann).await;
    tag(private_photo.clone()).await;
    let (status, body) = post(
        &app,
        &ann,
        json!({"status": "For friends", "media_ids": [private_photo], "visibility": "private"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page = "/api/lookbook/v1/brands/secret-label/statuses";
    let (unknown, _) = app
        .get_json("/api/lookbook/v1/brands/no-such-label/statuses")
        .await;
    let (hidden, body) = app.get_json(page).await;
    assert_eq!(unknown, StatusCode::NOT_FOUND);
    assert_eq!(hidden, StatusCode::NOT_FOUND, "{body}");

    let public_photo = super::statuses::ready_photo(&app, &ann).await;
    tag(public_photo.clone()).await;
    let (status, posted) = post(
        &app,
        &ann,
        json!({"status": "For all", "media_ids": [public_photo], "visibility": "public"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{posted}");
    let (status, listed) = app.get_json(page).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(
        super::statuses::ids(&listed),
        vec![posted["id"].as_str().unwrap()]
    );
}
