//! The public web pages of posts and profiles, at the URLs the entities
//! announce: what a person sees without an app, what a messenger's link
//! preview reads, and that nothing a member wrote runs as markup.

use lookbook_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::json;

use super::statuses::{post, ready_photo};

/// The page of a photo post shows the photo in its sizes with its
/// description, the caption (its markup inert), the item tags, the counts
/// and the comments, with OpenGraph tags; it carries a policy without
/// scripts, a public Cache-Control and an ETag the client can revalidate.
#[tokio::test(flavor = "multi_thread")]
async fn a_post_page_shows_the_outfit_to_anyone() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let photo = ready_photo(&app, &ann).await;
    let (status, item) = app
        .act(
            &ann,
            &format!("/api/lookbook/v1/media/{photo}/items"),
            &[
                ("brand", "Acne Studios"),
                ("name", "1996 jeans"),
                ("category", "bottoms"),
                ("url", "https://shop.example/acne/1996"),
                ("x", "0.4"),
                ("y", "0.7"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{item}");
    let (status, described) = app
        .request_as(
            reqwest::Method::PUT,
            &ann.token,
            &format!("/api/v1/media/{photo}"),
        )
        .json(&json!({"description": "Blue \"linen\" suit <b>"}))
        .send()
        .await
        .map(|r| (r.status(), ()))
        .unwrap();
    assert_eq!((status, described), (StatusCode::OK, ()));
    let (status, look) = post(
        &app,
        &ann,
        json!({"status": "Linen suit <script>alert(1)</script> javascript:alert(2) #ootd",
               "media_ids": [photo]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{look}");
    let id = look["id"].as_str().unwrap();
    post(
        &app,
        &bob,
        json!({"status": "Love the cut", "in_reply_to_id": id}),
    )
    .await;

    let url = look["url"].as_str().unwrap();
    assert_eq!(url, format!("http://lookbook.test/@ann/{id}"));
    let response = app.get(&format!("/@ann/{id}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let policy = headers["content-security-policy"].to_str().unwrap();
    assert!(
        policy.contains("default-src 'none'") && !policy.contains("script-src"),
        "{policy}"
    );
    assert!(
        headers["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public")
    );
    let etag = headers["etag"].to_str().unwrap().to_string();
    let page = response.text().await.unwrap();

    let jpeg = look["media_attachments"][0]["url"].as_str().unwrap();
    assert!(
        page.contains(&format!("<meta property=\"og:image\" content=\"{jpeg}\">")),
        "{page}"
    );
    assert!(
        page.contains("<meta property=\"og:title\" content=\"ann (@ann)\">"),
        "{page}"
    );
    assert!(page.contains("<meta name=\"twitter:card\" content=\"summary_large_image\">"));
    assert!(page.contains(&format!("<link rel=\"canonical\" href=\"{url}\">")));
    assert!(
        page.contains(&format!("/api/v1/statuses/{id}\">")),
        "the JSON alternate"
    );
    assert!(page.contains(" 320w, "), "a srcset of the variants: {page}");
    assert!(
        page.contains("alt=\"Blue &#34;linen&#34; suit &#60;b&#62;\"")
            || page.contains("alt=\"Blue &quot;linen&quot; suit &lt;b&gt;\""),
        "{page}"
    );
    assert!(
        page.contains("Linen suit &lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    assert!(
        !page.to_lowercase().contains("<script"),
        "no script runs: {page}"
    );
    assert!(!page.contains("href=\"javascript:"), "{page}");
    assert!(page.contains("1996 jeans") && page.contains("Acne Studios"));
    assert!(page.contains("href=\"https://shop.example/acne/1996\""));
    assert!(page.contains("Love the cut"), "the comment");
    assert!(page.contains("<span>1 comment</span>"), "{page}");

    let again = app
        .client
        .get(app.url(&format!("/@ann/{id}")))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    assert!(page.contains("href=\"/brands/acne-studios\""), "{page}");
    // The hashtag's and the brand's pages show it in their grids.
    for path in ["/tags/OOTD", "/brands/acne-studios"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let grid = response.text().await.unwrap();
        assert!(grid.contains(&format!("href=\"{url}\"")), "{path}: {grid}");
        assert!(
            grid.contains(&format!("<meta property=\"og:image\" content=\"{jpeg}\">")),
            "{grid}"
        );
    }
    for path in [
        "/tags/neverused",
        "/brands/nobody-makes-this",
        "/tags/not%20a%20tag",
    ] {
        assert_eq!(
            app.get(path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }

    // Only public posts, under their author's name.
    let (_, private) = post(
        &app,
        &ann,
        json!({"status": "Friends only", "visibility": "private"}),
    )
    .await;
    for path in [
        format!("/@ann/{}", private["id"].as_str().unwrap()),
        format!("/@bob/{id}"),
        "/@ann/123".to_string(),
        "/@ann/notanumber".to_string(),
    ] {
        let response = app.get(&path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
    }
    app.finish().await.unwrap();
}

/// A profile page shows who the member is and a grid of their public
/// posts, each linking to its page; not their followers-only posts.
#[tokio::test(flavor = "multi_thread")]
async fn a_profile_page_shows_the_members_public_posts() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let photo = ready_photo(&app, &ann).await;
    let (_, look) = post(&app, &ann, json!({"status": "Linen", "media_ids": [photo]})).await;
    let (_, words) = post(&app, &ann, json!({"status": "Packing for Milan"})).await;
    let (_, private) = post(
        &app,
        &ann,
        json!({"status": "Friends only", "visibility": "private"}),
    )
    .await;
    let response = app
        .request_as(
            reqwest::Method::PATCH,
            &ann.token,
            "/api/v1/accounts/update_credentials",
        )
        .form(&[
            ("display_name", "Ann <Atelier>"),
            ("note", "Stylist in <Paris>"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    for path in ["/@ann", "/@ann@lookbook.test"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let page = response.text().await.unwrap();
        assert!(
            page.contains("Ann &#60;Atelier&#62;") || page.contains("Ann &lt;Atelier&gt;"),
            "{page}"
        );
        assert!(page.contains("Stylist in &lt;Paris&gt;"), "{page}");
        assert!(page.contains(&format!("href=\"{}\"", look["url"].as_str().unwrap())));
        assert!(page.contains(&format!("href=\"{}\"", words["url"].as_str().unwrap())));
        assert!(
            !page.contains(private["id"].as_str().unwrap()),
            "a followers-only post"
        );
        assert!(page.contains("<meta property=\"og:type\" content=\"profile\">"));
    }
    for path in ["/@nobody", "/@ann@elsewhere.example"] {
        assert_eq!(
            app.get(path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    app.finish().await.unwrap();
}
