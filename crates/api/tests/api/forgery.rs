//! Cross-site posting to the sign-in page (login CSRF): a form that did not
//! come from the site's own page is refused, and no code is issued.

use lookbook_testkit::TestApp;
use reqwest::StatusCode;

use super::oauth::open_page;

/// Without the page's anti-forgery token, with a token that is not the
/// cookie's, or from another site's `Origin`, the sign-in form is refused
/// with 403 and no code; from the page itself it works.
#[tokio::test(flavor = "multi_thread")]
async fn the_sign_in_form_only_works_from_its_own_page() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let client = app.register_client("read").await;
    let query = [
        ("response_type", "code"),
        ("client_id", client.client_id.as_str()),
        ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"),
        ("scope", "read"),
    ];
    let (cookie, csrf) = open_page(&app, &query).await;
    let submit = |cookie: Option<&str>, token: Option<&str>, origin: Option<&str>| {
        let mut form = query.to_vec();
        form.extend([("username", "ann"), ("password", ann.password.as_str())]);
        if let Some(token) = token {
            form.push(("authenticity_token", token));
        }
        let mut request = app.client.post(app.url("/oauth/authorize")).form(&form);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            (status, response.text().await.unwrap())
        }
    };
    let forged = [
        submit(None, None, None).await,
        submit(Some(&cookie), None, None).await,
        submit(None, Some(&csrf), None).await,
        submit(Some(&cookie), Some("made-up"), None).await,
        submit(Some(&cookie), Some(&csrf), Some("https://evil.example")).await,
    ];
    for (i, (status, html)) in forged.iter().enumerate() {
        assert_eq!(*status, StatusCode::FORBIDDEN, "case {i}");
        assert!(!html.contains("id=\"code\""), "case {i} issued a code");
    }
    let (status, html) = submit(Some(&cookie), Some(&csrf), Some("http://lookbook.test")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"code\""), "{html}");
}
