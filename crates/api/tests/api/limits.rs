//! Bounds on what one client may send: small JSON and form bodies, photo
//! uploads and profile images counted alike.

use lookbook_testkit::{TestApp, TestEnv};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use super::media::jpeg;
use super::statuses::post;

/// A status form with a hundred thousand keys (about 1 MB) is refused with
/// 413 and a reason before it is parsed; an ordinary post and a photo of
/// over a megabyte still go through.
#[tokio::test(flavor = "multi_thread")]
async fn a_huge_form_is_refused_but_photos_still_upload() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let mut body = String::from("status=hello");
    for i in 0..100_000 {
        body.push_str(&format!("&k{i}=v"));
    }
    let response = app
        .request_as(reqwest::Method::POST, &ann.token, "/api/v1/statuses")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let error: Value = response.json().await.unwrap();
    assert!(
        error["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{error}"
    );

    let (status, posted) = post(&app, &ann, json!({"status": "Just words"})).await;
    assert_eq!(status, StatusCode::OK, "{posted}");
    let photo = jpeg(1600, 1200);
    assert!(photo.len() > 100_000, "{} bytes", photo.len());
    let form = Form::new().part(
        "file",
        Part::bytes(photo)
            .file_name("big.jpg")
            .mime_str("image/jpeg")
            .unwrap(),
    );
    let response = app
        .request_as(reqwest::Method::POST, &ann.token, "/api/v2/media")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
}

/// Avatars and headers count against the same limit as photos: with two
/// uploads allowed, an avatar and a header pass, the next avatar is refused
/// with 429 and `Retry-After`.
#[tokio::test(flavor = "multi_thread")]
async fn profile_images_count_against_the_upload_limit() {
    let mut env = TestEnv::new().await;
    env.set("LIMIT_MEDIA_UPLOADS", "2");
    let app = TestApp::spawn_with(env, true).await;
    let ann = app.sign_up("ann").await;
    let send = |field: &'static str| {
        let form = Form::new().part(
            field,
            Part::bytes(jpeg(64, 64))
                .file_name("me.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
        app.request_as(
            reqwest::Method::PATCH,
            &ann.token,
            "/api/v1/accounts/update_credentials",
        )
        .multipart(form)
        .send()
    };
    assert_eq!(send("avatar").await.unwrap().status(), StatusCode::OK);
    assert_eq!(send("header").await.unwrap().status(), StatusCode::OK);
    let refused = send("avatar").await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key("retry-after"));
}
