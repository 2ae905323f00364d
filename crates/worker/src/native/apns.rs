//! Apple's push service: the HTTP/2 provider API, authorized by a provider
//! token (an ES256 JWT with the key id and the team id) that is made once
//! and reused for 50 minutes, as Apple asks (a new one at most every 20
//! minutes, none older than an hour).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use lookbook_core::config::ApnsConfig;
use serde_json::json;

use super::{Message, Outcome, client, unreachable};
use crate::jwt::{self, Key};
use crate::tasks::TaskError;

/// How long a provider token is used.
const TOKEN_LIFETIME: Duration = Duration::from_secs(50 * 60);
/// The longest collapse id APNs takes, in bytes.
const COLLAPSE_ID_MAX: usize = 64;

/// A client of APNs.
pub struct Apns {
    http: reqwest::Client,
    url: String,
    topic: String,
    key_id: String,
    team_id: String,
    key: Key,
    /// The provider token in use, and when it was made.
    token: Mutex<Option<(String, Instant)>>,
}

impl std::fmt::Debug for Apns {
    // Without the provider token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Apns")
            .field("url", &self.url)
            .field("topic", &self.topic)
            .finish_non_exhaustive()
    }
}

impl Apns {
    pub fn new(config: &ApnsConfig, timeout: Duration) -> anyhow::Result<Apns> {
        let pem = std::fs::read_to_string(&config.key_file)
            .with_context(|| format!("cannot read APNS_KEY_FILE {}", config.key_file))?;
        let key = Key::es256_from_pem(&pem).context("APNS_KEY_FILE")?;
        tracing::info!(url = %config.url, topic = %config.topic, "APNs is on");
        Ok(Apns {
            http: client(timeout, true)?,
            url: config.url.clone(),
            topic: config.topic.clone(),
            key_id: config.key_id.clone(),
            team_id: config.team_id.clone(),
            key,
            token: Mutex::new(None),
        })
    }

    /// The provider token, made anew when the one in use is old.
    fn provider_token(&self) -> anyhow::Result<String> {
        let mut kept = self.token.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((token, made)) = kept.as_ref()
            && made.elapsed() < TOKEN_LIFETIME
        {
            return Ok(token.clone());
        }
        let claims = json!({"iss": self.team_id, "iat": jwt::now()});
        let token = self.key.sign(Some(&self.key_id), &claims)?;
        *kept = Some((token.clone(), Instant::now()));
        Ok(token)
    }

    /// Drops a provider token APNs refused, unless a newer one replaced it.
    fn forget(&self, refused: &str) {
        let mut kept = self.token.lock().unwrap_or_else(|e| e.into_inner());
        if kept.as_ref().is_some_and(|(token, _)| token == refused) {
            *kept = None;
        }
    }

    /// Sends one push.
    pub async fn send(&self, m: &Message<'_>) -> Outcome {
        let token = match self.provider_token() {
            Ok(token) => token,
            Err(e) => return Outcome::Failed(TaskError::Permanent(e)),
        };
        let mut aps = json!({
            "alert": {"title": m.title, "body": m.body},
            "thread-id": m.collapse.unwrap_or(m.notification_type),
        });
        if m.alerting {
            aps["sound"] = "default".into();
        }
        let payload = json!({
            "aps": aps,
            "notification_id": m.notification_id.to_string(),
            "notification_type": m.notification_type,
            "count": m.count,
        });
        let mut request = self
            .http
            .post(format!("{}/3/device/{}", self.url, m.device_token))
            .header("authorization", format!("bearer {token}"))
            .header("apns-topic", &self.topic)
            .header("apns-push-type", "alert")
            .header("apns-priority", if m.alerting { "10" } else { "5" })
            .header("apns-expiration", m.expires_at.to_string())
            .json(&payload);
        if let Some(collapse) = m.collapse.filter(|c| c.len() <= COLLAPSE_ID_MAX) {
            request = request.header("apns-collapse-id", collapse);
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => return unreachable("APNs", e),
        };
        let status = response.status();
        if status.is_success() {
            return Outcome::Sent;
        }
        let headers = response.headers().clone();
        let reason = response
            .json::<serde_json::Value>()
            .await
            .ok()
            .and_then(|body| body["reason"].as_str().map(str::to_string))
            .unwrap_or_default();
        let error = anyhow::anyhow!("APNs answered {status} {reason}");
        match (status.as_u16(), reason.as_str()) {
            // The app was removed from the phone, or the token was never
            // one of this app's.
            (410, _) | (400, "BadDeviceToken" | "DeviceTokenNotForTopic") => Outcome::Gone,
            (403, "ExpiredProviderToken") => {
                self.forget(&token);
                Outcome::Failed(TaskError::Transient(error))
            }
            (429 | 500..=599, _) => Outcome::Failed(TaskError::retry(error, &headers)),
            // Our request is wrong (the topic, the key, the payload): keep
            // the device, park the task for an operator to see.
            _ => Outcome::Failed(TaskError::Permanent(error)),
        }
    }
}
