//! Native push for the network's own mobile apps: APNs and FCM, each on
//! when its credentials are configured and off (said at start-up) when not.

use std::time::Duration;

use super::{ConfigError, Env};

/// APNs and FCM, and how bursts of one notification group collapse.
#[derive(Debug, Clone)]
pub struct NativePushConfig {
    pub apns: Option<ApnsConfig>,
    pub fcm: Option<FcmConfig>,
    /// After a push of a group (likes on one post), how long the ones that
    /// follow wait to go out together as one summary.
    pub collapse_window: Duration,
    /// How often the worker looks for summaries that are due.
    pub summary_sweep: Duration,
}

/// Apple's provider API with token-based (ES256 JWT) authentication.
#[derive(Debug, Clone)]
pub struct ApnsConfig {
    /// `https://api.push.apple.com`, or the sandbox's
    /// `https://api.sandbox.push.apple.com` for development builds.
    pub url: String,
    /// The `.p8` signing key from Apple's developer account (PKCS#8, PEM).
    pub key_file: String,
    /// The key's id (`kid`).
    pub key_id: String,
    /// The developer team's id (`iss`).
    pub team_id: String,
    /// The app's bundle id (`apns-topic`).
    pub topic: String,
}

/// Firebase Cloud Messaging HTTP v1, authorized by a service account.
#[derive(Debug, Clone)]
pub struct FcmConfig {
    /// `https://fcm.googleapis.com`.
    pub url: String,
    /// The service account's JSON key file (from the Firebase console): its
    /// `project_id`, `client_email`, `private_key` and `token_uri`.
    pub service_account_file: String,
}

impl NativePushConfig {
    pub(super) fn from_env(env: &Env<'_>) -> Result<NativePushConfig, ConfigError> {
        let apns = match env.get("APNS_KEY_FILE") {
            Some(key_file) => Some(ApnsConfig {
                url: match env.get("APNS_URL") {
                    Some(_) => env.url("APNS_URL")?,
                    None => "https://api.push.apple.com".into(),
                },
                key_file,
                key_id: env.required("APNS_KEY_ID")?,
                team_id: env.required("APNS_TEAM_ID")?,
                topic: env.required("APNS_TOPIC")?,
            }),
            None => None,
        };
        let fcm = match env.get("FCM_SERVICE_ACCOUNT_FILE") {
            Some(service_account_file) => Some(FcmConfig {
                url: match env.get("FCM_URL") {
                    Some(_) => env.url("FCM_URL")?,
                    None => "https://fcm.googleapis.com".into(),
                },
                service_account_file,
            }),
            None => None,
        };
        Ok(NativePushConfig {
            apns,
            fcm,
            collapse_window: env.millis("NATIVE_PUSH_COLLAPSE_MS", 60_000)?,
            summary_sweep: env.millis("NATIVE_PUSH_SWEEP_MS", 1000)?,
        })
    }
}
