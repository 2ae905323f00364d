//! Apps and OAuth 2: registration, every grant, PKCE, refresh, revocation,
//! scopes, and the sign-in throttle.

use lookbook_core::auth::secret;
use lookbook_testkit::{TestApp, TestEnv};
use reqwest::StatusCode;
use serde_json::Value;

/// A registered app gets credentials once, and its token can see the app.
#[tokio::test(flavor = "multi_thread")]
async fn apps_register_and_verify() {
    let app = TestApp::spawn().await;
    let client = app.register_client("read write").await;
    assert_eq!(client.client_secret.len(), 43);
    let token = app.app_token(&client, "read").await;
    let (status, body) = {
        let r = app.get_as(&token, "/api/v1/apps/verify_credentials").await;
        (r.status(), r.json::<Value>().await.unwrap())
    };
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["name"], "lookbook tests");
    assert_eq!(body["scopes"], serde_json::json!(["read", "write"]));
    assert!(
        body.get("client_secret").is_none(),
        "the secret is never shown again"
    );
}

/// Bad registrations are refused with the reason.
#[tokio::test(flavor = "multi_thread")]
async fn bad_app_registrations_are_refused() {
    let app = TestApp::spawn().await;
    for (form, reason) in [
        (
            vec![("redirect_uris", "urn:ietf:wg:oauth:2.0:oob")],
            "name can't be blank",
        ),
        (vec![("client_name", "x")], "Redirect URI can't be blank"),
        (
            vec![("client_name", "x"), ("redirect_uris", "not a uri")],
            "absolute URI",
        ),
        (
            vec![
                ("client_name", "x"),
                ("redirect_uris", "javascript:alert(1)"),
            ],
            "valid URI",
        ),
        (
            vec![
                ("client_name", "x"),
                ("redirect_uris", "https://a.example/#frag"),
            ],
            "fragment",
        ),
        (
            vec![
                ("client_name", "x"),
                ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob"),
                ("scopes", "read admin:all"),
            ],
            "Scopes",
        ),
    ] {
        let response = app
            .client
            .post(app.url("/api/v1/apps"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{form:?}"
        );
        let body: Value = response.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().contains(reason), "{body}");
    }
}

/// Client credentials: a wrong secret is an unknown client, scopes beyond
/// the app's are refused, unknown grants are refused.
#[tokio::test(flavor = "multi_thread")]
async fn token_endpoint_refuses_bad_clients_scopes_and_grants() {
    let app = TestApp::spawn().await;
    let client = app.register_client("read").await;
    let mut wrong = client.clone();
    wrong.client_secret = "nope".into();
    let response = app
        .token_request(&wrong, &[("grant_type", "client_credentials")])
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );

    let response = app
        .token_request(
            &client,
            &[("grant_type", "client_credentials"), ("scope", "write")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"],
        "invalid_scope"
    );

    let response = app.token_request(&client, &[("grant_type", "magic")]).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"],
        "unsupported_grant_type"
    );
}

/// The password grant signs in by e-mail or username; a wrong password and
/// an unknown account get the very same answer.
#[tokio::test(flavor = "multi_thread")]
async fn password_grant_signs_in_without_telling_who_exists() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let client = app.register_client("read write follow").await;
    for login in [ann.email.as_str(), "ann"] {
        let response = app
            .token_request(
                &client,
                &[
                    ("grant_type", "password"),
                    ("username", login),
                    ("password", &ann.password),
                    ("scope", "read"),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["scope"], "read");
        assert!(body["refresh_token"].is_string());
    }
    let wrong_password = app
        .token_request(
            &client,
            &[
                ("grant_type", "password"),
                ("username", "ann"),
                ("password", "wrong password"),
            ],
        )
        .await;
    let no_such_member = app
        .token_request(
            &client,
            &[
                ("grant_type", "password"),
                ("username", "nobody"),
                ("password", "wrong password"),
            ],
        )
        .await;
    assert_eq!(wrong_password.status(), StatusCode::BAD_REQUEST);
    assert_eq!(no_such_member.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        wrong_password.text().await.unwrap(),
        no_such_member.text().await.unwrap()
    );
}

/// Sign-in attempts on one account are throttled, with Retry-After, and the
/// count is shared by every instance (it lives in Redis).
#[tokio::test(flavor = "multi_thread")]
async fn sign_in_attempts_are_throttled_per_account() {
    let mut env = TestEnv::new().await;
    env.set("LIMIT_SIGNINS_PER_ACCOUNT", "3");
    let app = TestApp::spawn_with(env, false).await;
    let ann = app.sign_up("ann").await;
    let client = app.register_client("read").await;
    let attempt = |password: &'static str| {
        let app = &app;
        let client = &client;
        async move {
            app.token_request(
                client,
                &[
                    ("grant_type", "password"),
                    ("username", "ann"),
                    ("password", password),
                ],
            )
            .await
        }
    };
    for _ in 0..3 {
        assert_eq!(
            attempt("wrong password").await.status(),
            StatusCode::BAD_REQUEST
        );
    }
    let throttled = attempt("wrong password").await;
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = throttled.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=300).contains(&retry_after));
    // Even the right password waits now.
    let right = app
        .token_request(
            &client,
            &[
                ("grant_type", "password"),
                ("username", "ann"),
                ("password", &ann.password),
            ],
        )
        .await;
    assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS);
}

/// The `name=value` of the anti-forgery cookie a form page sets.
fn form_cookie(page: &reqwest::Response) -> String {
    page.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

/// Opens the sign-in page as a browser would: the anti-forgery cookie it
/// sets and the token in its form, which a POST must send back.
pub async fn open_page(app: &TestApp, query: &[(&str, &str)]) -> (String, String) {
    let page = app
        .client
        .get(app.url("/oauth/authorize"))
        .query(query)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let cookie = form_cookie(&page);
    let html = page.text().await.unwrap();
    let token = html
        .split("name=\"authenticity_token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    (cookie, token)
}

/// The code flow with PKCE: the page signs in and approves, the redirect
/// carries the code and the state, the code needs the verifier and works once.
#[tokio::test(flavor = "multi_thread")]
async fn authorization_code_flow_with_pkce() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let client = app.register_client("read write").await;
    let verifier = secret::generate();
    let challenge = secret::pkce_challenge(&verifier);
    let query = [
        ("response_type", "code"),
        ("client_id", client.client_id.as_str()),
        ("redirect_uri", "https://app.example/callback"),
        ("scope", "read"),
        ("state", "xyz"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let page = app
        .client
        .get(app.url("/oauth/authorize"))
        .query(&query)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("lookbook tests"));

    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (cookie, csrf) = open_page(&app, &query).await;
    let mut form: Vec<(&str, &str)> = query.to_vec();
    form.extend([("username", "ann"), ("password", "wrong password")]);
    form.push(("authenticity_token", csrf.as_str()));
    let refused = no_redirects
        .post(app.url("/oauth/authorize"))
        .header("cookie", &cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);

    let approve = || async {
        let mut form: Vec<(&str, &str)> = query.to_vec();
        form.extend([("username", "ann"), ("password", ann.password.as_str())]);
        form.push(("authenticity_token", csrf.as_str()));
        let approved = no_redirects
            .post(app.url("/oauth/authorize"))
            .header("cookie", &cookie)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(approved.status(), StatusCode::SEE_OTHER);
        let location = approved.headers()["location"].to_str().unwrap().to_string();
        assert!(
            location.starts_with("https://app.example/callback?code="),
            "{location}"
        );
        assert!(location.ends_with("&state=xyz"), "{location}");
        location
            .split("code=")
            .nth(1)
            .unwrap()
            .split('&')
            .next()
            .unwrap()
            .to_string()
    };
    let exchange = |code: String, verifier: String| {
        let client = client.clone();
        let app = &app;
        async move {
            let params = [
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", "https://app.example/callback"),
                ("code_verifier", verifier.as_str()),
            ];
            app.token_request(&client, &params).await.status()
        }
    };
    let code = approve().await;
    assert_eq!(
        exchange(code.clone(), verifier.clone()).await,
        StatusCode::OK
    );
    assert_eq!(
        exchange(code, verifier.clone()).await,
        StatusCode::BAD_REQUEST,
        "a code works once"
    );
    let code = approve().await;
    assert_eq!(
        exchange(code, "not the verifier".into()).await,
        StatusCode::BAD_REQUEST
    );
}

/// A code exchanged with the right verifier gives a token for the member,
/// with the approved scopes; the same code cannot be used twice.
#[tokio::test(flavor = "multi_thread")]
async fn an_authorization_code_gives_one_token() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let client = app.register_client("read write").await;
    let query = [
        ("response_type", "code"),
        ("client_id", client.client_id.as_str()),
        ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"),
        ("scope", "read"),
    ];
    let (cookie, csrf) = open_page(&app, &query).await;
    let mut form = query.to_vec();
    form.extend([
        ("username", ann.email.as_str()),
        ("password", ann.password.as_str()),
        ("authenticity_token", csrf.as_str()),
    ]);
    let page = app
        .client
        .post(app.url("/oauth/authorize"))
        .header("cookie", &cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    let code = html
        .split("<code id=\"code\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let params = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"),
    ];
    let first = app.token_request(&client, &params).await;
    assert_eq!(first.status(), StatusCode::OK);
    let body: Value = first.json().await.unwrap();
    assert_eq!(body["scope"], "read");
    let token = body["access_token"].as_str().unwrap();
    let me: Value = app
        .get_as(token, "/api/v1/accounts/verify_credentials")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["id"], ann.id.as_str());
    assert_eq!(
        app.token_request(&client, &params).await.status(),
        StatusCode::BAD_REQUEST
    );
    // A code presented twice may have been stolen: the token it gave is revoked.
    let after = app
        .get_as(token, "/api/v1/accounts/verify_credentials")
        .await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);

    // A code is bound to its client and its redirect URI.
    let page = app
        .client
        .post(app.url("/oauth/authorize"))
        .header("cookie", &cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    let code = html
        .split("<code id=\"code\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let other = app.register_client("read write").await;
    let params = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"),
    ];
    assert_eq!(
        app.token_request(&other, &params).await.status(),
        StatusCode::BAD_REQUEST
    );
    let elsewhere = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "https://app.example/callback"),
    ];
    assert_eq!(
        app.token_request(&client, &elsewhere).await.status(),
        StatusCode::BAD_REQUEST
    );
}

/// A refresh token gives a new access token and retires the old one.
#[tokio::test(flavor = "multi_thread")]
async fn refresh_tokens_rotate() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let client = app.register_client("read").await;
    let body = app.password_grant(&client, "ann", &ann.password).await;
    let old = body["access_token"].as_str().unwrap();
    assert_eq!(
        app.get_as(old, "/api/v1/accounts/verify_credentials")
            .await
            .status(),
        StatusCode::OK
    );
    let refreshed = app
        .token_request(
            &client,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", body["refresh_token"].as_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let new: Value = refreshed.json().await.unwrap();
    let new = new["access_token"].as_str().unwrap();
    assert_eq!(
        app.get_as(new, "/api/v1/accounts/verify_credentials")
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get_as(old, "/api/v1/accounts/verify_credentials")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

/// A revoked token stops working at once on every instance, even one that
/// had just used (and cached) it; another app cannot revoke it.
#[tokio::test(flavor = "multi_thread")]
async fn revoked_tokens_stop_working_on_every_instance() {
    let app = TestApp::spawn().await;
    let other = lookbook_api::Application::build(app.env.config())
        .await
        .unwrap();
    let other_url = format!("http://127.0.0.1:{}", other.port());
    tokio::spawn(other.run_until_stopped(std::future::pending()));
    let ann = app.sign_up("ann").await;
    let client = app.register_client("read").await;
    let body = app.password_grant(&client, "ann", &ann.password).await;
    let token = body["access_token"].as_str().unwrap().to_string();
    let on_other = || {
        app.client
            .get(format!("{other_url}/api/v1/accounts/verify_credentials"))
            .bearer_auth(&token)
            .send()
    };
    assert_eq!(on_other().await.unwrap().status(), StatusCode::OK);

    let stranger = app.register_client("read").await;
    let refused = app
        .client
        .post(app.url("/oauth/revoke"))
        .form(&[
            ("client_id", stranger.client_id.as_str()),
            ("client_secret", &stranger.client_secret),
            ("token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(on_other().await.unwrap().status(), StatusCode::OK);

    let revoked = app
        .client
        .post(app.url("/oauth/revoke"))
        .form(&[
            ("client_id", client.client_id.as_str()),
            ("client_secret", &client.client_secret),
            ("token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);
    let after = on_other().await.unwrap();
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        after.json::<Value>().await.unwrap()["error"],
        "The access token was revoked"
    );
}

/// Requests without a token, with a bad one, or without the scope are refused
/// the way Mastodon refuses them.
#[tokio::test(flavor = "multi_thread")]
async fn scopes_are_enforced() {
    let app = TestApp::spawn().await;
    let reader = app.sign_up_with("reader", "read").await;
    let (status, body) = app.act(&reader, "/api/v1/accounts/1/follow", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body["error"],
        "This action is outside the authorized scopes"
    );
    let writer = app
        .sign_up_with("writer", "write:follows write:accounts")
        .await;
    let (status, _) = app
        .read(&writer, "/api/v1/accounts/verify_credentials")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let none = app.get("/api/v1/accounts/verify_credentials").await;
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        none.json::<Value>().await.unwrap()["error"],
        "The access token is invalid"
    );
    let bogus = app
        .get_as("not-a-token", "/api/v1/accounts/verify_credentials")
        .await;
    assert_eq!(bogus.status(), StatusCode::UNAUTHORIZED);

    // An app-only token is not a member.
    let client = app.register_client("read").await;
    let app_only = app.app_token(&client, "read").await;
    let response = app
        .get_as(&app_only, "/api/v1/accounts/verify_credentials")
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// The authorization server metadata lists the endpoints and grants clients use.
#[tokio::test(flavor = "multi_thread")]
async fn oauth_metadata_lists_endpoints_and_grants() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .get_json("/.well-known/oauth-authorization-server")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["token_endpoint"], "http://lookbook.test/oauth/token");
    let grants = body["grant_types_supported"].as_array().unwrap();
    for grant in [
        "authorization_code",
        "client_credentials",
        "password",
        "refresh_token",
    ] {
        assert!(grants.iter().any(|g| g == grant), "{grant}");
    }
    assert_eq!(
        body["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
}

/// The sign-in page is the network's own: it names the network and the
/// app (escaped), says in words what the app may do, and offers a way back
/// in for a forgotten password; a phone can show it.
#[tokio::test(flavor = "multi_thread")]
async fn the_sign_in_page_says_who_asks_for_what() {
    let mut env = TestEnv::new().await;
    env.set("LOOKBOOK_INSTANCE_TITLE", "Atelier");
    let app = TestApp::spawn_with(env, false).await;
    let registered: Value = app
        .client
        .post(app.url("/api/v1/apps"))
        .form(&[
            ("client_name", "Closet <b>Pro</b>"),
            ("redirect_uris", "https://app.example/callback"),
            ("scopes", "read write:media push"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let page = app
        .client
        .get(app.url("/oauth/authorize"))
        .query(&[
            ("response_type", "code"),
            ("client_id", registered["client_id"].as_str().unwrap()),
            ("redirect_uri", "https://app.example/callback"),
            ("scope", "read write:media push"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.unwrap();
    assert!(html.contains("Sign in to Atelier"), "{html}");
    assert!(
        html.contains("Closet &#60;b&#62;Pro&#60;/b&#62;")
            || html.contains("Closet &lt;b&gt;Pro&lt;/b&gt;"),
        "{html}"
    );
    assert!(
        !html.contains("<b>Pro</b>"),
        "the app's name was not escaped"
    );
    for words in [
        "See everything in your account",
        "Upload photos",
        "Send you push notifications",
    ] {
        assert!(html.contains(words), "{words} missing: {html}");
    }
    assert!(html.contains("href=\"/auth/password/new\""));
    assert!(html.contains("name=\"viewport\""));
    assert!(html.contains("autocomplete=\"current-password\""));
    app.finish().await.unwrap();
}

/// Someone new joins from the sign-in page an app opened: its link leads to
/// the sign-up form and back; the form needs its own anti-forgery token,
/// refuses a taken name keeping what was typed, and the new account signs
/// in to the app.
#[tokio::test(flavor = "multi_thread")]
async fn a_newcomer_joins_from_the_sign_in_page() {
    let app = TestApp::spawn_with(TestEnv::new().await, false).await;
    app.sign_up("ann").await;
    let client = app.register_client("read write").await;
    let page = app
        .client
        .get(app.url("/oauth/authorize"))
        .query(&[
            ("response_type", "code"),
            ("client_id", client.client_id.as_str()),
            ("redirect_uri", "https://app.example/callback"),
            ("scope", "read"),
            ("state", "s1"),
        ])
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    let link = html
        .split("href=\"/auth/sign_up?")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let form = app
        .client
        .get(app.url(&format!("/auth/sign_up?{link}")))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    let cookie = form_cookie(&form);
    let html = form.text().await.unwrap();
    let field = |name: &str| {
        html.split(&format!("name=\"{name}\" value=\""))
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .replace("&amp;", "&")
            .replace("&#38;", "&")
    };
    let (token, back) = (field("authenticity_token"), field("return_to"));
    assert!(back.starts_with("/oauth/authorize?"), "{back}");
    assert!(
        back.contains("state=s1") && back.contains(&client.client_id),
        "{back}"
    );
    let send = |form: Vec<(&'static str, String)>, cookie: Option<String>| {
        let mut request = app.client.post(app.url("/auth/sign_up")).form(&form);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send()
    };
    let filled = |username: &str| {
        vec![
            ("authenticity_token", token.clone()),
            ("return_to", back.clone()),
            ("username", username.to_string()),
            ("email", format!("{username}@example.com")),
            ("password", "velvet and satin".to_string()),
            ("agreement", "1".to_string()),
        ]
    };
    // Without the page's cookie: refused, nothing made.
    let forged = send(filled("mallory"), None).await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let taken = send(filled("ann"), Some(cookie.clone())).await.unwrap();
    assert_eq!(taken.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let again = taken.text().await.unwrap();
    assert!(again.contains("Username has already been taken"), "{again}");
    assert!(
        again.contains("value=\"ann@example.com\""),
        "what was typed is kept"
    );
    let joined = send(filled("zoe"), Some(cookie)).await.unwrap();
    assert_eq!(joined.status(), StatusCode::OK);
    let token = app
        .password_grant(&client, "zoe@example.com", "velvet and satin")
        .await;
    let me = app
        .client
        .get(app.url("/api/v1/accounts/verify_credentials"))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["username"], "zoe");
    app.finish().await.unwrap();
}
