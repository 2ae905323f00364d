//! Direct-to-S3 uploads: a presigned PUT, then completion, then the usual
//! processing.

use lookbook_testkit::{Member, TestApp, TestEnv};
use reqwest::StatusCode;
use serde_json::Value;

use super::media::{jpeg, settle, upload};

/// Starts an upload; answers the JSON with the presigned URL.
async fn start(
    app: &TestApp,
    member: &Member,
    content_type: &str,
    size: usize,
) -> (StatusCode, Value) {
    let size = size.to_string();
    app.act(
        member,
        "/api/lookbook/v1/uploads",
        &[
            ("content_type", content_type),
            ("size", &size),
            ("description", "Trench coat"),
        ],
    )
    .await
}

/// PUTs bytes to the presigned URL with the headers it came with, the
/// content type replaced by `content_type`.
async fn put(app: &TestApp, ticket: &Value, bytes: Vec<u8>, content_type: &str) -> StatusCode {
    let mut request = app.client.put(ticket["upload_url"].as_str().unwrap());
    for (name, value) in ticket["headers"].as_object().unwrap() {
        if !name.eq_ignore_ascii_case("content-type")
            && !name.eq_ignore_ascii_case("content-length")
        {
            request = request.header(name, value.as_str().unwrap());
        }
    }
    request
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .unwrap()
        .status()
}

/// A photo PUT straight to S3 becomes an ordinary, processed attachment;
/// completing twice gives the same one.
#[tokio::test(flavor = "multi_thread")]
async fn a_photo_uploaded_straight_to_s3_is_processed() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let photo = jpeg(1600, 1200);
    let (status, ticket) = start(&app, &ann, "image/jpeg", photo.len()).await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    assert_eq!(ticket["method"], "PUT");
    let id = ticket["id"].as_str().unwrap();
    let complete = format!("/api/lookbook/v1/uploads/{id}/complete");

    let (status, early) = app.act(&ann, &complete, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{early}");
    assert!(
        early["error"].as_str().unwrap().contains("PUT it"),
        "{early}"
    );

    assert!(put(&app, &ticket, photo, "image/jpeg").await.is_success());
    let (status, media) = app.act(&ann, &complete, &[]).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{media}");
    assert_eq!(media["description"], "Trench coat");
    let (status, again) = app.act(&ann, &complete, &[]).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(again["id"], media["id"]);

    let (status, ready) = settle(&app, &ann, media["id"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{ready}");
    assert_eq!(ready["meta"]["original"]["width"], 1600);
    app.finish().await.unwrap();
}

/// S3 refuses a file of another size or type than was signed; nobody else
/// can complete the upload; bad requests get a reason; bytes that are not
/// an image fail in the worker with one.
#[tokio::test(flavor = "multi_thread")]
async fn direct_uploads_hold_to_what_was_signed() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let photo = jpeg(400, 300);

    let (_, ticket) = start(&app, &ann, "image/jpeg", photo.len()).await;
    let mut longer = photo.clone();
    longer.extend_from_slice(&[0; 100]);
    assert!(
        put(&app, &ticket, longer, "image/jpeg")
            .await
            .is_client_error()
    );
    assert!(
        put(&app, &ticket, photo.clone(), "text/html")
            .await
            .is_client_error()
    );
    let complete = format!(
        "/api/lookbook/v1/uploads/{}/complete",
        ticket["id"].as_str().unwrap()
    );
    let (status, _) = app.act(&ann, &complete, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "nothing arrived");
    assert!(
        put(&app, &ticket, photo.clone(), "image/jpeg")
            .await
            .is_success()
    );
    let (status, _) = app.act(&bob, &complete, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // An upload whose URL expired before the file arrived says so.
    let (_, late) = start(&app, &ann, "image/jpeg", photo.len()).await;
    let late_id: i64 = late["id"].as_str().unwrap().parse().unwrap();
    sqlx::query!(
        "update direct_uploads set expires_at = now() - interval '1 minute' where id = $1",
        late_id
    )
    .execute(&app.env.db)
    .await
    .unwrap();
    let late_path = format!(
        "/api/lookbook/v1/uploads/{}/complete",
        late["id"].as_str().unwrap()
    );
    let (status, answer) = app.act(&ann, &late_path, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer["error"].as_str().unwrap().contains("expired"),
        "{answer}"
    );

    let (status, _) = start(&app, &ann, "application/pdf", 100).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = start(&app, &ann, "image/png", 0).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = start(&app, &ann, "image/png", 1 << 40).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    let text = b"<html>not a photo</html>".to_vec();
    let (_, ticket) = start(&app, &ann, "image/jpeg", text.len()).await;
    assert!(put(&app, &ticket, text, "image/jpeg").await.is_success());
    let complete = format!(
        "/api/lookbook/v1/uploads/{}/complete",
        ticket["id"].as_str().unwrap()
    );
    let (status, media) = app.act(&ann, &complete, &[]).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, failed) = settle(&app, &ann, media["id"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{failed}");
    app.finish().await.unwrap();
}

/// Photo uploads are limited per member, multipart and direct alike, with
/// Retry-After; other members are not affected.
#[tokio::test(flavor = "multi_thread")]
async fn photo_uploads_per_member_are_limited() {
    let mut env = TestEnv::new().await;
    env.set("LIMIT_MEDIA_UPLOADS", "2");
    let app = TestApp::spawn_with(env, true).await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    for _ in 0..2 {
        let (status, body) = upload(&app, &ann, jpeg(64, 64), "a.jpg").await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    let (status, body) = upload(&app, &ann, jpeg(64, 64), "a.jpg").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let response = app
        .request_as(
            reqwest::Method::POST,
            &ann.token,
            "/api/lookbook/v1/uploads",
        )
        .form(&[("content_type", "image/jpeg"), ("size", "100")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=1800).contains(&retry), "{retry}");
    let (status, _) = start(&app, &bob, "image/jpeg", 100).await;
    assert_eq!(status, StatusCode::OK);
    app.finish().await.unwrap();
}

/// The key of a direct upload, as the server chose it.
async fn object_key(app: &TestApp, ticket: &Value) -> String {
    let id: i64 = ticket["id"].as_str().unwrap().parse().unwrap();
    sqlx::query_scalar("select object_key from direct_uploads where id = $1")
        .bind(id)
        .fetch_one(&app.env.db)
        .await
        .unwrap()
}

/// A presigned URL used again after its upload was completed and processed,
/// and an upload never completed: once their URLs are long dead, the worker
/// deletes what they left in the bucket, and completing the abandoned one
/// then says it expired.
#[tokio::test(flavor = "multi_thread")]
async fn what_direct_uploads_leave_behind_is_swept() {
    let mut env = TestEnv::new().await;
    env.set("UPLOAD_SWEEP_INTERVAL_MS", "200");
    let app = TestApp::spawn_with(env, true).await;
    let storage = app.env.storage();
    let ann = app.sign_up("ann").await;
    let photo = jpeg(640, 480);

    let (_, used) = start(&app, &ann, "image/jpeg", photo.len()).await;
    assert!(
        put(&app, &used, photo.clone(), "image/jpeg")
            .await
            .is_success()
    );
    let complete = format!(
        "/api/lookbook/v1/uploads/{}/complete",
        used["id"].as_str().unwrap()
    );
    let (status, media) = app.act(&ann, &complete, &[]).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{media}");
    let (status, _) = settle(&app, &ann, media["id"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let used_key = object_key(&app, &used).await;
    let processed = lookbook_testkit::eventually(std::time::Duration::from_secs(10), || async {
        !storage.exists(&used_key).await.unwrap()
    })
    .await;
    assert!(processed, "the worker kept the original");
    // The URL still works: the file is back under the key.
    assert!(
        put(&app, &used, photo.clone(), "image/jpeg")
            .await
            .is_success()
    );
    assert!(storage.exists(&used_key).await.unwrap());

    let (_, abandoned) = start(&app, &ann, "image/jpeg", photo.len()).await;
    assert!(
        put(&app, &abandoned, photo, "image/jpeg")
            .await
            .is_success()
    );
    let abandoned_key = object_key(&app, &abandoned).await;
    assert!(storage.exists(&abandoned_key).await.unwrap());

    // Both URLs expired longer ago than the sweep's grace.
    sqlx::query("update direct_uploads set expires_at = now() - interval '2 hours'")
        .execute(&app.env.db)
        .await
        .unwrap();
    let swept = lookbook_testkit::eventually(std::time::Duration::from_secs(15), || async {
        !storage.exists(&used_key).await.unwrap() && !storage.exists(&abandoned_key).await.unwrap()
    })
    .await;
    assert!(swept, "files left behind");
    let late = format!(
        "/api/lookbook/v1/uploads/{}/complete",
        abandoned["id"].as_str().unwrap()
    );
    let (status, body) = app.act(&ann, &late, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("expired"),
        "{body}"
    );
    app.finish().await.unwrap();
}
