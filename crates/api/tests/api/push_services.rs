//! Stand-ins for Apple's and Google's push services, which cannot be
//! reached from here: one HTTP server on loopback (HTTP/2 without TLS, as
//! well as HTTP/1.1) that plays APNs (`/3/device/<token>`), Google's OAuth
//! token endpoint (`/token`) and FCM HTTP v1 (`/v1/projects/<p>/messages:send`).
//! It keeps everything it receives for the test to check, and answers what
//! the test scripted per device token (200 when nothing is scripted).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey,
};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Version};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Received {
    pub at: Instant,
    pub version: Version,
    /// `apns`, `token` or `fcm`.
    pub service: &'static str,
    /// The device token (APNs: from the path; FCM: from the message).
    pub device: String,
    pub headers: HeaderMap,
    pub body: Value,
    /// The form of a token request.
    pub form: HashMap<String, String>,
    /// What the fake answered.
    pub status: u16,
}

/// An answer the test scripted.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<&'static str>,
    pub body: Value,
}

#[derive(Debug, Default)]
struct Inner {
    received: Vec<Received>,
    script: HashMap<String, VecDeque<Answer>>,
    issued: u64,
}

/// The fake push services.
#[derive(Debug, Clone, Default)]
pub struct PushServices {
    inner: Arc<Mutex<Inner>>,
}

impl PushServices {
    /// Serves on `port` until the test ends.
    pub async fn start(port: u16) -> PushServices {
        let fake = PushServices::default();
        let app = Router::new()
            .route("/3/device/{token}", post(apns))
            .route("/token", post(token))
            .route("/v1/projects/{project}/messages:send", post(fcm))
            .with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind the fake push services");
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let service = hyper_util::service::TowerToHyperService::new(app.clone());
                tokio::spawn(async move {
                    let _ = hyper_util::server::conn::auto::Builder::new(
                        hyper_util::rt::TokioExecutor::new(),
                    )
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
                });
            }
        });
        fake
    }

    /// Answers the next pushes to `device` with `answers`, in order.
    pub fn script(&self, device: &str, answers: Vec<Answer>) {
        let mut inner = self.inner.lock().unwrap();
        inner
            .script
            .entry(device.to_string())
            .or_default()
            .extend(answers);
    }

    /// Everything received by `service` (for `device`, when given).
    pub fn received(&self, service: &str, device: Option<&str>) -> Vec<Received> {
        let inner = self.inner.lock().unwrap();
        inner
            .received
            .iter()
            .filter(|r| r.service == service && device.is_none_or(|d| r.device == d))
            .cloned()
            .collect()
    }

    fn answer(
        &self,
        service: &'static str,
        device: String,
        version: Version,
        headers: HeaderMap,
        body: Value,
    ) -> Response {
        let mut inner = self.inner.lock().unwrap();
        let answer = inner
            .script
            .get_mut(&device)
            .and_then(VecDeque::pop_front)
            .unwrap_or(Answer {
                status: 200,
                retry_after: None,
                body: json!({}),
            });
        inner.received.push(Received {
            at: Instant::now(),
            version,
            service,
            device,
            headers,
            body,
            form: HashMap::new(),
            status: answer.status,
        });
        let mut response = (
            StatusCode::from_u16(answer.status).unwrap(),
            axum::Json(answer.body),
        )
            .into_response();
        if let Some(wait) = answer.retry_after {
            response
                .headers_mut()
                .insert("retry-after", wait.parse().unwrap());
        }
        response
    }
}

async fn apns(
    State(fake): State<PushServices>,
    Path(device): Path<String>,
    version: Version,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    fake.answer("apns", device, version, headers, body)
}

async fn fcm(
    State(fake): State<PushServices>,
    version: Version,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let device = body["message"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    fake.answer("fcm", device, version, headers, body)
}

async fn token(
    State(fake): State<PushServices>,
    version: Version,
    headers: HeaderMap,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Response {
    let mut inner = fake.inner.lock().unwrap();
    inner.issued += 1;
    let issued = format!("ya29.test-{}", inner.issued);
    inner.received.push(Received {
        at: Instant::now(),
        version,
        service: "token",
        device: String::new(),
        headers,
        body: json!({"access_token": issued}),
        form,
        status: 200,
    });
    axum::Json(json!({"access_token": issued, "expires_in": 3599, "token_type": "Bearer"}))
        .into_response()
}

/// The claims of a JWT whose signature `public_key` verifies (ES256 or
/// RS256, as its header says), with its header; panics when it does not.
pub fn verified_jwt(token: &str, public_key: &[u8]) -> (Value, Value) {
    let (input, signature) = token.rsplit_once('.').expect("a JWT");
    let (header, claims) = input.split_once('.').expect("a JWT");
    let part = |text: &str| -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(text).expect("base64url")).expect("JSON")
    };
    let (header, claims) = (part(header), part(claims));
    let signature = URL_SAFE_NO_PAD.decode(signature).expect("base64url");
    let verified = match header["alg"].as_str() {
        Some("ES256") => UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, public_key)
            .verify(input.as_bytes(), &signature),
        Some("RS256") => UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, public_key)
            .verify(input.as_bytes(), &signature),
        other => panic!("unexpected JWT algorithm {other:?}"),
    };
    assert!(verified.is_ok(), "the JWT's signature does not verify");
    (header, claims)
}
