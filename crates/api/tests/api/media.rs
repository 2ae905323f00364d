//! Photo uploads through the API and the worker.

use std::io::Cursor;
use std::time::Duration;

use lookbook_testkit::{Member, TestApp, TestEnv, eventually};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
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

pub async fn upload(
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
pub async fn settle(app: &TestApp, member: &Member, id: &str) -> (StatusCode, Value) {
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
    // Each size also comes as WebP, for the clients that take it.
    let webp = &body["lookbook"]["webp"];
    for name in ["original", "1080", "640", "320"] {
        let width = name.parse().unwrap_or(2000); // the original is not scaled
        let key = webp[name].as_str().unwrap().split(&bucket).nth(1).unwrap();
        let bytes = storage.get(key, 10 << 20).await.unwrap().unwrap();
        let format = image::guess_format(&bytes).unwrap();
        assert_eq!(format, image::ImageFormat::WebP, "{name}");
        let img = image::load_from_memory(&bytes).unwrap();
        assert_eq!(img.width(), width, "{name}");
        assert_eq!(img.height(), width * 3 / 4, "{name}");
    }
    assert_valid_blurhash(&body);
}

/// The entity's blurhash is a 4x3 one that decodes; returns its pixels
/// (RGBA) at 40x30.
fn assert_valid_blurhash(body: &Value) -> Vec<u8> {
    let hash = body["blurhash"].as_str().unwrap();
    assert_eq!(hash.len(), 4 + 2 * 4 * 3, "4x3 components: {hash}");
    let pixels = blurhash::decode(hash, 40, 30, 1.0).unwrap();
    assert_eq!(pixels.len(), 40 * 30 * 4);
    pixels
}

/// `#rrggbb` as its three channels.
fn rgb(hex: &str) -> [u8; 3] {
    assert!(hex.len() == 7 && hex.starts_with('#'), "{hex}");
    let [_, r, g, b] = u32::from_str_radix(&hex[1..], 16).unwrap().to_be_bytes();
    [r, g, b]
}

/// A mostly red photo with some blue: the placeholder and the colours say
/// red, red first, and a processing photo has neither yet.
#[tokio::test(flavor = "multi_thread")]
async fn a_ready_photo_has_a_blurhash_and_its_colours() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let img = image::RgbImage::from_fn(800, 600, |x, y| {
        let grain = ((x * 5 + y * 11) % 13) as u8;
        if x < 640 {
            image::Rgb([190 + grain, 25, 35])
        } else {
            image::Rgb([20, 35, 180 + grain])
        }
    });
    let mut bytes = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut bytes, image::ImageFormat::Jpeg)
        .unwrap();
    let (status, body) = upload(&app, &ann, bytes.into_inner(), "red.jpg").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert!(body["blurhash"].is_null());
    assert_eq!(body["lookbook"]["colors"], serde_json::json!([]));

    let (status, body) = settle(&app, &ann, body["id"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let placeholder = assert_valid_blurhash(&body);
    let left = &placeholder[(15 * 40 + 8) * 4..][..3];
    assert!(left[0] > 120 && left[2] < 90, "a red placeholder: {left:?}");
    let colors: Vec<[u8; 3]> = body["lookbook"]["colors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| rgb(c.as_str().unwrap()))
        .collect();
    assert!(!colors.is_empty() && colors.len() <= 5, "{colors:?}");
    let red = colors[0];
    assert!(
        red[0].abs_diff(196) < 25 && red[1] < 60 && red[2] < 70,
        "red comes first: {colors:?}"
    );
    assert!(
        colors[1..].iter().any(|c| c[2] > 150 && c[0] < 60),
        "the blue follows: {colors:?}"
    );
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

/// A phone photo: stored sideways (200x100, left half red, right half blue)
/// with EXIF orientation 6, GPS tags and an ICC profile.
fn phone_jpeg() -> Vec<u8> {
    let img = image::RgbImage::from_fn(200, 100, |x, _| {
        if x < 100 {
            image::Rgb([220, 20, 20])
        } else {
            image::Rgb([20, 20, 220])
        }
    });
    let mut plain = Vec::new();
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90);
    image::ImageEncoder::set_icc_profile(&mut encoder, b"lookbook-test-colour-profile".to_vec())
        .unwrap();
    image::ImageEncoder::write_image(
        encoder,
        img.as_raw(),
        200,
        100,
        image::ExtendedColorType::Rgb8,
    )
    .unwrap();
    // TIFF: IFD0 with Orientation = 6 and a GPS IFD holding GPSLatitudeRef = "N".
    let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    tiff.extend([0x00, 0x02]);
    tiff.extend([
        0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00,
    ]);
    tiff.extend([
        0x88, 0x25, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 38,
    ]);
    tiff.extend([0x00, 0x00, 0x00, 0x00]);
    tiff.extend([0x00, 0x01]);
    tiff.extend([
        0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, b'N', 0x00, 0x00, 0x00,
    ]);
    tiff.extend([0x00, 0x00, 0x00, 0x00]);
    let mut app1 = vec![0xff, 0xe1];
    let length = u16::try_from(2 + 6 + tiff.len()).unwrap();
    app1.extend(length.to_be_bytes());
    app1.extend(b"Exif\x00\x00");
    app1.extend(tiff);
    let mut out = plain[..2].to_vec();
    out.extend(app1);
    out.extend(&plain[2..]);
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A sideways phone photo comes back upright, with no EXIF (so no GPS) in
/// any served variant, and its colour profile kept.
#[tokio::test(flavor = "multi_thread")]
async fn phone_photos_come_back_upright_and_without_metadata() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let original = phone_jpeg();
    assert!(contains(&original, b"Exif\x00\x00") && contains(&original, b"ICC_PROFILE"));
    let (status, body) = upload(&app, &ann, original, "IMG_0001.JPG").await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, body) = settle(&app, &ann, body["id"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (
            body["meta"]["original"]["width"].clone(),
            body["meta"]["original"]["height"].clone()
        ),
        (100.into(), 200.into())
    );
    let storage = app.env.storage();
    let prefix = body["url"]
        .as_str()
        .unwrap()
        .split(&format!("{}/", storage.bucket()))
        .nth(1)
        .unwrap()
        .rsplit_once('/')
        .unwrap()
        .0
        .to_string();
    let keys = storage.list(&prefix).await.unwrap();
    assert_eq!(keys.len(), 8, "four sizes, as JPEG and WebP: {keys:?}");
    for key in keys {
        let bytes = storage.get(&key, 10 << 20).await.unwrap().unwrap();
        if key.ends_with(".webp") {
            assert!(
                !contains(&bytes, b"EXIF") && !contains(&bytes, b"Exif"),
                "{key} still has EXIF"
            );
        } else {
            assert!(
                !contains(&bytes, b"Exif") && !contains(&bytes, &[0xff, 0xe1]),
                "{key} still has EXIF"
            );
        }
        assert!(
            contains(&bytes, b"lookbook-test-colour-profile"),
            "{key} lost its colour profile"
        );
        let img = image::load_from_memory(&bytes).unwrap().to_rgb8();
        assert!(img.height() > img.width(), "{key} is not upright");
        let top = img.get_pixel(img.width() / 2, img.height() / 8);
        let bottom = img.get_pixel(img.width() / 2, img.height() * 7 / 8);
        assert!(
            top[0] > 150 && top[2] < 100,
            "{key}: the red half belongs on top, got {top:?}"
        );
        assert!(
            bottom[2] > 150 && bottom[0] < 100,
            "{key}: the blue half belongs below, got {bottom:?}"
        );
    }
    // The upload, GPS and all, does not outlive processing.
    let uploads = format!("originals/media/{}/", ann.id);
    let gone = eventually(Duration::from_secs(10), || async {
        storage.list(&uploads).await.unwrap().is_empty()
    })
    .await;
    assert!(gone, "the upload with its GPS tags is still stored");
}
