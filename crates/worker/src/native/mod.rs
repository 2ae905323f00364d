//! Native push for the network's own mobile apps: [`apns`] (Apple's
//! HTTP/2 provider API) and [`fcm`] (Firebase Cloud Messaging HTTP v1),
//! each on when configured. A push is one [`Message`], whichever the
//! channel; the channel says how it went ([`Outcome`]).

pub mod apns;
pub mod fcm;

use std::time::Duration;

use lookbook_core::Config;

use crate::tasks::TaskError;

/// One notification for one phone, whichever its platform.
pub struct Message<'a> {
    pub device_token: &'a str,
    pub title: String,
    pub body: String,
    /// Pushes with the same key replace each other on the phone (likes on
    /// one post); none for one that stands alone.
    pub collapse: Option<&'a str>,
    /// Whether the phone buzzes: the first push of a burst does, the
    /// summary of what followed does not.
    pub alerting: bool,
    /// When the push is no longer worth delivering (seconds since the
    /// epoch).
    pub expires_at: i64,
    pub notification_id: i64,
    pub notification_type: &'a str,
    /// Notifications in the collapsed group.
    pub count: i64,
}

/// How a push went.
#[derive(Debug)]
pub enum Outcome {
    /// The push service took it.
    Sent,
    /// The push service no longer knows the device: forget it.
    Gone,
    /// It failed: retried or parked, as the error says.
    Failed(TaskError),
}

/// The channels this worker sends through.
#[derive(Debug)]
pub struct Channels {
    pub apns: Option<apns::Apns>,
    pub fcm: Option<fcm::Fcm>,
    /// How long after a group's push the ones that follow wait, to go out
    /// as one summary.
    pub window: Duration,
}

impl Channels {
    /// Reads the configured keys (a key that cannot be read stops the
    /// worker at start-up) and says which channels are off.
    pub fn new(config: &Config) -> anyhow::Result<Channels> {
        let native = &config.push.native;
        let apns = match &native.apns {
            Some(apns) => Some(apns::Apns::new(apns, config.outbound_timeout)?),
            None => {
                tracing::info!("APNs is off: APNS_KEY_FILE is not set, so no push goes to iPhones");
                None
            }
        };
        let fcm = match &native.fcm {
            Some(fcm) => Some(fcm::Fcm::new(fcm, config.outbound_timeout)?),
            None => {
                tracing::info!(
                    "FCM is off: FCM_SERVICE_ACCOUNT_FILE is not set, so no push goes to Android phones"
                );
                None
            }
        };
        Ok(Channels {
            apns,
            fcm,
            window: native.collapse_window,
        })
    }
}

/// An HTTP client for a push service: bounded by the outbound deadline,
/// never redirected.
fn client(timeout: Duration, http2_only: bool) -> anyhow::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .redirect(reqwest::redirect::Policy::none());
    if http2_only {
        builder = builder.http2_prior_knowledge();
    }
    Ok(builder.build()?)
}

/// A failure to reach a push service: retried. (The error without its
/// URL, which holds the device token.)
fn unreachable(channel: &str, e: reqwest::Error) -> Outcome {
    Outcome::Failed(TaskError::Transient(anyhow::anyhow!(
        "{channel} unreachable: {}",
        e.without_url()
    )))
}
