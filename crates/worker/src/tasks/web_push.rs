//! `web_push`: sends one notification to one browser's push subscription,
//! encrypted for it and signed with the server's VAPID key, with the
//! payload Mastodon sends (so its clients read it unchanged).
//!
//! It talks to another server, so it holds no database connection while it
//! waits ([`crate::claimed`]). A push service
//! that answers 404 or 410 has forgotten the subscription, which is deleted;
//! a timeout, 408, 429 or 5xx is retried (until the notification is two days
//! old, and no sooner than its `Retry-After`); another refusal parks the
//! task and keeps the subscription.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use lookbook_core::db::push_subscriptions::{self, Delivery};
use lookbook_core::webpush::ece::{self, Coding};
use lookbook_core::webpush::{encode_base64, origin};

use super::TaskError;
use crate::Context;

/// How long a push service keeps a message for an offline browser.
const TTL_SECS: &str = "172800";
/// The longest body text, in characters.
const BODY_CHARS: usize = 140;

/// What sending pushes needs besides the database.
#[derive(Debug)]
pub struct Pusher {
    http: reqwest::Client,
    /// `sub` of the VAPID token: how a push service reaches the operator.
    subject: String,
    /// For avatars that were never uploaded.
    public_url: String,
    /// Whether endpoints on private networks are sent to.
    allow_private: bool,
}

impl Pusher {
    pub fn new(config: &lookbook_core::Config) -> anyhow::Result<Pusher> {
        let mut http = reqwest::Client::builder()
            .timeout(config.outbound_timeout)
            .connect_timeout(config.outbound_timeout.min(Duration::from_secs(5)))
            // A push service answers; it does not send us elsewhere.
            .redirect(reqwest::redirect::Policy::none());
        if !config.push.allow_private_addresses {
            http = http.dns_resolver(Arc::new(crate::public_net::PublicOnly));
        }
        let http = http.build()?;
        // Push services want a way to reach the operator: mailto or https.
        let subject = if !config.contact_email.is_empty() {
            format!("mailto:{}", config.contact_email)
        } else if config.public_url.starts_with("https://") {
            config.public_url.clone()
        } else {
            format!("mailto:postmaster@{}", config.domain)
        };
        Ok(Pusher {
            http,
            subject,
            public_url: config.public_url.clone(),
            allow_private: config.push.allow_private_addresses,
        })
    }
}

/// How a push went, for the metrics.
fn count(outcome: &'static str) {
    metrics::counter!("pushes_total", "channel" => "web", "outcome" => outcome).increment(1);
}

/// Sends the push, unless the task was done already or the push is no
/// longer wanted.
pub async fn run(
    ctx: &Context,
    task_id: i64,
    notification: i64,
    subscription: i64,
) -> Result<(), TaskError> {
    crate::claimed::once(&ctx.db, task_id, "web_push", || async {
        let delivery = push_subscriptions::delivery(&ctx.db, notification, subscription)
            .await
            .map_err(|e| TaskError::Transient(e.into()))?;
        match delivery {
            Some(delivery) => send(ctx, &delivery, notification).await,
            None => Ok(()),
        }
    })
    .await
}

async fn send(ctx: &Context, delivery: &Delivery, notification: i64) -> Result<(), TaskError> {
    let pusher = &ctx.pusher;
    let vapid = ctx.keys.vapid(&ctx.db).await?;
    let sub = &delivery.subscription;
    let Some(audience) = origin(&sub.endpoint) else {
        // Refused when subscribing; nothing can reach it.
        count("gone");
        return forget(ctx, sub.id).await;
    };
    if !crate::public_net::allowed(&sub.endpoint, pusher.allow_private) {
        count("gone");
        return forget(ctx, sub.id).await;
    }
    let payload = serde_json::json!({
        "access_token": vapid.open_token(&sub.sealed_token, sub.token_id).unwrap_or_default(),
        "preferred_locale": delivery.locale,
        "notification_id": notification,
        "notification_type": delivery.notification_type,
        "icon": match &delivery.from_avatar_key {
            Some(key) => ctx.storage.url(key),
            None => format!("{}/avatars/original/missing.png", pusher.public_url),
        },
        "title": title(&delivery.notification_type, delivery_name(delivery)),
        "body": body(delivery),
    });
    let coding = if sub.standard {
        Coding::Aes128Gcm
    } else {
        Coding::AesGcm
    };
    let sealed = ece::seal(
        coding,
        payload.to_string().as_bytes(),
        &sub.p256dh,
        &sub.auth,
    )
    .map_err(|e| {
        TaskError::Permanent(anyhow::anyhow!(
            "cannot encrypt for subscription {}: {e}",
            sub.id
        ))
    })?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let authorization = vapid
        .authorization(&audience, &pusher.subject, coding, now)
        .map_err(|e| TaskError::Transient(anyhow::anyhow!(e)))?;
    let mut request = pusher
        .http
        .post(&sub.endpoint)
        .header("TTL", TTL_SECS)
        .header("Urgency", "normal")
        .header("Content-Type", "application/octet-stream")
        .header("Content-Encoding", coding.name())
        .header("Authorization", authorization);
    if coding == Coding::AesGcm {
        request = request
            .header(
                "Encryption",
                format!("salt={}", encode_base64(&sealed.salt)),
            )
            .header(
                "Crypto-Key",
                format!(
                    "dh={};p256ecdsa={}",
                    encode_base64(&sealed.sender_key),
                    vapid.public_key()
                ),
            );
    }
    let response = match request.body(sealed.body).send().await {
        Ok(response) => response,
        Err(e) if e.is_builder() => {
            // Not a URL a request can go to: it never will be.
            count("gone");
            return forget(ctx, sub.id).await;
        }
        Err(e) => {
            count("retried");
            // (The error without its URL: an endpoint is a capability.)
            return Err(TaskError::Transient(anyhow::anyhow!(
                "push service of subscription {} unreachable: {}",
                sub.id,
                e.without_url()
            )));
        }
    };
    let status = response.status();
    if status.is_success() {
        count("sent");
        ctx.stats.pushes.fetch_add(1, Ordering::SeqCst);
        return Ok(());
    }
    match status.as_u16() {
        // The push service no longer knows this subscription, or points
        // elsewhere (push services do not redirect).
        300..=399 | 404 | 410 => {
            tracing::info!(subscription = sub.id, %status, "push subscription gone; deleting it");
            count("gone");
            forget(ctx, sub.id).await
        }
        408 | 429 | 500..=599 => {
            count("retried");
            Err(TaskError::retry(
                anyhow::anyhow!("push service of subscription {} answered {status}", sub.id),
                response.headers(),
            ))
        }
        // Our request is wrong (the VAPID subject, the key, the size): keep
        // the subscription, park the task for an operator to see.
        _ => {
            count("refused");
            Err(TaskError::Permanent(anyhow::anyhow!(
                "push service of subscription {} refused the push: {status}",
                sub.id
            )))
        }
    }
}

async fn forget(ctx: &Context, subscription: i64) -> Result<(), TaskError> {
    push_subscriptions::delete(&ctx.db, subscription)
        .await
        .map_err(|e| TaskError::Transient(e.into()))
}

fn delivery_name(d: &Delivery) -> &str {
    if d.from_display_name.trim().is_empty() {
        &d.from_username
    } else {
        &d.from_display_name
    }
}

/// The notification's title, as a phone shows it.
pub(crate) fn title(kind: &str, name: &str) -> String {
    match kind {
        "favourite" => format!("{name} liked your post"),
        "mention" => format!("You were mentioned by {name}"),
        "reblog" => format!("{name} boosted your post"),
        "follow" => format!("{name} is now following you"),
        "follow_request" => format!("Pending follower: {name}"),
        "status" => format!("{name} just posted"),
        "update" => format!("{name} edited a post"),
        "poll" => "A poll has ended".to_string(),
        _ => format!("New notification from {name}"),
    }
}

/// The post's content warning or text (or the sender's bio), shortened.
fn body(d: &Delivery) -> String {
    excerpt(
        d.status_spoiler.as_deref(),
        d.status_text.as_deref(),
        &d.from_note,
    )
}

/// A push's body: the content warning, else the text, else `fallback`, cut
/// to 140 characters.
pub(crate) fn excerpt(spoiler: Option<&str>, text: Option<&str>, fallback: &str) -> String {
    let text = match (spoiler, text) {
        (Some(cw), _) if !cw.is_empty() => cw,
        (_, Some(text)) => text,
        _ => fallback,
    };
    let text = text.trim();
    if text.chars().count() <= BODY_CHARS {
        return text.to_string();
    }
    let mut short: String = text.chars().take(BODY_CHARS - 1).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Titles name the sender; a long text is cut to 140 characters.
    #[test]
    fn title_and_body() {
        assert_eq!(title("favourite", "Ann"), "Ann liked your post");
        let d = Delivery {
            subscription: push_subscriptions::Subscription {
                id: 1,
                token_id: 1,
                account_id: 1,
                endpoint: String::new(),
                p256dh: vec![],
                auth: vec![],
                standard: false,
                alerts: serde_json::json!({}),
                policy: "all".into(),
                sealed_token: vec![],
            },
            notification_type: "favourite".into(),
            from_username: "ann".into(),
            from_display_name: " ".into(),
            from_avatar_key: None,
            locale: "en".into(),
            status_text: Some("x".repeat(300)),
            status_spoiler: Some(String::new()),
            from_note: String::new(),
        };
        assert_eq!(delivery_name(&d), "ann");
        assert_eq!(body(&d).chars().count(), 140);
    }
}
