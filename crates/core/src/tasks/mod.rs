//! Tasks: side effects that a worker carries out after the change that caused
//! them has committed.
//!
//! A task is written to the outbox in the caller's transaction ([`enqueue`]),
//! so it exists exactly when the change does. The [`relay`] publishes outbox
//! rows to RabbitMQ with publisher confirms; the worker consumes them with
//! manual acks, retries failures through delay queues and parks a task that
//! keeps failing ([`topology`] names all of it).
//!
//! During a deploy, workers of two releases read each other's tasks. A
//! payload carries `v`, its format version ([`FORMAT`]). A field added later
//! comes with a default (`#[serde(default)]`), so a task written by the
//! previous release still reads; a worker ignores fields it does not know;
//! and retries and parking republish the payload exactly as it came, so a
//! newer release's fields survive a pass through an older worker.

pub mod broker;
pub mod relay;
pub mod topology;

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

/// The payload format this release writes (`v`); a payload without one was
/// written before formats were numbered and reads as format 1.
pub const FORMAT: u64 = 1;

/// Every kind of task. Tasks carry ids and keys, never whole records: the
/// worker reloads what it needs, and treats "already gone" as done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Task {
    /// Remove objects from S3 once nothing refers to them.
    DeleteObjects {
        /// The object keys in the media bucket.
        keys: Vec<String>,
    },
    /// Turn an uploaded photo into its served variants.
    ProcessMedia { media_id: i64 },
    /// Put a new post into the home feeds of those who should see it.
    FanOut { status_id: i64 },
    /// Take a deleted post out of the feeds it was fanned out to.
    UnfeedStatus { status_id: i64, author_id: i64 },
    /// Bring an account's posts in a member's feed in line with how they
    /// now stand (after a follow, unfollow, block, mute and their undoing).
    RefreshFeed { account_id: i64, target_id: i64 },
    /// Turn an uploaded avatar or header into the image that is served.
    ProcessProfileImage {
        account_id: i64,
        /// `avatar` or `header`.
        field: String,
        /// The uploaded original's object key.
        key: String,
    },
    /// Marks a revoked token revoked in the Redis cache (the API tries at
    /// once; this repeats it durably, should Redis have been away).
    ForgetToken {
        /// The token's SHA-256, in hex.
        token_hash: String,
    },
    /// Tells those who liked, bookmarked or commented on a post that it was
    /// edited, and streams the edit.
    NotifyEdit { status_id: i64 },
    /// Tells the voters and the author of a poll that it ended (queued by
    /// the worker's sweep when it marks the poll closed).
    PollEnded { poll_id: i64 },
    /// Fetches the preview of a post's first link for its card (again
    /// after an edit; a post that lost its link loses its card).
    FetchPreview { status_id: i64 },
    /// Sends one notification to one Web Push subscription (written by
    /// `db::notifications::create` and `db::push_subscriptions::enqueue`,
    /// in SQL).
    WebPush {
        notification_id: i64,
        subscription_id: i64,
    },
    /// Sends one notification to one phone of the network's own apps,
    /// through APNs or FCM (written like [`Task::WebPush`], and by the
    /// worker's sweep with `summary` and the group's key for what a burst
    /// collapsed into: the group's newest notification is then sent).
    NativePush {
        notification_id: i64,
        device_id: i64,
        #[serde(default)]
        summary: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group_key: Option<String>,
    },
    /// Mails the link of one `mail_tokens` row (an address confirmation or
    /// a password reset) to its address.
    AccountMail { mail_token_id: i64 },
    /// Mails a member who has been away a digest of the notifications
    /// they got since `since` (written by the worker's digest sweep).
    MailDigest {
        account_id: i64,
        since: chrono::DateTime<chrono::Utc>,
    },
}

impl Task {
    /// The kinds, as they appear in the outbox and as routing keys.
    pub const KINDS: &'static [&'static str] = &[
        "delete_objects",
        "process_media",
        "fan_out",
        "unfeed_status",
        "refresh_feed",
        "process_profile_image",
        "forget_token",
        "notify_edit",
        "poll_ended",
        "fetch_preview",
        "web_push",
        "native_push",
        "account_mail",
        "mail_digest",
    ];

    /// This task's kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Task::DeleteObjects { .. } => "delete_objects",
            Task::ProcessMedia { .. } => "process_media",
            Task::FanOut { .. } => "fan_out",
            Task::UnfeedStatus { .. } => "unfeed_status",
            Task::RefreshFeed { .. } => "refresh_feed",
            Task::ProcessProfileImage { .. } => "process_profile_image",
            Task::ForgetToken { .. } => "forget_token",
            Task::NotifyEdit { .. } => "notify_edit",
            Task::PollEnded { .. } => "poll_ended",
            Task::FetchPreview { .. } => "fetch_preview",
            Task::WebPush { .. } => "web_push",
            Task::NativePush { .. } => "native_push",
            Task::AccountMail { .. } => "account_mail",
            Task::MailDigest { .. } => "mail_digest",
        }
    }
}

/// Writes `task` to the outbox inside the caller's transaction and returns its
/// id; it is published once that transaction commits.
pub async fn enqueue(conn: &mut PgConnection, task: &Task) -> crate::Result<i64> {
    let mut payload = serde_json::to_value(task).map_err(anyhow::Error::from)?;
    if let Some(fields) = payload.as_object_mut() {
        fields.insert("v".into(), FORMAT.into());
    }
    crate::db::outbox::insert(conn, task.kind(), &payload).await
}

#[cfg(test)]
mod tests {
    use super::Task;

    /// Every variant's kind is listed in `KINDS` and survives a JSON round trip.
    #[test]
    fn kinds_are_listed_and_round_trip() {
        let task = Task::DeleteObjects {
            keys: vec!["a/b.jpg".into()],
        };
        assert!(Task::KINDS.contains(&task.kind()));
        let json = serde_json::to_value(&task).unwrap();
        assert_eq!(json["kind"], "delete_objects");
        assert_eq!(serde_json::from_value::<Task>(json).unwrap(), task);
    }

    /// A payload of the release before formats were numbered (no `v`) and
    /// one of a later release (a higher `v`, a field this one does not
    /// know) both read as the task they describe.
    #[test]
    fn payloads_of_the_previous_and_the_next_release_read() {
        let expected = Task::ProcessMedia { media_id: 42 };
        let previous = serde_json::json!({"kind": "process_media", "media_id": 42});
        assert_eq!(serde_json::from_value::<Task>(previous).unwrap(), expected);
        let next = serde_json::json!({
            "kind": "process_media", "v": super::FORMAT + 1, "media_id": 42, "priority": "high"
        });
        assert_eq!(serde_json::from_value::<Task>(next).unwrap(), expected);
    }

    /// The Kubernetes workers consume every kind between them, each once,
    /// and KEDA scales on every kind's queue: a kind left out would wait
    /// forever in production.
    #[test]
    fn every_kind_has_a_worker_and_a_scaler_in_kubernetes() {
        let base = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/k8s/base/");
        let read = |file: &str| std::fs::read_to_string(format!("{base}{file}")).unwrap();
        let mut consumed: Vec<String> = Vec::new();
        for file in ["worker-deployment.yaml", "worker-images-deployment.yaml"] {
            let text = read(file);
            let (_, after) = text.split_once("WORKER_TASK_KINDS").unwrap();
            let (_, value) = after.split_once("value:").unwrap();
            let line = value.lines().next().unwrap();
            consumed.extend(line.trim().split(',').map(str::to_string));
        }
        let mut expected: Vec<String> = Task::KINDS.iter().map(|k| k.to_string()).collect();
        consumed.sort();
        expected.sort();
        assert_eq!(consumed, expected);
        let scaler = read("worker-scaledobject.yaml");
        for kind in Task::KINDS {
            assert!(
                scaler.contains(&format!("queueName: lookbook.{kind}\n")),
                "no KEDA trigger on {kind}"
            );
        }
    }
}
