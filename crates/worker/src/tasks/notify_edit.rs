//! `notify_edit`: after a post is edited, tells those who liked, bookmarked
//! or commented on it (an `update` notification, replacing one for an
//! earlier edit) and streams the edit. Running twice leaves one
//! notification per member and sends the events again, which clients take
//! as the same edit.

use lookbook_core::db::notifications;
use lookbook_core::stream::{Channel, Event};
use sqlx::PgConnection;

use super::TaskError;

pub async fn run(
    status_id: i64,
    tx: &mut PgConnection,
    events: &mut Vec<(Channel, Event)>,
) -> Result<(), TaskError> {
    let transient = |e: lookbook_core::Error| TaskError::Transient(e.into());
    let author = sqlx::query_scalar!("select account_id from statuses where id = $1", status_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| transient(e.into()))?;
    let Some(author) = author else {
        // Deleted since: nothing to tell.
        return Ok(());
    };
    let created = notifications::create_for_edit(tx, author, status_id)
        .await
        .map_err(transient)?;
    events.push((Channel::Everyone, Event::StatusUpdate { status_id }));
    events.extend(created.iter().map(|c| {
        (
            Channel::User(c.recipient),
            Event::Notification {
                notification_id: c.id,
            },
        )
    }));
    Ok(())
}
