//! Custom emojis end to end: added from a picture file as the operator
//! command adds them (`lookbook_worker::emoji`), listed by
//! `/api/v1/custom_emojis`, served as a PNG within 128x128, and named in the
//! `emojis` of the posts, polls and accounts that write `:shortcode:`.

use std::path::{Path, PathBuf};

use lookbook_core::db::custom_emojis::{Removed, Saved};
use lookbook_core::text::shortcodes::Shortcode;
use lookbook_testkit::{TestApp, TestEnv};
use lookbook_worker::emoji::{EmojiError, Emojis, NewEmoji};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::statuses::post;

/// A directory of its own for a test's files, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        let dir = std::env::temp_dir().join(format!("lbt-emoji-{:08x}", rand::random::<u32>()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// A `width` x `height` PNG: an opaque red disc on a transparent ground.
    fn png(&self, name: &str, width: u32, height: u32) -> PathBuf {
        let (cx, cy) = (f64::from(width) / 2.0, f64::from(height) / 2.0);
        let radius = cx.min(cy) * 0.8;
        let image = image::RgbaImage::from_fn(width, height, |x, y| {
            let (dx, dy) = (f64::from(x) - cx, f64::from(y) - cy);
            if dx * dx + dy * dy < radius * radius {
                image::Rgba([220, 20, 20, 255])
            } else {
                image::Rgba([0, 0, 0, 0])
            }
        });
        let path = self.0.join(name);
        image.save(&path).unwrap();
        path
    }

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn emoji(shortcode: &str, file: &Path, category: Option<&str>, hidden: bool) -> NewEmoji {
    NewEmoji {
        shortcode: Shortcode::parse(shortcode).unwrap(),
        file: file.to_path_buf(),
        category: category.map(str::to_string),
        hidden,
    }
}

/// `/api/v1/custom_emojis`, read by nobody signed in.
async fn listed(app: &TestApp) -> Vec<Value> {
    let (status, body) = app.get_json("/api/v1/custom_emojis").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().unwrap().clone()
}

fn shortcodes(emojis: &Value) -> Vec<&str> {
    emojis
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {emojis}"))
        .iter()
        .map(|e| e["shortcode"].as_str().unwrap())
        .collect()
}

/// The S3 key a served URL points at.
fn key_of(app: &TestApp, url: &str) -> String {
    let base = format!("{}/", app.env.var("MEDIA_BASE_URL"));
    url.strip_prefix(&base)
        .unwrap_or_else(|| panic!("{url} is not under {base}"))
        .to_string()
}

/// An emoji added from a 300x150 PNG is listed at once (the cached list is
/// dropped), served as a 128x64 PNG that kept its transparency, and named
/// in posts that write it (text, content warning, poll choices), but
/// `:nope:` is not; adding it again changes nothing.
#[tokio::test(flavor = "multi_thread")]
async fn an_added_emoji_is_listed_served_and_named_in_posts() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let files = Scratch::new();
    let picture = files.png("blob.png", 300, 150);
    let emojis = Emojis::connect(&app.env.config()).await.unwrap();
    assert!(
        listed(&app).await.is_empty(),
        "read once, so it is cached empty"
    );

    let (added, saved) = emojis
        .add(&emoji("blobcat", &picture, None, false))
        .await
        .unwrap();
    assert_eq!(saved, Saved::Added);
    assert_eq!((added.width, added.height), (128, 64));
    let list = listed(&app).await;
    assert_eq!(list.len(), 1, "{list:?}");
    let entity = &list[0];
    assert_eq!(entity["shortcode"], "blobcat");
    assert_eq!(entity["visible_in_picker"], true);
    assert!(
        entity.as_object().unwrap().contains_key("category") && entity["category"].is_null(),
        "category is null when there is none: {entity}"
    );
    let url = entity["url"].as_str().unwrap();
    assert_eq!(entity["static_url"], url);
    let response = app.get("/api/v1/custom_emojis").await;
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=1",
        "anonymous reads are public for the edge's second"
    );

    let storage = app.env.storage();
    let key = key_of(&app, url);
    let (_, content_type) = storage.head(&key).await.unwrap().unwrap();
    assert_eq!(content_type.as_deref(), Some("image/png"));
    let bytes = storage.get(&key, 1 << 20).await.unwrap().unwrap();
    assert_eq!(
        image::guess_format(&bytes).unwrap(),
        image::ImageFormat::Png
    );
    let served = image::load_from_memory(&bytes).unwrap();
    assert!(served.color().has_alpha(), "transparency was dropped");
    let served = served.to_rgba8();
    assert_eq!(served.dimensions(), (128, 64), "fits 128x128, aspect kept");
    assert_eq!(served.get_pixel(0, 0)[3], 0, "the ground stays clear");
    assert_eq!(served.get_pixel(64, 32)[3], 255, "the disc stays opaque");

    let (_, saved) = emojis
        .add(&emoji("blobcat", &picture, None, false))
        .await
        .unwrap();
    assert_eq!(
        saved,
        Saved::Unchanged,
        "adding the same again changes nothing"
    );

    let (status, named) = post(&app, &ann, json!({"status": "New boots :blobcat: :nope:"})).await;
    assert_eq!(status, StatusCode::OK, "{named}");
    assert_eq!(named["emojis"], json!([entity]));
    assert!(
        named.get("lookbook_emojis").is_none(),
        "private keys stay private"
    );
    let (_, unknown) = post(&app, &ann, json!({"status": "Nothing :nope: here"})).await;
    assert_eq!(unknown["emojis"], json!([]));
    let (_, warned) = post(
        &app,
        &ann,
        json!({"status": "Spoilers", "spoiler_text": "Look :blobcat:"}),
    )
    .await;
    assert_eq!(shortcodes(&warned["emojis"]), ["blobcat"]);
    let form = [
        ("status", "Which one?"),
        ("poll[options][]", ":blobcat: velvet"),
        ("poll[options][]", "satin"),
        ("poll[expires_in]", "3600"),
    ];
    let (status, polled) = app.act(&ann, "/api/v1/statuses", &form).await;
    assert_eq!(status, StatusCode::OK, "{polled}");
    assert_eq!(shortcodes(&polled["emojis"]), ["blobcat"]);
    assert_eq!(shortcodes(&polled["poll"]["emojis"]), ["blobcat"]);

    // Read again from the cache, by nobody signed in.
    let path = format!("/api/v1/statuses/{}", named["id"].as_str().unwrap());
    let (_, again) = app.get_json(&path).await;
    assert_eq!(again["emojis"], json!([entity]));
    app.finish().await.unwrap();
}

/// Names and bios name their emojis on every Account entity: the member's
/// own, a profile read by others and the author of a post.
#[tokio::test(flavor = "multi_thread")]
async fn accounts_name_the_emojis_of_their_names_and_bios() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let files = Scratch::new();
    let emojis = Emojis::connect(&app.env.config()).await.unwrap();
    for code in ["heart", "star"] {
        emojis
            .add(&emoji(code, &files.png("p.png", 64, 64), None, false))
            .await
            .unwrap();
    }
    let response = app
        .request_as(
            Method::PATCH,
            &ann.token,
            "/api/v1/accounts/update_credentials",
        )
        .form(&[
            ("display_name", "Ann :heart:"),
            ("note", "I <3 :star: & :nope:"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let me: Value = response.json().await.unwrap();
    assert_eq!(shortcodes(&me["emojis"]), ["heart", "star"]);
    let (_, profile) = app.get_json(&format!("/api/v1/accounts/{}", ann.id)).await;
    assert_eq!(shortcodes(&profile["emojis"]), ["heart", "star"]);
    let (_, posted) = post(&app, &ann, json!({"status": "plain"})).await;
    assert_eq!(shortcodes(&posted["account"]["emojis"]), ["heart", "star"]);
    assert_eq!(posted["emojis"], json!([]));
    app.finish().await.unwrap();
}

/// A hidden emoji is listed with `visible_in_picker: false` and its
/// category, in shortcode order; shortcodes with the same picture share one
/// object, which goes only with the last of them; a replaced picture gets a
/// new URL; a removed emoji leaves the list and the posts that wrote it.
#[tokio::test(flavor = "multi_thread")]
async fn hidden_replaced_and_removed_emojis() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let files = Scratch::new();
    let picture = files.png("disc.png", 90, 90);
    let emojis = Emojis::connect(&app.env.config()).await.unwrap();
    emojis
        .add(&emoji("shown", &picture, None, false))
        .await
        .unwrap();
    emojis
        .add(&emoji("Secret", &picture, Some("Staff"), true))
        .await
        .unwrap();
    let list = listed(&app).await;
    assert_eq!(shortcodes(&json!(list)), ["Secret", "shown"]);
    assert_eq!(list[0]["visible_in_picker"], false);
    assert_eq!(list[0]["category"], "Staff");
    assert_eq!(list[1]["visible_in_picker"], true);
    assert_eq!(list[0]["url"], list[1]["url"], "one picture, one object");
    let shared_key = key_of(&app, list[0]["url"].as_str().unwrap());

    let (_, posted) = post(&app, &ann, json!({"status": ":Secret: and :shown:"})).await;
    assert_eq!(shortcodes(&posted["emojis"]), ["Secret", "shown"]);

    let (_, saved) = emojis
        .add(&emoji(
            "shown",
            &files.png("tall.png", 50, 200),
            None,
            false,
        ))
        .await
        .unwrap();
    assert_eq!(
        saved,
        Saved::Replaced { unused_image: None },
        "Secret still uses it"
    );
    let list = listed(&app).await;
    assert_ne!(list[1]["url"], list[0]["url"], "a new picture, a new URL");
    let storage = app.env.storage();
    let tall = storage
        .get(&key_of(&app, list[1]["url"].as_str().unwrap()), 1 << 20)
        .await
        .unwrap()
        .unwrap();
    let tall = image::load_from_memory(&tall).unwrap();
    assert_eq!((tall.width(), tall.height()), (32, 128));

    let secret = Shortcode::parse("Secret").unwrap();
    let removed = emojis.remove(&secret).await.unwrap();
    assert_eq!(
        removed,
        Removed::Removed {
            unused_image: Some(shared_key.clone())
        }
    );
    assert!(
        !storage.exists(&shared_key).await.unwrap(),
        "its object is gone"
    );
    assert_eq!(shortcodes(&json!(listed(&app).await)), ["shown"]);
    let path = format!("/api/v1/statuses/{}", posted["id"].as_str().unwrap());
    let (_, again) = app.get_json(&path).await;
    assert_eq!(shortcodes(&again["emojis"]), ["shown"]);
    assert_eq!(emojis.remove(&secret).await.unwrap(), Removed::NotThere);
    assert!(emojis.cache_confirmed());
    app.finish().await.unwrap();
}

/// A file that is not a picture, and one that is not there, are refused
/// with the reason (exit code 3 for the command) and add nothing.
#[tokio::test(flavor = "multi_thread")]
async fn files_that_are_not_pictures_are_refused_with_the_reason() {
    let app = TestApp::spawn_with(TestEnv::new().await, false).await;
    let files = Scratch::new();
    let emojis = Emojis::connect(&app.env.config()).await.unwrap();
    let notes = files.file("notes.png", b"just some notes, named like a picture\n");
    let err = emojis
        .add(&emoji("notes", &notes, None, false))
        .await
        .unwrap_err();
    assert!(matches!(err, EmojiError::Unusable { .. }), "{err:?}");
    assert_eq!(err.exit_code(), 3);
    let message = err.to_string();
    assert!(
        message.contains("notes.png cannot be a custom emoji")
            && message.contains("not a supported image"),
        "{message}"
    );
    let cut = std::fs::read(files.png("whole.png", 100, 100)).unwrap();
    let cut = files.file("cut.png", &cut[..cut.len() / 2]);
    let err = emojis
        .add(&emoji("cut", &cut, None, false))
        .await
        .unwrap_err();
    assert!(matches!(err, EmojiError::Unusable { .. }), "{err:?}");
    let missing = files.0.join("missing.png");
    let err = emojis
        .add(&emoji("missing", &missing, None, false))
        .await
        .unwrap_err();
    assert!(matches!(err, EmojiError::Unreadable { .. }), "{err:?}");
    assert!(err.to_string().contains("cannot read"), "{err}");
    assert_eq!(err.exit_code(), 3);
    assert!(listed(&app).await.is_empty());
    assert!(app.env.storage().list("emojis/").await.unwrap().is_empty());
    app.finish().await.unwrap();
}
