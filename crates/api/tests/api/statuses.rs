//! Posts through the API: composing with photos, hashtags, mentions and item
//! tags, refusing bad posts, and idempotent retries.

use lookbook_testkit::{Member, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::media::{jpeg, settle, upload};

/// Uploads a photo and waits until it is ready; returns its id.
pub async fn ready_photo(app: &TestApp, member: &Member) -> String {
    let (status, body) = upload(app, member, jpeg(800, 1000), "look.jpg").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let id = body["id"].as_str().unwrap().to_string();
    let (status, body) = settle(app, member, &id).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    id
}

/// `POST /api/v1/statuses` with a JSON body.
pub async fn post(app: &TestApp, member: &Member, body: Value) -> (StatusCode, Value) {
    send(app, member, Method::POST, "/api/v1/statuses", body).await
}

pub async fn send(
    app: &TestApp,
    member: &Member,
    method: Method,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let response = app
        .request_as(method, &member.token, path)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect()
}

/// A two-photo outfit with an item tag, a hashtag and a mention is posted
/// and reads back the same for anyone, on the profile and the brand page.
#[tokio::test(flavor = "multi_thread")]
async fn an_outfit_is_posted_with_photos_and_item_tags() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let first = ready_photo(&app, &ann).await;
    let second = ready_photo(&app, &ann).await;
    let (status, item) = app
        .act(
            &ann,
            &format!("/api/lookbook/v1/media/{first}/items"),
            &[
                ("brand", "Acne Studios"),
                ("name", "1996 jeans"),
                ("category", "bottoms"),
                ("url", "https://shop.example/acne/1996"),
                ("price", "280.00"),
                ("currency", "eur"),
                ("x", "0.4"),
                ("y", "0.7"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{item}");
    assert_eq!(item["brand"]["slug"], "acne-studios");
    assert_eq!(item["currency"], "EUR");

    let (status, posted) = post(
        &app,
        &ann,
        json!({
            "status": "Sunday fit #OOTD #denim with @bob",
            "media_ids": [second, first],
            "sensitive": false,
            "language": "en",
            "visibility": "public",
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{posted}");
    let id = posted["id"].as_str().unwrap();
    assert_eq!(posted["account"]["id"], ann.id.as_str());
    assert_eq!(posted["account"]["statuses_count"], 1);
    assert_eq!(posted["language"], "en");
    let media: Vec<&str> = ids(&posted["media_attachments"]);
    assert_eq!(media, vec![second.as_str(), first.as_str()]);
    assert!(
        posted["media_attachments"][0]["url"]
            .as_str()
            .unwrap()
            .ends_with(".jpg")
    );
    let items = &posted["media_attachments"][1]["lookbook"]["items"];
    assert_eq!(items[0]["name"], "1996 jeans");
    assert_eq!(items[0]["url"], "https://shop.example/acne/1996");
    assert_eq!(items[0]["price"], "280.00");
    assert_eq!(items[0]["position"]["x"], 0.4_f32 as f64);
    assert_eq!(
        posted["tags"],
        json!([{"name": "denim", "url": "http://lookbook.test/tags/denim"},
                                      {"name": "ootd", "url": "http://lookbook.test/tags/ootd"}])
    );
    assert_eq!(posted["mentions"][0]["id"], bob.id.as_str());
    let content = posted["content"].as_str().unwrap();
    assert!(
        content.contains("href=\"http://lookbook.test/tags/ootd\""),
        "{content}"
    );
    assert!(
        content.contains("href=\"http://lookbook.test/@bob\""),
        "{content}"
    );
    assert_eq!(posted["favourited"], false);

    // Anyone reads the same post, without the viewer's fields.
    let (status, read) = app.get_json(&format!("/api/v1/statuses/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read["content"], posted["content"]);
    assert_eq!(read["media_attachments"], posted["media_attachments"]);
    assert!(read.get("favourited").is_none());

    // The profile's filters.
    let profile = format!("/api/v1/accounts/{}/statuses", ann.id);
    let (status, _) = post(&app, &ann, json!({"status": "no photo today"})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, all) = app.get_json(&profile).await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    let (_, only_media) = app.get_json(&format!("{profile}?only_media=true")).await;
    assert_eq!(ids(&only_media), vec![id]);
    let (_, tagged) = app.get_json(&format!("{profile}?tagged=ootd")).await;
    assert_eq!(ids(&tagged), vec![id]);
    let (_, none) = app.get_json(&format!("{profile}?tagged=boots")).await;
    assert_eq!(none, json!([]));

    // The brand page and brand search.
    let (status, brand) = app
        .get_json("/api/lookbook/v1/brands/acne-studios/statuses")
        .await;
    assert_eq!(status, StatusCode::OK, "{brand}");
    assert_eq!(ids(&brand), vec![id]);
    let (_, found) = app.get_json("/api/lookbook/v1/brands?q=acn").await;
    assert_eq!(
        found,
        json!([{"slug": "acne-studios", "name": "Acne Studios", "items_count": 1}])
    );
    let (status, _) = app
        .get_json("/api/lookbook/v1/brands/nobody/statuses")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Removing the item tag takes it off the post.
    let item_id = item["id"].as_str().unwrap();
    let response = app
        .request_as(
            Method::DELETE,
            &ann.token,
            &format!("/api/lookbook/v1/media/{first}/items/{item_id}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (_, read) = app.get_json(&format!("/api/v1/statuses/{id}")).await;
    assert_eq!(read["media_attachments"][1]["lookbook"]["items"], json!([]));
}

/// Bad posts and bad item tags get a 4xx with a reason.
#[tokio::test(flavor = "multi_thread")]
async fn bad_posts_are_refused_with_a_reason() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let photo = ready_photo(&app, &ann).await;
    for (body, expected) in [
        (json!({"status": "  "}), "can't be blank"),
        (json!({"status": "x".repeat(501)}), "character limit"),
        (
            json!({"status": "hi", "visibility": "everyone"}),
            "visibility",
        ),
        (json!({"status": "hi", "media_ids": ["12", "12"]}), "twice"),
        (json!({"status": "hi", "media_ids": ["abc"]}), "media ids"),
        (json!({"status": "hi", "media_ids": ["99999"]}), "not yours"),
        (json!({"status": "hi", "language": "english!"}), "ISO 639"),
        (
            json!({"status": "hi", "poll": {"options": ["a", "b"]}}),
            "poll[expires_in]",
        ),
        (
            json!({"status": "hi", "media_ids": vec![photo.clone(); 11]}),
            "at most 10",
        ),
    ] {
        let (status, answer) = post(&app, &ann, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body} → {answer}"
        );
        let reason = answer["error"].as_str().unwrap();
        assert!(reason.contains(expected), "{body} → {reason}");
    }
    // What Mastodon accepts: a regional language, a content warning that
    // hides the photos, a long link counted as 23 characters.
    let link = format!("https://shop.example/{}", "x".repeat(300));
    let text = format!("{} {link}", "y".repeat(470));
    let (status, ok) = post(
        &app,
        &ann,
        json!({"status": text, "language": "pt-br", "spoiler_text": "outfit", "media_ids": [photo]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{ok}");
    assert_eq!(ok["language"], "pt-BR");
    assert_eq!(ok["sensitive"], true);
    let (status, _) = app.get_json("/api/lookbook/v1/brands/%00/statuses").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = post(
        &app,
        &ann,
        json!({"status": "hi", "in_reply_to_id": "424242"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let path = format!("/api/lookbook/v1/media/{photo}/items");
    let good = [
        ("brand", "Cos"),
        ("name", "Coat"),
        ("category", "outerwear"),
        ("x", "0.5"),
        ("y", "0.5"),
    ];
    for (field, value, expected) in [
        ("url", "javascript:alert(1)", "http"),
        ("url", "ftp://shop.example/x", "http"),
        ("category", "spaceships", "category"),
        ("x", "1.5", "x must be"),
        ("price", "12,50", "price"),
        ("brand", "   ", "brand can't be blank"),
    ] {
        let mut form: Vec<(&str, &str)> =
            good.iter().copied().filter(|(k, _)| *k != field).collect();
        form.push((field, value));
        let (status, answer) = app.act(&ann, &path, &form).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value} → {answer}"
        );
        assert!(
            answer["error"].as_str().unwrap().contains(expected),
            "{answer}"
        );
    }
    let (status, answer) = app
        .act(
            &ann,
            &path,
            &[
                ("price", "10"),
                ("currency", ""),
                ("brand", "Cos"),
                ("name", "Coat"),
                ("category", "outerwear"),
                ("x", "0"),
                ("y", "1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
}

/// Retries with one Idempotency-Key, sent at the same moment to two API
/// instances, make one post and all get it back.
#[tokio::test(flavor = "multi_thread")]
async fn posting_is_idempotent_under_concurrent_retries() {
    let app = TestApp::spawn().await;
    let second = lookbook_api::Application::build(app.env.config())
        .await
        .unwrap();
    let other = format!("http://127.0.0.1:{}", second.port());
    tokio::spawn(second.run_until_stopped(std::future::pending()));
    let ann = app.sign_up("ann").await;
    let photo = ready_photo(&app, &ann).await;

    let requests = (0..16).map(|n| {
        let base = if n % 2 == 0 {
            app.address.clone()
        } else {
            other.clone()
        };
        let client = app.client.clone();
        let (token, photo) = (ann.token.clone(), photo.clone());
        tokio::spawn(async move {
            let response = client
                .post(format!("{base}/api/v1/statuses"))
                .bearer_auth(token)
                .header("Idempotency-Key", "tap-tap-tap")
                .json(&json!({"status": "Fit check #ootd", "media_ids": [photo]}))
                .send()
                .await
                .unwrap();
            let status = response.status();
            (status, response.json::<Value>().await.unwrap())
        })
    });
    let mut posted = Vec::new();
    for request in requests {
        let (status, body) = request.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        posted.push(body["id"].as_str().unwrap().to_string());
    }
    posted.dedup();
    assert_eq!(posted.len(), 1, "{posted:?}");
    let (_, list) = app
        .get_json(&format!("/api/v1/accounts/{}/statuses", ann.id))
        .await;
    assert_eq!(ids(&list), vec![posted[0].as_str()]);
    let (_, me) = app.read(&ann, "/api/v1/accounts/verify_credentials").await;
    assert_eq!(me["statuses_count"], 1);
    // Another key is another post.
    let (status, again) = post(&app, &ann, json!({"status": "second"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(again["id"].as_str().unwrap(), posted[0]);
}
