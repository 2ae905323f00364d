//! Typed helpers for the requests tests make: apps, tokens and members
//! created through the public API, exactly as a client would.

use reqwest::{RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

use crate::TestApp;

/// An OAuth client registered through `POST /api/v1/apps`.
#[derive(Debug, Clone)]
pub struct Client {
    pub client_id: String,
    pub client_secret: String,
}

/// A member signed up through `POST /api/v1/accounts`.
#[derive(Debug, Clone)]
pub struct Member {
    pub id: String,
    pub username: String,
    pub email: String,
    pub password: String,
    /// A token with every scope the app has.
    pub token: String,
}

/// The password every test member gets.
pub const PASSWORD: &str = "a long enough password";

impl TestApp {
    /// `GET path` with a bearer token.
    pub async fn get_as(&self, token: &str, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("GET")
    }

    /// A request to `path` with a bearer token, ready for a body.
    pub fn request_as(&self, method: reqwest::Method, token: &str, path: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
    }

    /// `POST path` with a form body and a bearer token.
    pub async fn post_as(&self, token: &str, path: &str, form: &[(&str, &str)]) -> Response {
        self.request_as(reqwest::Method::POST, token, path)
            .form(form)
            .send()
            .await
            .expect("POST")
    }

    /// Registers an app with `scopes`.
    pub async fn register_client(&self, scopes: &str) -> Client {
        let response = self
            .client
            .post(self.url("/api/v1/apps"))
            .form(&[
                ("client_name", "lookbook tests"),
                (
                    "redirect_uris",
                    "urn:ietf:wg:oauth:2.0:oob https://app.example/callback",
                ),
                ("scopes", scopes),
            ])
            .send()
            .await
            .expect("POST /api/v1/apps");
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.expect("app JSON");
        Client {
            client_id: body["client_id"].as_str().expect("client_id").to_string(),
            client_secret: body["client_secret"]
                .as_str()
                .expect("client_secret")
                .to_string(),
        }
    }

    /// `POST /oauth/token` with the client's credentials and `params`.
    pub async fn token_request(&self, client: &Client, params: &[(&str, &str)]) -> Response {
        let mut form = vec![
            ("client_id", client.client_id.as_str()),
            ("client_secret", client.client_secret.as_str()),
        ];
        form.extend_from_slice(params);
        self.client
            .post(self.url("/oauth/token"))
            .form(&form)
            .send()
            .await
            .expect("POST /oauth/token")
    }

    /// Signs in with the password grant; the token JSON.
    pub async fn password_grant(&self, client: &Client, login: &str, password: &str) -> Value {
        let params = [
            ("grant_type", "password"),
            ("username", login),
            ("password", password),
        ];
        let response = self.token_request(client, &params).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("token JSON")
    }

    /// `POST /oauth/revoke` of `token` by the app `client`.
    pub async fn revoke(&self, client: &Client, token: &str) -> Response {
        self.client
            .post(self.url("/oauth/revoke"))
            .form(&[
                ("client_id", client.client_id.as_str()),
                ("client_secret", client.client_secret.as_str()),
                ("token", token),
            ])
            .send()
            .await
            .expect("revoke")
    }

    /// An app-only token (client credentials) with `scope`.
    pub async fn app_token(&self, client: &Client, scope: &str) -> String {
        let response = self
            .token_request(
                client,
                &[("grant_type", "client_credentials"), ("scope", scope)],
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.expect("token JSON");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    /// Signs a new member up, with a token limited to `scopes` (got by a
    /// password sign-in when narrower than the app's).
    pub async fn sign_up_with(&self, username: &str, scopes: &str) -> Member {
        let mut member = self.sign_up(username).await;
        let client = self.register_client("read write follow push").await;
        let response = self
            .token_request(
                &client,
                &[
                    ("grant_type", "password"),
                    ("username", username),
                    ("password", PASSWORD),
                    ("scope", scopes),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.expect("token JSON");
        member.token = body["access_token"]
            .as_str()
            .expect("access_token")
            .to_string();
        member
    }

    /// Signs a new member up with every scope.
    pub async fn sign_up(&self, username: &str) -> Member {
        let client = self.register_client("read write follow push").await;
        let app_token = self.app_token(&client, "read write follow push").await;
        let email = format!("{username}@example.com");
        let response = self
            .post_as(
                &app_token,
                "/api/v1/accounts",
                &[
                    ("username", username),
                    ("email", &email),
                    ("password", PASSWORD),
                    ("agreement", "true"),
                    ("locale", "en"),
                ],
            )
            .await;
        let status = response.status();
        let body: Value = response.json().await.expect("sign-up JSON");
        assert_eq!(status, StatusCode::OK, "{body}");
        let token = body["access_token"]
            .as_str()
            .expect("access_token")
            .to_string();
        let me: Value = self
            .get_as(&token, "/api/v1/accounts/verify_credentials")
            .await
            .json()
            .await
            .expect("credentials JSON");
        Member {
            id: me["id"].as_str().expect("id").to_string(),
            username: username.to_string(),
            email,
            password: PASSWORD.to_string(),
            token,
        }
    }

    /// `POST path` as `member`, answering status and JSON.
    pub async fn act(
        &self,
        member: &Member,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let response = self.post_as(&member.token, path, form).await;
        let status = response.status();
        (status, response.json().await.unwrap_or(json!(null)))
    }

    /// `GET path` as `member`, answering status and JSON.
    pub async fn read(&self, member: &Member, path: &str) -> (StatusCode, Value) {
        let response = self.get_as(&member.token, path).await;
        let status = response.status();
        (status, response.json().await.unwrap_or(json!(null)))
    }
}
