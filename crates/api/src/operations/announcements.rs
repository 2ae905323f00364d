//! Announcements: publishing, editing and removing them (the operators'
//! command), and members' reactions, each followed once it committed by the
//! live event members' streams show. These take the pool and Redis rather
//! than the whole state, so the command runs them without an API instance.

use lookbook_core::db::announcement_reactions::{self as reactions, Reacted};
use lookbook_core::db::announcements::{self, Announcement, Schedule, Text};
use lookbook_core::kv::Kv;
use lookbook_core::stream::{self, Channel, Event};
use lookbook_core::text::emoji::is_emoji;
use lookbook_core::text::shortcodes;
use sqlx::PgPool;

use crate::error::{ApiError, ApiResult};

/// Publishes an announcement; members hear of it at once when it runs now.
pub async fn publish(
    db: &PgPool,
    kv: &Kv,
    text: &Text,
    schedule: Schedule,
) -> lookbook_core::Result<Announcement> {
    let published = announcements::publish(db, text, schedule).await?;
    announce_change(kv, &published).await;
    Ok(published)
}

/// Replaces an announcement's text; None when there is no such announcement.
pub async fn edit(
    db: &PgPool,
    kv: &Kv,
    id: i64,
    text: &Text,
) -> lookbook_core::Result<Option<Announcement>> {
    let edited = announcements::edit(db, id, text).await?;
    if let Some(edited) = &edited {
        announce_change(kv, edited).await;
    }
    Ok(edited)
}

/// Removes an announcement; false when there was none.
pub async fn remove(db: &PgPool, kv: &Kv, id: i64) -> lookbook_core::Result<bool> {
    let removed = announcements::remove(db, id).await?;
    if removed {
        let gone = Event::AnnouncementDelete {
            announcement_id: id,
        };
        stream::publish(kv, &[(Channel::Everyone, gone)]).await;
    }
    Ok(removed)
}

/// Tells members' streams of a published or edited announcement, if it
/// runs now (one that starts later is found when it does, over the REST API).
async fn announce_change(kv: &Kv, announcement: &Announcement) {
    if announcement.running {
        let event = Event::Announcement {
            announcement_id: announcement.id,
        };
        stream::publish(kv, &[(Channel::Everyone, event)]).await;
    }
}

/// A reaction's name, checked: one Unicode emoji, or the shortcode of a
/// custom emoji that exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReactionName(String);

impl ReactionName {
    /// `name` if it may be a reaction; 422 saying why not.
    pub async fn parse(db: &PgPool, name: &str) -> ApiResult<ReactionName> {
        if is_emoji(name) {
            return Ok(ReactionName(name.to_string()));
        }
        if shortcodes::is_valid(name) && reactions::is_custom_emoji(db, name).await? {
            return Ok(ReactionName(name.to_string()));
        }
        Err(ApiError::Unprocessable(
            "Validation failed: Name is not a recognized emoji: use one Unicode emoji or the \
             shortcode of one of this server's custom emojis"
                .into(),
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Adds the member's reaction to a running announcement (again: no
/// change); 404 when it does not run, 422 past the distinct names allowed.
pub async fn react(db: &PgPool, kv: &Kv, me: i64, id: i64, name: &ReactionName) -> ApiResult<()> {
    let mut tx = db.begin().await.map_err(lookbook_core::Error::from)?;
    match reactions::react(&mut tx, me, id, name.as_str()).await? {
        Reacted::Done => {}
        Reacted::NotFound => return Err(ApiError::NotFound),
        Reacted::TooMany => {
            return Err(ApiError::Unprocessable(format!(
                "Validation failed: Maximum number of reactions reached ({})",
                reactions::MAX_REACTIONS
            )));
        }
    }
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    reaction_changed(db, kv, id, name.as_str()).await
}

/// Takes the member's reaction off a running announcement (none there: no
/// change); 404 when it does not run.
pub async fn unreact(db: &PgPool, kv: &Kv, me: i64, id: i64, name: &str) -> ApiResult<()> {
    // No reaction has a name PostgreSQL cannot even hold.
    if name.is_empty() || name.contains('\0') || name.len() > 256 {
        return Err(ApiError::NotFound);
    }
    if !reactions::unreact(db, me, id, name).await? {
        return Err(ApiError::NotFound);
    }
    reaction_changed(db, kv, id, name).await
}

/// Tells members' streams how many reacted with `name` now.
async fn reaction_changed(db: &PgPool, kv: &Kv, id: i64, name: &str) -> ApiResult<()> {
    let count = reactions::reaction_count(db, id, name).await?;
    let event = Event::AnnouncementReaction {
        announcement_id: id,
        name: name.to_string(),
        count,
    };
    stream::publish(kv, &[(Channel::Everyone, event)]).await;
    Ok(())
}
