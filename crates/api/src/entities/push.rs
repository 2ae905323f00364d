//! The WebPushSubscription entity.

use std::collections::BTreeMap;

use lookbook_core::db::push_subscriptions::Subscription;
use serde::Serialize;
use utoipa::ToSchema;

/// A token's Web Push subscription, as Mastodon shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebPushSubscription {
    pub id: String,
    /// Where pushes are sent.
    pub endpoint: String,
    /// RFC 8291's `aes128gcm` coding when true, the older `aesgcm` when false.
    pub standard: bool,
    /// Which notification types are pushed.
    pub alerts: BTreeMap<String, bool>,
    /// The VAPID public key pushes are signed with.
    pub server_key: String,
    /// From whom: `all`, `followed`, `follower` or `none`.
    pub policy: String,
}

impl WebPushSubscription {
    pub fn new(sub: Subscription, server_key: String) -> WebPushSubscription {
        let alerts = super::alerts(&sub.alerts);
        WebPushSubscription {
            id: sub.id.to_string(),
            endpoint: sub.endpoint,
            standard: sub.standard,
            alerts,
            server_key,
            policy: sub.policy,
        }
    }
}
