//! Every body format: the multipart bodies masto.js sends for everything
//! (Phanpy and Elk sign up with it), and the empty file parts Phanpy sends
//! with each profile save.

use lookbook_testkit::TestApp;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

async fn send(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Register an app, get an app token, sign up, post and save a profile,
/// every body in multipart as masto.js sends it.
#[tokio::test(flavor = "multi_thread")]
async fn a_member_signs_up_and_posts_with_multipart_bodies_only() {
    let app = TestApp::spawn().await;
    let (status, client) = send(
        app.client.post(app.url("/api/v1/apps")).multipart(
            Form::new()
                .text("client_name", "Phanpy")
                .text("redirect_uris", "urn:ietf:wg:oauth:2.0:oob")
                .text("scopes", "read write follow push")
                .text("website", "https://phanpy.social"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{client}");
    assert_eq!(client["name"], "Phanpy");

    let (status, token) = send(
        app.client.post(app.url("/oauth/token")).multipart(
            Form::new()
                .text("grant_type", "client_credentials")
                .text(
                    "client_id",
                    client["client_id"].as_str().unwrap().to_string(),
                )
                .text(
                    "client_secret",
                    client["client_secret"].as_str().unwrap().to_string(),
                )
                .text("scope", "read write follow push"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{token}");
    let app_token = token["access_token"].as_str().unwrap().to_string();

    let (status, signed_up) = send(
        app.client
            .post(app.url("/api/v1/accounts"))
            .bearer_auth(&app_token)
            .multipart(
                Form::new()
                    .text("username", "mira")
                    .text("email", "mira@example.com")
                    .text("password", "a long enough password")
                    .text("agreement", "true")
                    .text("locale", "en"),
            ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{signed_up}");
    let token = signed_up["access_token"].as_str().unwrap().to_string();

    let (status, posted) = send(
        app.client
            .post(app.url("/api/v1/statuses"))
            .bearer_auth(&token)
            .multipart(
                Form::new()
                    .text("status", "First #ootd, linen & denim")
                    .text("visibility", "public")
                    .text("sensitive", "false"),
            ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{posted}");
    assert!(
        posted["content"]
            .as_str()
            .unwrap()
            .contains("linen &amp; denim"),
        "{posted}"
    );
    assert_eq!(posted["tags"][0]["name"], "ootd");

    // Phanpy's profile save: the text fields, and an empty part per image.
    let (status, me) = send(
        app.client
            .patch(app.url("/api/v1/accounts/update_credentials"))
            .bearer_auth(&token)
            .multipart(
                Form::new()
                    .text("display_name", "Mira K.")
                    .text("note", "Vintage and linen.")
                    .part("avatar", Part::bytes(Vec::new()).file_name(""))
                    .part("header", Part::bytes(Vec::new()).file_name("")),
            ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["display_name"], "Mira K.");

    // A file where text is expected is refused with the reason.
    let (status, refused) = send(
        app.client
            .post(app.url("/api/v1/statuses"))
            .bearer_auth(&token)
            .multipart(Form::new().part(
                "status",
                Part::bytes(b"not text".to_vec()).file_name("look.txt"),
            )),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("status takes text"),
        "{refused}"
    );
    app.finish().await.unwrap();
}

/// Browsers pick boundaries with capitals (`----WebKitFormBoundary…`); the
/// boundary is matched as sent.
#[tokio::test(flavor = "multi_thread")]
async fn a_browser_boundary_with_capitals_is_read() {
    let app = TestApp::spawn().await;
    let boundary = "----WebKitFormBoundaryAbCdEfGh12345678";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"client_name\"\r\n\r\nElk\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"redirect_uris\"\r\n\r\n\
         urn:ietf:wg:oauth:2.0:oob\r\n--{boundary}--\r\n"
    );
    let (status, client) = send(
        app.client
            .post(app.url("/api/v1/apps"))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{client}");
    assert_eq!(client["name"], "Elk");
    app.finish().await.unwrap();
}
