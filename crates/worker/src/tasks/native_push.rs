//! `native_push`: sends one notification to one phone of the network's own
//! apps, through APNs or FCM.
//!
//! Likes (and boosts, and follows) on one post collapse: the first of a
//! burst goes out at once and buzzes; those that follow within the window
//! wait, and the sweep ([`crate::schedule::send_summaries`]) sends the
//! newest as one quiet summary, "Ana and 999 others liked your post",
//! replacing the first on the phone (same collapse id). A push service that
//! no longer knows the device deletes it; 429 and 5xx are retried no sooner
//! than their `Retry-After`.

use lookbook_core::db::devices::{self, Delivery, Plan};
use lookbook_core::db::push_subscriptions::PUSH_TTL_SECS;

use super::TaskError;
use super::web_push::{excerpt, title};
use crate::Context;
use crate::native::{Message, Outcome};

/// How a push went, for the metrics.
fn count(channel: &'static str, outcome: &'static str) {
    metrics::counter!("pushes_total", "channel" => channel, "outcome" => outcome).increment(1);
}

/// Sends the push, unless the task was done already, the push is no longer
/// wanted, or its group was pushed moments ago.
pub async fn run(
    ctx: &Context,
    task_id: i64,
    notification: i64,
    device: i64,
    summary: Option<&str>,
) -> Result<(), TaskError> {
    let transient = |e: lookbook_core::Error| TaskError::Transient(e.into());
    crate::claimed::once(&ctx.db, task_id, "native_push", || async {
        let notification = match summary {
            // The group's newest: the one that waited may be gone.
            Some(group) => match devices::newest_in_group(&ctx.db, device, group)
                .await
                .map_err(transient)?
            {
                Some(newest) => newest,
                None => return Ok(()),
            },
            None => notification,
        };
        let window = ctx.native.window.as_secs_f64();
        let plan = devices::plan(
            &ctx.db,
            task_id,
            notification,
            device,
            summary.is_some(),
            window,
        )
        .await
        .map_err(transient)?;
        match plan {
            Plan::Skip | Plan::Later => Ok(()),
            Plan::Send(delivery) => send(ctx, task_id, &delivery, notification).await,
        }
    })
    .await
}

async fn send(
    ctx: &Context,
    task_id: i64,
    d: &Delivery,
    notification: i64,
) -> Result<(), TaskError> {
    let channels = &ctx.native;
    let name = if d.from_display_name.trim().is_empty() {
        &d.from_username
    } else {
        &d.from_display_name
    };
    let message = Message {
        device_token: &d.device_token,
        title: collapsed_title(&d.notification_type, name, d.count),
        body: excerpt(d.status_spoiler.as_deref(), d.status_text.as_deref(), ""),
        collapse: d.group_key.as_deref(),
        alerting: d.alerting,
        expires_at: d.created_at.timestamp() + PUSH_TTL_SECS,
        notification_id: notification,
        notification_type: &d.notification_type,
        count: d.count,
    };
    let (channel, outcome) = match d.platform.as_str() {
        "apns" => match &channels.apns {
            Some(apns) => ("apns", Some(apns.send(&message).await)),
            None => ("apns", None),
        },
        _ => match &channels.fcm {
            Some(fcm) => ("fcm", Some(fcm.send(&message).await)),
            None => ("fcm", None),
        },
    };
    let transient = |e: lookbook_core::Error| TaskError::Transient(e.into());
    let release = || async {
        if let Some(group) = &d.group_key {
            devices::unsent(&ctx.db, task_id, d.device_id, group)
                .await
                .map_err(transient)?;
        }
        Ok::<(), TaskError>(())
    };
    match outcome {
        // Registered while the channel was on; it is off now.
        None => {
            count(channel, "dropped");
            release().await
        }
        Some(Outcome::Sent) => {
            count(channel, "sent");
            if let Some(group) = &d.group_key {
                devices::sent(&ctx.db, task_id, d.device_id, group)
                    .await
                    .map_err(transient)?;
            }
            Ok(())
        }
        Some(Outcome::Gone) => {
            tracing::info!(device = d.device_id, channel, "device gone; forgetting it");
            count(channel, "gone");
            devices::delete(&ctx.db, d.device_id)
                .await
                .map_err(transient)
        }
        Some(Outcome::Failed(error)) => {
            count(
                channel,
                match error {
                    TaskError::Permanent(_) => "refused",
                    _ => "retried",
                },
            );
            release().await?;
            Err(error)
        }
    }
}

/// The title of a push that stands for `count` notifications of a group.
fn collapsed_title(kind: &str, name: &str, count: i64) -> String {
    let others = match count - 1 {
        n if n < 1 => return title(kind, name),
        1 => "1 other".to_string(),
        n => format!("{n} others"),
    };
    match kind {
        "favourite" => format!("{name} and {others} liked your post"),
        "reblog" => format!("{name} and {others} boosted your post"),
        "follow" => format!("{name} and {others} followed you"),
        _ => title(kind, name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A burst's summary counts the others; one alone reads as usual.
    #[test]
    fn titles_count_the_others() {
        assert_eq!(
            collapsed_title("favourite", "Ana", 1000),
            "Ana and 999 others liked your post"
        );
        assert_eq!(
            collapsed_title("follow", "Ana", 2),
            "Ana and 1 other followed you"
        );
        assert_eq!(
            collapsed_title("favourite", "Ana", 1),
            "Ana liked your post"
        );
    }
}
