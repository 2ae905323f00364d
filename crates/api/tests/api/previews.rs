//! Link previews: the worker reads the page a post links to and the post
//! shows it as its `card`; pages on private addresses are never fetched.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use lookbook_testkit::client::Member;
use lookbook_testkit::nginx::free_port;
use lookbook_testkit::{TestApp, TestEnv, eventually};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::statuses::{post, send};

const PAGE: &str = r#"<!doctype html><html><head><title>Atelier shop</title>
<meta property="og:title" content="Linen blazer &amp; trousers">
<meta property="og:description" content="Cut from Irish linen, in sand">
<meta property="og:image" content="https://cdn.example/blazer.jpg">
<meta property="og:site_name" content="Atelier">
</head><body>…</body></html>"#;

/// A shop's site on loopback: `/look` (a product page), `/moved` (a
/// redirect to it), `/big` (its title past the size limit) and
/// `/photo.png` (not a page); counts the requests it gets.
async fn shop() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let app = Router::new()
        .route(
            "/look",
            get(|| async { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE) }),
        )
        .route("/moved", get(|| async { Redirect::to("/look") }))
        .route(
            "/big",
            get(|| async {
                let padding = "<!-- padding -->".repeat(10_000);
                let page = format!("<html><head>{padding}<title>Too far</title></head></html>");
                ([(header::CONTENT_TYPE, "text/html")], page).into_response()
            }),
        )
        .route(
            "/photo.png",
            get(|| async { ([(header::CONTENT_TYPE, "image/png")], vec![0u8; 64]) }),
        )
        .layer(axum::middleware::from_fn(
            move |req, next: axum::middleware::Next| {
                let counted = counted.clone();
                async move {
                    counted.fetch_add(1, Ordering::SeqCst);
                    next.run(req).await
                }
            },
        ));
    let port = free_port();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("127.0.0.1:{port}"), hits)
}

async fn posted(app: &TestApp, member: &Member, text: &str) -> String {
    let (status, body) = post(app, member, json!({ "status": text })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["id"].as_str().unwrap().to_string()
}

async fn card(app: &TestApp, id: &str) -> Value {
    let (_, post) = app.get_json(&format!("/api/v1/statuses/{id}")).await;
    post["card"].clone()
}

/// Waits until the worker has carried out `n` link-preview tasks (a task
/// being carried out is already marked, as `fetch_preview.sending`).
async fn previews_done(app: &TestApp, n: i64) {
    let done = || async {
        let count: i64 =
            sqlx::query_scalar("select count(*) from task_done where kind = 'fetch_preview'")
                .fetch_one(&app.env.db)
                .await
                .unwrap();
        count
    };
    let reached = eventually(Duration::from_secs(30), || async { done().await >= n }).await;
    assert!(reached, "{} of {n} link previews done", done().await);
}

/// A link becomes a card (through a redirect), another post linking there
/// reuses it, an edit that drops the link drops the card, and pages too
/// big or not pages give none.
#[tokio::test(flavor = "multi_thread")]
async fn links_become_cards() {
    let mut env = TestEnv::new().await;
    env.set("LINK_PREVIEW_ALLOW_PRIVATE_ADDRESSES", "true");
    env.set("LINK_PREVIEW_MAX_BYTES", "65536");
    let app = TestApp::spawn_with(env, true).await;
    let (site, hits) = shop().await;
    let ann = app.sign_up("ann").await;
    let url = format!("http://{site}/moved");
    let first = posted(&app, &ann, &format!("My new blazer {url} #ootd")).await;
    let found = eventually(Duration::from_secs(30), || async {
        card(&app, &first).await.is_object()
    })
    .await;
    let shown = card(&app, &first).await;
    assert!(found, "no card: {shown}");
    assert_eq!(shown["url"], url.as_str());
    assert_eq!(shown["title"], "Linen blazer & trousers");
    assert_eq!(shown["description"], "Cut from Irish linen, in sand");
    assert_eq!(shown["image"], "https://cdn.example/blazer.jpg");
    assert_eq!(shown["provider_name"], "Atelier");
    assert_eq!(shown["type"], "link");
    assert_eq!(hits.load(Ordering::SeqCst), 2, "the redirect and the page");

    let second = posted(&app, &ann, &format!("Still wearing it {url}")).await;
    previews_done(&app, 2).await;
    assert_eq!(
        card(&app, &second).await["title"],
        "Linen blazer & trousers"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 2, "a fresh card is reused");

    let path = format!("/api/v1/statuses/{first}");
    let (status, _) = send(
        &app,
        &ann,
        Method::PUT,
        &path,
        json!({"status": "My new blazer"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let dropped = eventually(Duration::from_secs(30), || async {
        card(&app, &first).await.is_null()
    })
    .await;
    assert!(dropped, "the card stayed: {}", card(&app, &first).await);

    let big = posted(&app, &ann, &format!("http://{site}/big")).await;
    let photo = posted(&app, &ann, &format!("http://{site}/photo.png")).await;
    // The two posts, and the edit, each had theirs.
    previews_done(&app, 5).await;
    assert_eq!(card(&app, &big).await, Value::Null);
    assert_eq!(card(&app, &photo).await, Value::Null);
    app.finish().await.unwrap();
}

/// By default a link to loopback, by address or by a name that resolves
/// there, is never fetched.
#[tokio::test(flavor = "multi_thread")]
async fn private_addresses_are_never_fetched() {
    let app = TestApp::spawn_with(TestEnv::new().await, true).await;
    let (site, hits) = shop().await;
    let port = site.rsplit(':').next().unwrap();
    let ann = app.sign_up("ann").await;
    let by_address = posted(&app, &ann, &format!("http://{site}/look")).await;
    let by_name = posted(&app, &ann, &format!("http://localhost:{port}/moved")).await;
    previews_done(&app, 2).await;
    assert_eq!(card(&app, &by_address).await, Value::Null);
    assert_eq!(card(&app, &by_name).await, Value::Null);
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "the worker reached the private address"
    );
    app.finish().await.unwrap();
}
