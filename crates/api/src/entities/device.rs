//! The Device entity: a phone of the network's own apps, registered for
//! native push.

use std::collections::BTreeMap;

use lookbook_core::db::devices::Device as Record;
use serde::Serialize;
use utoipa::ToSchema;

/// A phone that gets this account's notifications through APNs or FCM.
#[derive(Debug, Serialize, ToSchema)]
pub struct Device {
    pub id: String,
    /// `apns` or `fcm`.
    pub platform: String,
    /// The token the platform gave the app on this phone.
    pub token: String,
    /// Which notification types are pushed.
    pub alerts: BTreeMap<String, bool>,
    pub created_at: String,
}

impl From<Record> for Device {
    fn from(d: Record) -> Device {
        let alerts = super::alerts(&d.alerts);
        Device {
            id: d.id.to_string(),
            platform: d.platform,
            token: d.device_token,
            alerts,
            created_at: super::time(d.created_at),
        }
    }
}
