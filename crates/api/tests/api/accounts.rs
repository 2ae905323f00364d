//! Sign-up, profiles, lookup and search.

use std::time::Duration;

use lookbook_testkit::{TestApp, TestEnv, eventually};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

/// A sign-up answers a token for the new member, whose credentials show
/// their own settings.
#[tokio::test(flavor = "multi_thread")]
async fn sign_up_gives_a_working_token() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("Ann_1").await;
    let (status, me) = app.read(&ann, "/api/v1/accounts/verify_credentials").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["username"], "Ann_1");
    assert_eq!(me["acct"], "Ann_1");
    assert_eq!(me["source"]["privacy"], "public");
    assert_eq!(me["followers_count"], 0);
    assert!(
        me["created_at"]
            .as_str()
            .unwrap()
            .ends_with("T00:00:00.000Z")
    );
    assert!(me.get("email").is_none());
}

/// A form as owned pairs.
type FormFields = Vec<(String, String)>;

async fn sign_up_refusal(app: &TestApp, token: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let response = app.post_as(token, "/api/v1/accounts", form).await;
    (response.status(), response.json().await.unwrap())
}

/// Every refused sign-up is a 422 naming each field and Mastodon's code.
#[tokio::test(flavor = "multi_thread")]
async fn refused_sign_ups_name_the_field_and_code() {
    let app = TestApp::spawn().await;
    app.sign_up("taken").await;
    let client = app.register_client("read write").await;
    let token = app.app_token(&client, "write:accounts").await;
    // Far past the username limit, within the form body limit (a body past
    // that is refused with 413 before it is read: see limits.rs).
    let long = "x".repeat(48 * 1024);
    let good = |field: &str, value: &'static str| -> FormFields {
        let mut form = vec![
            ("username".to_string(), "fresh".to_string()),
            ("email".to_string(), "fresh@example.com".to_string()),
            ("password".to_string(), "long enough password".to_string()),
            ("agreement".to_string(), "1".to_string()),
            ("locale".to_string(), "en".to_string()),
        ];
        form.retain(|(k, _)| k != field);
        if !value.is_empty() || field == "username" {
            form.push((field.to_string(), value.to_string()));
        }
        form
    };
    let cases: Vec<(FormFields, &str, &str)> = vec![
        (good("username", "TAKEN"), "username", "ERR_TAKEN"),
        (good("username", ""), "username", "ERR_BLANK"),
        (good("username", "ann smith"), "username", "ERR_INVALID"),
        (good("username", "admin"), "username", "ERR_RESERVED"),
        (
            good("username", "abcdefghijklmnopqrstuvwxyz12345"),
            "username",
            "ERR_TOO_LONG",
        ),
        (good("email", "taken@example.com"), "email", "ERR_TAKEN"),
        (good("email", "not-an-email"), "email", "ERR_INVALID"),
        (good("password", "short"), "password", "ERR_TOO_SHORT"),
        (good("agreement", "0"), "agreement", "ERR_ACCEPTED"),
        (good("locale", "klingon!"), "locale", "ERR_INCLUSION"),
        (
            vec![("username".into(), long.clone())],
            "username",
            "ERR_TOO_LONG",
        ),
    ];
    for (form, field, code) in cases {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (status, body) = sign_up_refusal(&app, &token, &form).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field} {code}: {body}"
        );
        assert_eq!(body["details"][field][0]["error"], code, "{body}");
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .starts_with("Validation failed")
        );
    }
    // Nothing at all: every required field is named.
    let (_, body) = sign_up_refusal(&app, &token, &[]).await;
    for field in ["username", "email", "password", "agreement"] {
        assert!(body["details"][field].is_array(), "{field}: {body}");
    }
}

/// Sign-up needs an app token with write:accounts; a member's token is refused.
#[tokio::test(flavor = "multi_thread")]
async fn sign_up_needs_an_app_token() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let form = [
        ("username", "bob"),
        ("email", "bob@example.com"),
        ("password", "long enough password"),
        ("agreement", "1"),
    ];
    let (status, _) = sign_up_refusal(&app, &ann.token, &form).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let anonymous = app
        .client
        .post(app.url("/api/v1/accounts"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let client = app.register_client("read").await;
    let read_only = app.app_token(&client, "read").await;
    let (status, _) = sign_up_refusal(&app, &read_only, &form).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// Sign-ups from one address are limited, across instances.
#[tokio::test(flavor = "multi_thread")]
async fn sign_ups_per_address_are_limited() {
    let mut env = TestEnv::new().await;
    env.set("LIMIT_SIGNUPS_PER_IP", "2");
    let app = TestApp::spawn_with(env, false).await;
    app.sign_up("one").await;
    app.sign_up("two").await;
    let client = app.register_client("read write").await;
    let token = app.app_token(&client, "write:accounts").await;
    let form = [
        ("username", "three"),
        ("email", "three@example.com"),
        ("password", "long enough password"),
        ("agreement", "1"),
    ];
    let response = app.post_as(&token, "/api/v1/accounts", &form).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key("retry-after"));
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(width, height, image::Rgb([200, 30, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

/// A profile change applies what was sent and nothing else; the note and
/// profile fields are served as safe HTML; limits are enforced.
#[tokio::test(flavor = "multi_thread")]
async fn profiles_update_and_validate() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let patch = |form: Vec<(&'static str, String)>| {
        app.request_as(
            reqwest::Method::PATCH,
            &ann.token,
            "/api/v1/accounts/update_credentials",
        )
        .form(&form)
        .send()
    };
    let response = patch(vec![
        ("display_name", "Ann <3".into()),
        ("note", "Denim & <b>linen</b>".into()),
        ("locked", "true".into()),
        ("source[privacy]", "private".into()),
    ])
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["display_name"], "Ann <3");
    assert_eq!(me["note"], "<p>Denim &amp; &lt;b&gt;linen&lt;/b&gt;</p>");
    assert_eq!(me["source"]["note"], "Denim & <b>linen</b>");
    assert_eq!(me["locked"], true);
    assert_eq!(me["source"]["privacy"], "private");

    let response = patch(vec![("bot", "1".into())]).await.unwrap();
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["display_name"], "Ann <3", "untouched fields stay");
    assert_eq!(me["bot"], true);

    let response = patch(vec![("display_name", "x".repeat(31))]).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["details"]["display_name"][0]["error"], "ERR_TOO_LONG");
    let response = patch(vec![("source[privacy]", "everyone".into())])
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Profile fields, in the order of their positions; a link shows as one.
    let response = patch(vec![
        ("fields_attributes[1][name]", "Shop".into()),
        (
            "fields_attributes[1][value]",
            "https://ann.example/shop".into(),
        ),
        ("fields_attributes[0][name]", "Height".into()),
        ("fields_attributes[0][value]", "172 cm <tall>".into()),
        ("fields_attributes[2][name]", "".into()),
        ("fields_attributes[2][value]", "".into()),
    ])
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let me: Value = response.json().await.unwrap();
    assert_eq!(
        me["source"]["fields"],
        json!([
            {"name": "Height", "value": "172 cm <tall>", "verified_at": null},
            {"name": "Shop", "value": "https://ann.example/shop", "verified_at": null},
        ])
    );
    let (_, shown) = app.get_json(&format!("/api/v1/accounts/{}", ann.id)).await;
    assert_eq!(shown["fields"][0]["value"], "172 cm &lt;tall&gt;");
    assert_eq!(
        shown["fields"][1]["value"],
        "<a href=\"https://ann.example/shop\" target=\"_blank\" rel=\"nofollow noopener noreferrer me\">ann.example/shop</a>"
    );
    assert_eq!(shown["display_name"], "Ann <3", "other fields stay");
    // A change without fields keeps them; five are refused; JSON replaces them.
    let me: Value = patch(vec![("bot", "0".into())])
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["fields"].as_array().unwrap().len(), 2);
    let five: Vec<(&'static str, String)> = [
        "fields_attributes[0][name]",
        "fields_attributes[1][name]",
        "fields_attributes[2][name]",
        "fields_attributes[3][name]",
        "fields_attributes[4][name]",
    ]
    .into_iter()
    .map(|k| (k, "x".to_string()))
    .collect();
    let response = patch(five).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("at most 4"),
        "{body}"
    );
    let response = app
        .request_as(
            reqwest::Method::PATCH,
            &ann.token,
            "/api/v1/accounts/update_credentials",
        )
        .json(&json!({"fields_attributes": [{"name": "Pronouns", "value": "she/her"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (_, shown) = app.get_json(&format!("/api/v1/accounts/{}", ann.id)).await;
    assert_eq!(
        shown["fields"],
        json!([{"name": "Pronouns", "value": "she/her", "verified_at": null}])
    );
    // Rails' list form, without positions, as some clients send it.
    let me: Value = patch(vec![
        ("fields_attributes[][name]", "Instagram".into()),
        ("fields_attributes[][value]", "@ann".into()),
        ("fields_attributes[][name]", "City".into()),
        ("fields_attributes[][value]", "Seoul".into()),
    ])
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(
        me["source"]["fields"],
        json!([
            {"name": "Instagram", "value": "@ann", "verified_at": null},
            {"name": "City", "value": "Seoul", "verified_at": null},
        ])
    );
}

/// The avatar a member shows, once the worker has processed it: its key.
async fn served_avatar(app: &TestApp, token: &str) -> Option<String> {
    let me: Value = app
        .get_as(token, "/api/v1/accounts/verify_credentials")
        .await
        .json()
        .await
        .unwrap();
    let url = me["avatar"].as_str().unwrap().to_string();
    let bucket = format!("{}/", app.env.storage().bucket());
    let key = url.split(&bucket).nth(1)?.to_string();
    key.starts_with("avatars/").then_some(key)
}

/// An avatar goes to S3 under a key the server chose; the worker turns it
/// into a 400x400 JPEG and deletes the upload; replacing it deletes the old
/// one; a file that is not an image is refused, and a damaged one is dropped
/// while the previous avatar stays.
#[tokio::test(flavor = "multi_thread")]
async fn avatars_are_processed_and_replaced() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let storage = app.env.storage();
    let upload = |bytes: Vec<u8>, name: &'static str| {
        let form = Form::new().text("display_name", "Ann").part(
            "avatar",
            Part::bytes(bytes)
                .file_name(name)
                .mime_str("image/png")
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
    let response = upload(png(800, 300), "../../etc/passwd.png").await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        eventually(Duration::from_secs(15), || async {
            served_avatar(&app, &ann.token).await.is_some()
        })
        .await
    );
    let first = served_avatar(&app, &ann.token).await.unwrap();
    assert!(
        first.starts_with(&format!("avatars/{}/", ann.id)) && first.ends_with(".jpg"),
        "{first}"
    );
    let jpeg = storage.get(&first, 1 << 20).await.unwrap().unwrap();
    let served = image::load_from_memory(&jpeg).unwrap();
    assert_eq!((served.width(), served.height()), (400, 400));
    let uploads = storage
        .list(&format!("originals/avatars/{}/", ann.id))
        .await
        .unwrap();
    assert!(
        eventually(Duration::from_secs(10), || async {
            storage
                .list(&format!("originals/avatars/{}/", ann.id))
                .await
                .unwrap()
                .is_empty()
        })
        .await,
        "the upload was not deleted: {uploads:?}"
    );

    upload(png(64, 64), "again.png").await.unwrap();
    let replaced = eventually(Duration::from_secs(15), || async {
        served_avatar(&app, &ann.token)
            .await
            .is_some_and(|k| k != first)
    })
    .await;
    assert!(replaced);
    let second = served_avatar(&app, &ann.token).await.unwrap();
    let old_gone = eventually(Duration::from_secs(10), || async {
        !storage.exists(&first).await.unwrap()
    })
    .await;
    assert!(old_gone, "the replaced avatar was not deleted");

    let refused = upload(b"#!/bin/sh\necho not an image".to_vec(), "evil.png")
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["details"]["avatar"][0]["error"], "ERR_INVALID");

    let mut damaged = png(64, 64);
    damaged.truncate(60);
    assert_eq!(
        upload(damaged, "damaged.png").await.unwrap().status(),
        StatusCode::OK
    );
    let dropped = eventually(Duration::from_secs(15), || async {
        storage
            .list(&format!("originals/avatars/{}/", ann.id))
            .await
            .unwrap()
            .is_empty()
    })
    .await;
    assert!(dropped, "the damaged upload was not cleaned up");
    assert_eq!(
        served_avatar(&app, &ann.token).await.as_deref(),
        Some(second.as_str()),
        "the previous avatar stays"
    );
}

/// Anyone can read a profile by id or by name; unknown ones are 404.
#[tokio::test(flavor = "multi_thread")]
async fn accounts_can_be_read_by_id_and_name() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let (status, body) = app.get_json(&format!("/api/v1/accounts/{}", ann.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["username"], "ann");
    // Without an avatar, the default image is served where the entity points.
    let avatar = body["avatar"]
        .as_str()
        .unwrap()
        .replace("http://lookbook.test", "");
    let image = app.get(&avatar).await;
    assert_eq!(image.status(), StatusCode::OK);
    assert!(image.bytes().await.unwrap().starts_with(b"\x89PNG"));
    for acct in ["ann", "@ANN", "ann@lookbook.test"] {
        let (status, body) = app
            .get_json(&format!("/api/v1/accounts/lookup?acct={}", urlencode(acct)))
            .await;
        assert_eq!(status, StatusCode::OK, "{acct}");
        assert_eq!(body["id"], ann.id.as_str());
    }
    for path in [
        "/api/v1/accounts/999999999".to_string(),
        "/api/v1/accounts/not-a-number".to_string(),
        "/api/v1/accounts/-5".to_string(),
        "/api/v1/accounts/lookup?acct=nobody".to_string(),
        "/api/v1/accounts/lookup?acct=ann@elsewhere.example".to_string(),
    ] {
        let (status, body) = app.get_json(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body["error"], "Record not found");
    }
}

fn urlencode(text: &str) -> String {
    text.replace('@', "%40")
}

/// Search finds members by the start of their username or display name,
/// and never shows someone who blocks the searcher.
#[tokio::test(flavor = "multi_thread")]
async fn search_finds_by_prefix_and_respects_blocks() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let annabel = app.sign_up("annabel").await;
    let zed = app.sign_up("zed").await;
    app.request_as(
        reqwest::Method::PATCH,
        &zed.token,
        "/api/v1/accounts/update_credentials",
    )
    .form(&[("display_name", "Annie Zed")])
    .send()
    .await
    .unwrap();
    let names = |body: &Value| -> Vec<String> {
        body.as_array()
            .unwrap()
            .iter()
            .map(|a| a["username"].as_str().unwrap().to_string())
            .collect()
    };
    let (status, body) = app.read(&ann, "/api/v1/accounts/search?q=ann").await;
    assert_eq!(status, StatusCode::OK);
    let found = names(&body);
    assert_eq!(found[0], "ann", "the exact match first: {found:?}");
    assert!(found.contains(&"annabel".to_string()) && found.contains(&"zed".to_string()));

    app.act(&annabel, &format!("/api/v1/accounts/{}/block", ann.id), &[])
        .await;
    let (_, body) = app.read(&ann, "/api/v1/accounts/search?q=ann").await;
    assert!(!names(&body).contains(&"annabel".to_string()));

    app.act(&ann, &format!("/api/v1/accounts/{}/follow", zed.id), &[])
        .await;
    let (_, body) = app
        .read(&ann, "/api/v1/accounts/search?q=ann&following=true")
        .await;
    assert_eq!(names(&body), vec!["zed".to_string()]);

    let (status, _) = app.read(&ann, "/api/v1/accounts/search?q=").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.get("/api/v1/accounts/search?q=ann").await.status(),
        StatusCode::UNAUTHORIZED
    );
}
