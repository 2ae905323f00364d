//! Task handlers, one module per kind. A handler gets the task and the
//! transaction that will also record it done, so its database writes and the
//! done-marker commit together.

pub mod account_mail;
pub mod delete_objects;
pub mod fan_out;
pub mod forget_token;
pub mod mail_digest;
pub mod media;
pub mod notify_edit;
pub mod profile_image;
pub mod unfeed;
pub mod web_push;

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
        // They run outside a transaction ([`remote`]).
        Task::WebPush { .. } | Task::AccountMail { .. } | Task::MailDigest { .. } => {
            Err(TaskError::Permanent(anyhow::anyhow!(
                "{} does not run inside a transaction",
                task.kind()
            )))
        }
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
        Task::AccountMail { mail_token_id } => {
            Some(account_mail::run(ctx, task_id, *mail_token_id).await)
        }
        Task::MailDigest { account_id, since } => {
            Some(mail_digest::run(ctx, task_id, *account_id, *since).await)
        }
        _ => None,
    }
}
