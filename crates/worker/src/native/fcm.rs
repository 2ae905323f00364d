//! Firebase Cloud Messaging HTTP v1, authorized by a service account: a
//! JWT signed with its key (RS256) is traded at its `token_uri` for an
//! OAuth 2 access token, which is kept until a minute before it expires.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use lookbook_core::config::FcmConfig;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::Mutex;

use super::{Message, Outcome, client, unreachable};
use crate::jwt::{self, Key};
use crate::tasks::TaskError;

/// What the access token is for.
const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
/// An access token is not used in its last minute.
const EXPIRY_MARGIN: Duration = Duration::from_secs(60);

/// The fields of a service account's key file that are used.
#[derive(Deserialize)]
struct ServiceAccount {
    project_id: String,
    client_email: String,
    private_key: String,
    #[serde(default = "default_token_uri")]
    token_uri: String,
}

fn default_token_uri() -> String {
    "https://oauth2.googleapis.com/token".into()
}

/// The answer of the token endpoint.
#[derive(Deserialize)]
struct AccessToken {
    access_token: String,
    expires_in: u64,
}

/// A client of FCM.
pub struct Fcm {
    http: reqwest::Client,
    send_url: String,
    token_uri: String,
    client_email: String,
    key: Key,
    /// The access token in use, and when it stops being used.
    access: Mutex<Option<(String, Instant)>>,
}

impl std::fmt::Debug for Fcm {
    // Without the access token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fcm")
            .field("send_url", &self.send_url)
            .field("client_email", &self.client_email)
            .finish_non_exhaustive()
    }
}

impl Fcm {
    pub fn new(config: &FcmConfig, timeout: Duration) -> anyhow::Result<Fcm> {
        let file = &config.service_account_file;
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read FCM_SERVICE_ACCOUNT_FILE {file}"))?;
        let account: ServiceAccount = serde_json::from_str(&text).with_context(|| {
            format!("FCM_SERVICE_ACCOUNT_FILE {file} is not a service account's key file")
        })?;
        anyhow::ensure!(
            account.token_uri.starts_with("https://") || account.token_uri.starts_with("http://"),
            "the token_uri of FCM_SERVICE_ACCOUNT_FILE is not an http(s) URL"
        );
        let key = Key::rs256_from_pem(&account.private_key)
            .context("the private_key of FCM_SERVICE_ACCOUNT_FILE")?;
        tracing::info!(project = %account.project_id, "FCM is on");
        Ok(Fcm {
            http: client(timeout, false)?,
            send_url: format!(
                "{}/v1/projects/{}/messages:send",
                config.url, account.project_id
            ),
            token_uri: account.token_uri,
            client_email: account.client_email,
            key,
            access: Mutex::new(None),
        })
    }

    /// The access token, fetched anew when the one kept is about to expire
    /// (one fetch at a time: concurrent pushes wait for it).
    async fn access_token(&self) -> Result<String, TaskError> {
        let mut kept = self.access.lock().await;
        if let Some((token, until)) = kept.as_ref()
            && Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let now = jwt::now();
        let claims = json!({
            "iss": self.client_email,
            "scope": SCOPE,
            "aud": self.token_uri,
            "iat": now,
            "exp": now + 3600,
        });
        let assertion = self.key.sign(None, &claims).map_err(TaskError::Permanent)?;
        let response = self
            .http
            .post(&self.token_uri)
            .form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", assertion.as_str()),
            ])
            .send()
            .await
            .map_err(|e| {
                TaskError::Transient(anyhow::anyhow!(
                    "Google's token endpoint unreachable: {}",
                    e.without_url()
                ))
            })?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            let error = anyhow::anyhow!(
                "Google's token endpoint answered {status}: {}",
                body.chars().take(200).collect::<String>()
            );
            // A refused service account stays refused until an operator
            // mends it; the tasks wait parked.
            return Err(if status.is_client_error() {
                TaskError::Permanent(error)
            } else {
                TaskError::Transient(error)
            });
        }
        let granted: AccessToken = response.json().await.map_err(|e| {
            TaskError::Transient(anyhow::anyhow!(
                "Google's token endpoint answered no token: {}",
                e.without_url()
            ))
        })?;
        let until = Instant::now() + Duration::from_secs(granted.expires_in);
        *kept = Some((
            granted.access_token.clone(),
            until.checked_sub(EXPIRY_MARGIN).unwrap_or(until),
        ));
        Ok(granted.access_token)
    }

    /// Drops an access token FCM refused, unless a newer one replaced it.
    async fn forget(&self, refused: &str) {
        let mut kept = self.access.lock().await;
        if kept.as_ref().is_some_and(|(token, _)| token == refused) {
            *kept = None;
        }
    }

    /// Sends one push.
    pub async fn send(&self, m: &Message<'_>) -> Outcome {
        let access = match self.access_token().await {
            Ok(token) => token,
            Err(e) => return Outcome::Failed(e),
        };
        let ttl = (m.expires_at - jwt::now()).max(0);
        let mut android = json!({
            "priority": if m.alerting { "high" } else { "normal" },
            "ttl": format!("{ttl}s"),
            "notification": {"notification_count": m.count},
        });
        if let Some(collapse) = m.collapse {
            android["collapse_key"] = collapse.into();
            // The same tag replaces the notification shown.
            android["notification"]["tag"] = collapse.into();
        }
        let message = json!({"message": {
            "token": m.device_token,
            "notification": {"title": m.title, "body": m.body},
            "data": {
                "notification_id": m.notification_id.to_string(),
                "notification_type": m.notification_type,
                "count": m.count.to_string(),
            },
            "android": android,
        }});
        let response = match self
            .http
            .post(&self.send_url)
            .bearer_auth(&access)
            .json(&message)
            .send()
            .await
        {
            Ok(response) => response,
            Err(e) => return unreachable("FCM", e),
        };
        let status = response.status();
        if status.is_success() {
            return Outcome::Sent;
        }
        let headers = response.headers().clone();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        let code = error_code(&body);
        let error = anyhow::anyhow!("FCM answered {status} {code}");
        match (status.as_u16(), code.as_str()) {
            // The app was removed from the phone or its token replaced, the
            // token is of another Firebase project, or it is no token at all
            // (the message itself is always well formed).
            (_, "UNREGISTERED" | "SENDER_ID_MISMATCH") => Outcome::Gone,
            (400, "INVALID_ARGUMENT") if names_the_token(&body) => Outcome::Gone,
            // The access token expired early: fetch another.
            (401, _) => {
                self.forget(&access).await;
                Outcome::Failed(TaskError::Transient(error))
            }
            (429 | 500..=599, _) => Outcome::Failed(TaskError::retry(error, &headers)),
            // Our credentials or request are wrong (THIRD_PARTY_AUTH_ERROR,
            // PERMISSION_DENIED): keep the device, park the task.
            _ => Outcome::Failed(TaskError::Permanent(error)),
        }
    }
}

/// FCM's own error code (`UNREGISTERED`, `QUOTA_EXCEEDED`...), else the
/// general status (`NOT_FOUND`...).
fn error_code(body: &serde_json::Value) -> String {
    let error = &body["error"];
    error["details"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|d| d["errorCode"].as_str())
        .or_else(|| error["status"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// Whether a 400's `BadRequest` detail blames the registration token.
fn names_the_token(body: &serde_json::Value) -> bool {
    body["error"]["details"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["fieldViolations"].as_array())
        .flatten()
        .any(|v| v["field"] == "message.token")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The FCM error code is read from the details before the status.
    #[test]
    fn error_codes() {
        let gone = json!({"error": {"code": 404, "status": "NOT_FOUND", "details": [
            {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
             "errorCode": "UNREGISTERED"}]}});
        assert_eq!(error_code(&gone), "UNREGISTERED");
        let busy = json!({"error": {"code": 503, "status": "UNAVAILABLE"}});
        assert_eq!(error_code(&busy), "UNAVAILABLE");
        assert_eq!(error_code(&json!(null)), "");
        let bad_token = json!({"error": {"code": 400, "status": "INVALID_ARGUMENT", "details": [
            {"@type": "type.googleapis.com/google.rpc.BadRequest",
             "fieldViolations": [{"field": "message.token", "description": "Invalid"}]}]}});
        assert!(names_the_token(&bad_token));
        assert!(!names_the_token(&busy));
    }
}
