//! Malformed requests of every kind get a 4xx with a reason, never a 500.

use lookbook_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// Wrong types, missing fields, huge strings, invalid UTF-8, broken JSON,
/// unknown and non-numeric ids: each is refused with a JSON reason.
#[tokio::test(flavor = "multi_thread")]
async fn malformed_requests_are_refused_with_a_reason() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let huge = "x".repeat(10 * 1024 * 1024);
    let id = ann.id.clone();
    let json_cases: Vec<(Method, String, &str)> = vec![
        (
            Method::POST,
            "/api/v1/apps".into(),
            r#"{"client_name": 5, "redirect_uris": {"a": 1}}"#,
        ),
        (
            Method::POST,
            "/api/v1/apps".into(),
            r#"{"client_name": "x", "redirect_uris"#,
        ),
        (Method::POST, "/api/v1/apps".into(), r#"[1, 2, 3]"#),
        (
            Method::POST,
            "/oauth/token".into(),
            r#"{"grant_type": ["password"], "client_id": null}"#,
        ),
        (
            Method::POST,
            "/api/v1/accounts".into(),
            r#"{"username": {"nested": true}}"#,
        ),
        (
            Method::PATCH,
            "/api/v1/accounts/update_credentials".into(),
            r#"{"locked": "maybe", "source": "public"}"#,
        ),
        (
            Method::POST,
            format!("/api/v1/accounts/{id}/mute"),
            r#"{"duration": "forever"}"#,
        ),
        (
            Method::POST,
            format!("/api/v1/accounts/{id}/follow"),
            r#"{"languages": {"en": 1}}"#,
        ),
    ];
    for (method, path, body) in json_cases {
        let response = app
            .request_as(method.clone(), &ann.token, &path)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_refused(response, &format!("{method} {path} {body}")).await;
    }
    let form_cases: Vec<(Method, String, Vec<u8>)> = vec![
        (
            Method::POST,
            "/api/v1/apps".into(),
            [b"client_name=".as_slice(), &[0xff, 0xfe, 0xfd]].concat(),
        ),
        (
            Method::POST,
            "/api/v1/apps".into(),
            format!("client_name={huge}&redirect_uris=urn:ietf:wg:oauth:2.0:oob").into_bytes(),
        ),
        (
            Method::POST,
            "/oauth/token".into(),
            format!("grant_type=password&client_id={huge}&client_secret=x").into_bytes(),
        ),
        (
            Method::PATCH,
            "/api/v1/accounts/update_credentials".into(),
            format!("note={huge}").into_bytes(),
        ),
        (
            Method::POST,
            "/api/v1/accounts".into(),
            b"username=a&username[]=b&email[x]=y".to_vec(),
        ),
        (
            Method::POST,
            "/oauth/token".into(),
            b"grant_type=password&username=%00&password=x&client_id=%00".to_vec(),
        ),
        (
            Method::PATCH,
            "/api/v1/accounts/update_credentials".into(),
            b"note=a%00b".to_vec(),
        ),
        (
            Method::POST,
            "/api/v1/apps".into(),
            b"client_name=x&redirect_uris=https://a.example/%01".to_vec(),
        ),
        (
            Method::POST,
            "/api/v1/apps".into(),
            format!("a{}=1", "[".repeat(200_000)).into_bytes(),
        ),
        (
            Method::POST,
            "/api/v1/apps".into(),
            b"a[b][c][d][e][f][g]=1".to_vec(),
        ),
    ];
    for (method, path, body) in form_cases {
        let response = app
            .request_as(method.clone(), &ann.token, &path)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_refused(response, &format!("{method} {path} (form)")).await;
    }
    for path in [
        "/api/v1/accounts/abc".to_string(),
        "/api/v1/accounts/99999999999999999999999".to_string(),
        "/api/v1/accounts/0/followers".to_string(),
        "/api/v1/accounts/%00/following".to_string(),
        "/api/v1/accounts/relationships?id[]=abc&id[]=1".to_string(),
        format!("/api/v1/accounts/{id}/followers?max_id=abc"),
        format!("/api/v1/accounts/{id}/followers?limit=-1"),
        "/api/v1/accounts/search?q=a&limit=lots".to_string(),
        "/api/v1/accounts/lookup".to_string(),
        format!("/api/v1/accounts/lookup?acct={}", "a".repeat(5000)),
        "/api/v1/accounts/lookup?acct=%00".to_string(),
        "/api/v1/accounts/%FF".to_string(),
        "/oauth/authorize?client_id=%00&response_type=code".to_string(),
    ] {
        let response = app.get_as(&ann.token, &path).await;
        if path.starts_with("/oauth/authorize") {
            // A page for people: an HTML error, still a 4xx.
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
            continue;
        }
        if path.contains("relationships") {
            // Unknown ids are left out, not an error.
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            continue;
        }
        assert_refused(response, &path).await;
    }
    for path in [
        "/api/v1/accounts/abc/follow",
        "/api/v1/accounts/0/block",
        "/api/v1/follow_requests/xyz/authorize",
    ] {
        let response = app.post_as(&ann.token, path, &[]).await;
        assert_refused(response, path).await;
    }
    // The account is intact after all of it.
    let (status, me) = app.read(&ann, "/api/v1/accounts/verify_credentials").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["note"], "");
}

async fn assert_refused(response: reqwest::Response, what: &str) {
    let status = response.status();
    assert!(
        status.is_client_error(),
        "{what}: expected a 4xx, got {status}"
    );
    let body: Value = response
        .json()
        .await
        .unwrap_or_else(|e| panic!("{what}: body is not JSON: {e}"));
    assert!(body["error"].is_string(), "{what}: {body}");
}
