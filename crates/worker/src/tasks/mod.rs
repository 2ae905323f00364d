//! Task handlers, one module per kind. A handler gets the task and the
//! transaction that will also record it done, so its database writes and the
//! done-marker commit together.

pub mod account_mail;
pub mod delete_objects;
pub mod fan_out;
pub mod fetch_preview;
pub mod forget_token;
pub mod mail_digest;
pub mod media;
pub mod native_push;
pub mod notify_edit;
pub mod poll_ended;
pub mod profile_image;
pub mod unfeed;
pub mod web_push;

use std::time::Duration;

use lookbook_core::stream::{Channel, Event};
use lookbook_core::tasks::Task;
use sqlx::PgConnection;

use crate::Context;

/// Why a task failed, which decides what happens next.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// Might succeed later (a service down, a timeout): retry with backoff.
    #[error("{0:#}")]
    Transient(anyhow::Error),
    /// Can never succeed as it stands: park it at once.
    #[error("{0:#}")]
    Permanent(anyhow::Error),
    /// Might succeed later, but not before the given wait (a push
    /// service's `Retry-After`): retry after at least that long.
    #[error("{0:#}")]
    Later(anyhow::Error, Duration),
}

impl TaskError {
    /// A transient failure of a call to another server, retried no sooner
    /// than its answer's `Retry-After` asks.
    pub fn retry(error: anyhow::Error, headers: &reqwest::header::HeaderMap) -> TaskError {
        match retry_after(headers) {
            Some(wait) => TaskError::Later(error, wait),
            None => TaskError::Transient(error),
        }
    }
}

/// The wait an answer's `Retry-After` asks for: seconds, or an HTTP date.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// Carries out one task; live events it adds to `events` are published
/// once its transaction commits.
pub async fn handle(
    ctx: &Context,
    task: &Task,
    tx: &mut PgConnection,
    events: &mut Vec<(Channel, Event)>,
) -> Result<(), TaskError> {
    match task {
        Task::DeleteObjects { keys } => delete_objects::run(ctx, keys, tx).await,
        Task::ProcessMedia { media_id } => media::run(ctx, *media_id, tx).await,
        Task::FanOut { status_id } => fan_out::run(ctx, *status_id, tx, events).await,
        Task::UnfeedStatus {
            status_id,
            author_id,
        } => unfeed::status(ctx, *status_id, *author_id, tx).await,
        Task::RefreshFeed {
            account_id,
            target_id,
        } => unfeed::refresh(ctx, *account_id, *target_id, tx).await,
        Task::ProcessProfileImage {
            account_id,
            field,
            key,
        } => profile_image::run(ctx, *account_id, field, key, tx).await,
        Task::ForgetToken { token_hash } => forget_token::run(ctx, token_hash, tx).await,
        Task::NotifyEdit { status_id } => notify_edit::run(*status_id, tx, events).await,
        Task::PollEnded { poll_id } => poll_ended::run(*poll_id, tx, events).await,
        // They run outside a transaction ([`remote`]).
        Task::WebPush { .. }
        | Task::FetchPreview { .. }
        | Task::NativePush { .. }
        | Task::AccountMail { .. }
        | Task::MailDigest { .. } => Err(TaskError::Permanent(anyhow::anyhow!(
            "{} does not run inside a transaction",
            task.kind()
        ))),
    }
}

/// Carries out a task that waits on another server (a push service, an
/// SMTP server) outside any transaction ([`crate::claimed`]); None for the
/// others, which [`handle`] carries out.
pub async fn remote(ctx: &Context, task_id: i64, task: &Task) -> Option<Result<(), TaskError>> {
    match task {
        Task::WebPush {
            notification_id,
            subscription_id,
        } => Some(web_push::run(ctx, task_id, *notification_id, *subscription_id).await),
        Task::NativePush {
            notification_id,
            device_id,
            summary,
            group_key,
        } => {
            // A summary names its group (one queued by an earlier release
            // does not, and is sent as the notification it names).
            let group = group_key.as_deref().filter(|_| *summary);
            Some(native_push::run(ctx, task_id, *notification_id, *device_id, group).await)
        }
        Task::FetchPreview { status_id } => {
            Some(fetch_preview::run(ctx, task_id, *status_id).await)
        }
        Task::AccountMail { mail_token_id } => {
            Some(account_mail::run(ctx, task_id, *mail_token_id).await)
        }
        Task::MailDigest { account_id, since } => {
            Some(mail_digest::run(ctx, task_id, *account_id, *since).await)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Retry-After` reads as seconds or as an HTTP date; anything else is
    /// no wait at all.
    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let mut headers = reqwest::header::HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert("retry-after", "120".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(120)));
        let soon = chrono::Utc::now() + chrono::Duration::seconds(90);
        let date = soon.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        headers.insert("retry-after", date.parse().unwrap());
        let wait = retry_after(&headers).unwrap().as_secs();
        assert!((85..=90).contains(&wait), "{wait}");
        headers.insert(
            "retry-after",
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
        headers.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
    }
}
