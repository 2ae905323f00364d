//! Authorization across every account, OAuth and graph endpoint: no token,
//! a token without the scope, and an app-only token are each refused the way
//! Mastodon refuses them, while the right scope gets through.

use lookbook_testkit::TestApp;
use reqwest::{Method, StatusCode};

/// An endpoint that needs a member: method, path, and the granular scope
/// that is enough for it.
fn member_endpoints(other: &str) -> Vec<(Method, String, &'static str)> {
    vec![
        (
            Method::GET,
            "/api/v1/accounts/verify_credentials".into(),
            "read:accounts",
        ),
        (
            Method::PATCH,
            "/api/v1/accounts/update_credentials".into(),
            "write:accounts",
        ),
        (
            Method::GET,
            "/api/v1/accounts/search?q=a".into(),
            "read:accounts",
        ),
        (
            Method::GET,
            format!("/api/v1/accounts/relationships?id[]={other}"),
            "read:follows",
        ),
        (
            Method::POST,
            format!("/api/v1/accounts/{other}/follow"),
            "write:follows",
        ),
        (
            Method::POST,
            format!("/api/v1/accounts/{other}/unfollow"),
            "write:follows",
        ),
        (
            Method::POST,
            format!("/api/v1/accounts/{other}/block"),
            "write:blocks",
        ),
        (
            Method::POST,
            format!("/api/v1/accounts/{other}/unblock"),
            "write:blocks",
        ),
        (
            Method::POST,
            format!("/api/v1/accounts/{other}/mute"),
            "write:mutes",
        ),
        (
            Method::POST,
            format!("/api/v1/accounts/{other}/unmute"),
            "write:mutes",
        ),
        (Method::GET, "/api/v1/blocks".into(), "read:blocks"),
        (Method::GET, "/api/v1/mutes".into(), "read:mutes"),
        (
            Method::GET,
            "/api/v1/follow_requests".into(),
            "read:follows",
        ),
        (
            Method::POST,
            format!("/api/v1/follow_requests/{other}/authorize"),
            "write:follows",
        ),
        (
            Method::POST,
            format!("/api/v1/follow_requests/{other}/reject"),
            "write:follows",
        ),
    ]
}

/// A scope unrelated to `scope`, so a token with only it must be refused.
fn unrelated(scope: &str) -> &'static str {
    if scope.starts_with("read") {
        "write:statuses"
    } else {
        "read:statuses"
    }
}

/// Every member endpoint: 401 without a token, 403 without the scope, 422
/// with an app-only token, and not refused with exactly its scope.
#[tokio::test(flavor = "multi_thread")]
async fn every_member_endpoint_checks_token_scope_and_member() {
    let app = TestApp::spawn().await;
    let other = app.sign_up("other").await;
    let client = app.register_client("read write follow push").await;
    let app_only = app.app_token(&client, "read write follow").await;
    for (method, path, scope) in member_endpoints(&other.id) {
        let what = format!("{method} {path}");
        let anonymous = app
            .client
            .request(method.clone(), app.url(&path))
            .send()
            .await
            .unwrap();
        assert_eq!(
            anonymous.status(),
            StatusCode::UNAUTHORIZED,
            "{what} without a token"
        );

        let wrong = app
            .sign_up_with(&format!("w{}", rand_suffix()), unrelated(scope))
            .await;
        let response = app
            .request_as(method.clone(), &wrong.token, &path)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "{what} with only {}",
            unrelated(scope)
        );
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(
            body["error"], "This action is outside the authorized scopes",
            "{what}"
        );

        let response = app
            .request_as(method.clone(), &app_only, &path)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what} with an app-only token"
        );

        let right = app
            .sign_up_with(&format!("r{}", rand_suffix()), scope)
            .await;
        let response = app
            .request_as(method.clone(), &right.token, &path)
            .send()
            .await
            .unwrap();
        let status = response.status();
        assert!(
            status != StatusCode::UNAUTHORIZED
                && status != StatusCode::FORBIDDEN
                && !status.is_server_error(),
            "{what} with {scope}: {status}"
        );
    }
}

fn rand_suffix() -> String {
    format!("{:08x}", rand::random::<u32>())
}

/// Public reads work without a token but check the scope of a token that is
/// sent, and the app endpoints need their own kind of credentials.
#[tokio::test(flavor = "multi_thread")]
async fn public_reads_check_the_scope_of_a_token_when_one_is_sent() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let writer = app.sign_up_with("writer", "write:statuses").await;
    for path in [
        format!("/api/v1/accounts/{}", ann.id),
        "/api/v1/accounts/lookup?acct=ann".to_string(),
        format!("/api/v1/accounts/{}/followers", ann.id),
        format!("/api/v1/accounts/{}/following", ann.id),
    ] {
        assert_eq!(
            app.get(&path).await.status(),
            StatusCode::OK,
            "{path} without a token"
        );
        assert_eq!(
            app.get_as(&writer.token, &path).await.status(),
            StatusCode::FORBIDDEN,
            "{path} without read"
        );
        assert_eq!(
            app.get_as(&ann.token, &path).await.status(),
            StatusCode::OK,
            "{path} with read"
        );
    }
    assert_eq!(
        app.get("/api/v1/apps/verify_credentials").await.status(),
        StatusCode::UNAUTHORIZED
    );
    // Another member's private settings are never in their public profile.
    let (status, profile) = app.get_json(&format!("/api/v1/accounts/{}", ann.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(profile["username"], "ann");
    assert!(profile.get("source").is_none() && profile.get("email").is_none());
}
