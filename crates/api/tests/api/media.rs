//! Photo uploads through the API and the worker.

use std::io::Cursor;
use std::time::Duration;

use lookbook_testkit::{Member, TestApp, TestEnv, eventually};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

/// A PNG whose header claims `width` x `height` but holds almost nothing: a
/// decompression bomb's calling card.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut small = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image::RgbImage::new(1, 1))
        .write_to(&mut small, image::ImageFormat::Png)
        .unwrap();
    let mut bytes = small.into_inner();
    // IHDR data starts at byte 16: width then height, big-endian.
    bytes[16..20].copy_from_slice(&width.to_be_bytes());
    bytes[20..24].copy_from_slice(&height.to_be_bytes());
    bytes
}

async fn upload(
    app: &TestApp,
    member: &Member,
    bytes: Vec<u8>,
    name: &'static str,
) -> (StatusCode, Value) {
    let form = Form::new()
        .text("description", "Denim jacket, white tee")
        .text("focus", "0.25,-0.5")
        .part(
            "file",
            Part::bytes(bytes)
                .file_name(name)
                .mime_str("image/jpeg")
                .unwrap(),
        );
    let response = app
        .request_as(reqwest::Method::POST, &member.token, "/api/v2/media")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

/// Polls the media until it leaves processing; returns the final answer.
async fn settle(app: &TestApp, member: &Member, id: &str) -> (StatusCode, Value) {
    let path = format!("/api/v1/media/{id}");
    let done = eventually(Duration::from_secs(20), || async {
        app.get_as(&member.token, &path).await.status() != StatusCode::PARTIAL_CONTENT
    })
    .await;
    assert!(done, "media {id} still processing");
    app.read(member, &path).await
}

/// An upload answers 202 with no URL yet; once processed, the variants are in
/// the bucket at the announced sizes, and meta describes the original.
#[tokio::test(flavor = "multi_thread")]
async fn a_photo_is_processed_into_variants() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let (status, body) = upload(&app, &ann, jpeg(2000, 1500), "look.jpg").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert!(body["url"].is_null());
    assert_eq!(body["description"], "Denim jacket, white tee");
    let id = body["id"].as_str().unwrap().to_string();

    let (status, body) = settle(&app, &ann, &id).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["type"], "image");
    assert_eq!(body["meta"]["original"]["width"], 2000);
    assert_eq!(body["meta"]["original"]["height"], 1500);
    assert_eq!(body["meta"]["small"]["width"], 320);
    assert_eq!(body["meta"]["focus"]["x"], 0.25);
    let storage = app.env.storage();
    let bucket = format!("{}/", storage.bucket());
    for (field, width) in [("url", 1080), ("preview_url", 320)] {
        let key = body[field]
            .as_str()
            .unwrap()
            .split(&bucket)
            .nth(1)
            .unwrap()
            .to_string();
        let bytes = storage.get(&key, 10 << 20).await.unwrap().unwrap();
        let img = image::load_from_memory(&bytes).unwrap();
        assert_eq!(img.width(), width, "{field}");
        assert_eq!(img.height(), width * 3 / 4, "{field}");
    }
}

/// Bad files are refused at the door (not an image, too big) or fail in the
/// worker with a reason (damaged, a bomb), and the worker keeps serving.
#[tokio::test(flavor = "multi_thread")]
async fn bad_photos_are_refused_with_a_reason() {
    let mut env = TestEnv::new().await;
    env.set("LIMIT_PHOTO_BYTES", "200000");
    let app = TestApp::spawn_with(env, true).await;
    let ann = app.sign_up("ann").await;

    let (status, body) = upload(&app, &ann, b"just some text, renamed".to_vec(), "text.jpg").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = upload(&app, &ann, Vec::new(), "empty.jpg").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut huge = jpeg(100, 100);
    huge.extend(std::iter::repeat_n(0u8, 300_000));
    let (status, body) = upload(&app, &ann, huge, "huge.jpg").await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");

    let mut truncated = jpeg(400, 300);
    truncated.truncate(truncated.len() / 2);
    for (bytes, name, reason) in [
        (truncated, "cut.jpg", "damaged"),
        (png_claiming(50_000, 50_000), "bomb.png", ""),
    ] {
        let (status, body) = upload(&app, &ann, bytes, name).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{name}: {body}");
        let (status, body) = settle(&app, &ann, body["id"].as_str().unwrap()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        let error = body["error"].as_str().unwrap();
        assert!(
            error.starts_with("processing failed: ") && error.contains(reason),
            "{name}: {error}"
        );
    }

    // The worker is still serving.
    let (_, body) = upload(&app, &ann, jpeg(200, 100), "fine.jpg").await;
    let (status, _) = settle(&app, &ann, body["id"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
}

/// Descriptions and focus can change; another member's photo does not exist
/// for them; limits on alt text and focus are enforced.
#[tokio::test(flavor = "multi_thread")]
async fn media_details_change_and_stay_private() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let (_, body) = upload(&app, &ann, jpeg(300, 200), "look.jpg").await;
    let id = body["id"].as_str().unwrap().to_string();
    settle(&app, &ann, &id).await;
    let path = format!("/api/v1/media/{id}");
    let put = |member: &Member, form: Vec<(&'static str, String)>| {
        app.request_as(reqwest::Method::PUT, &member.token, &path)
            .form(&form)
            .send()
    };
    let response = put(
        &ann,
        vec![
            ("description", "Linen suit".into()),
            ("focus", "-1,1".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["description"], "Linen suit");
    assert_eq!(body["meta"]["focus"]["x"], -1.0);

    assert_eq!(
        app.get_as(&bob.token, &path).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        put(&bob, vec![("description", "mine now".into())])
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        put(&ann, vec![("focus", "2,0".into())])
            .await
            .unwrap()
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let long = "x".repeat(1501);
    assert_eq!(
        put(&ann, vec![("description", long)])
            .await
            .unwrap()
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (_, body) = app.read(&ann, &path).await;
    assert_eq!(
        body["description"], "Linen suit",
        "refused changes left it as it was"
    );
}
