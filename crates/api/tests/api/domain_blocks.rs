//! Domain blocks: a member keeps a list of blocked domains, normalized,
//! paged newest first; what is not a domain, or this server's own, is
//! refused with the reason.

use lookbook_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::statuses::send;

/// Ann blocks two domains (one written in capitals with a trailing dot),
/// reads them newest first across two pages, unblocks one; Bob's list is
/// his own; bad domains are refused.
#[tokio::test(flavor = "multi_thread")]
async fn members_keep_their_blocked_domains() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    for domain in ["spam.example", "Fake-Shop.Example.", "spam.example"] {
        let (status, body) = app
            .act(&ann, "/api/v1/domain_blocks", &[("domain", domain)])
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body, json!({}));
    }
    let response = app
        .get_as(&ann.token, "/api/v1/domain_blocks?limit=1")
        .await;
    let link = response.headers()["link"].to_str().unwrap().to_string();
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!(["fake-shop.example"])
    );
    let next = link
        .split(", ")
        .find(|l| l.ends_with("rel=\"next\""))
        .and_then(|l| l.split_once('<'))
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(url, _)| url.to_string())
        .unwrap();
    let next = next
        .split_once("/api/")
        .map(|(_, p)| format!("/api/{p}"))
        .unwrap();
    let (_, second) = app.read(&ann, &next).await;
    assert_eq!(second, json!(["spam.example"]));
    let (_, bobs) = app.read(&bob, "/api/v1/domain_blocks").await;
    assert_eq!(bobs, json!([]));

    let (status, body) = send(
        &app,
        &ann,
        Method::DELETE,
        "/api/v1/domain_blocks",
        json!({"domain": "spam.example"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, left) = app.read(&ann, "/api/v1/domain_blocks").await;
    assert_eq!(left, json!(["fake-shop.example"]));

    for bad in [
        "",
        "not a domain",
        "-bad.example",
        "https://x.example/path",
        "localhost",
    ] {
        let (status, body) = app
            .act(&ann, "/api/v1/domain_blocks", &[("domain", bad)])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert!(body["error"].as_str().unwrap().contains("domain"), "{body}");
    }
    let own = app.env.config().domain;
    let (status, body) = app
        .act(&ann, "/api/v1/domain_blocks", &[("domain", own.as_str())])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{own}: {body}");
    app.finish().await.unwrap();
}
