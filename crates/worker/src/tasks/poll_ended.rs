//! `poll_ended`: once the sweep marked a poll closed, tells its voters and
//! its author (a `poll` notification each) and streams them. Running twice
//! leaves one notification per member; a poll deleted since tells no one.

use lookbook_core::db::notifications;
use lookbook_core::stream::{Channel, Event};
use sqlx::PgConnection;

use super::TaskError;

pub async fn run(
    poll_id: i64,
    tx: &mut PgConnection,
    events: &mut Vec<(Channel, Event)>,
) -> Result<(), TaskError> {
    let created = notifications::create_for_poll(tx, poll_id)
        .await
        .map_err(|e| TaskError::Transient(e.into()))?;
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
