//! Announcement events on a member's own stream, as Mastodon sends them:
//! `announcement` (the entity, as the member sees it), `announcement.reaction`
//! (`{name, count, announcement_id}`) and `announcement.delete` (the id).

use lookbook_core::db::announcements;
use lookbook_core::stream::Event;
use serde::Serialize;

use crate::AppState;
use crate::entities::announcement::render;

/// The payload of `announcement.reaction`.
#[derive(Debug, Serialize)]
struct ReactionChange<'a> {
    name: &'a str,
    count: i64,
    announcement_id: String,
}

/// The event's name and payload for `me`, or None when it is not an
/// announcement event or the announcement does not run any more.
pub async fn render_for(
    state: &AppState,
    me: i64,
    event: &Event,
) -> Option<(&'static str, String)> {
    match event {
        Event::Announcement { announcement_id } => {
            let shown = announcements::running_one(&state.db.primary, *announcement_id, me)
                .await
                .ok()??;
            let entity = render(state, me, &[shown]).await.ok()?.pop()?;
            Some(("announcement", serde_json::to_string(&entity).ok()?))
        }
        Event::AnnouncementReaction {
            announcement_id,
            name,
            count,
        } => {
            let change = ReactionChange {
                name,
                count: *count,
                announcement_id: announcement_id.to_string(),
            };
            Some((
                "announcement.reaction",
                serde_json::to_string(&change).ok()?,
            ))
        }
        Event::AnnouncementDelete { announcement_id } => {
            Some(("announcement.delete", announcement_id.to_string()))
        }
        _ => None,
    }
}
