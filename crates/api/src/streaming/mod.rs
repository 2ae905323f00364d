//! Mastodon's streaming API on the API instances: a WebSocket at
//! `/api/v1/streaming` (several streams on one socket, `subscribe` and
//! `unsubscribe` messages) and server-sent events at
//! `/api/v1/streaming/{user, user/notification, public, public/local,
//! hashtag, hashtag/local}`. Events come from [`hub`] (Redis, so any
//! instance's or worker's change reaches every socket) and are rendered
//! here for the connection's member.
//!
//! - [`hub`]: the Redis subscription and who listens to what.
//! - [`announcements`]: announcement events on members' own streams.

mod announcements;
pub mod hub;
mod sse;
mod ws;

use lookbook_core::db::notifications;
use lookbook_core::db::{statuses, timelines};
use lookbook_core::stream::{Channel, Event};
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Auth;
use crate::entities::notification::notifications as notification_entities;
use crate::error::{ApiError, ApiResult};
use crate::filtering::{Context, hidden};
use crate::statuses::render;
use hub::{Connection, Delivery};

/// Seconds between heartbeats on an idle connection.
const HEARTBEAT_SECS: u64 = 30;
/// How often a stream asks whether its token still works (a revoked token's
/// streams close within this).
const REVALIDATE_SECS: u64 = 10;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(ws::socket))
        .merge(sse::routes())
}

/// Whether the streaming API is up (it is, if this answers).
#[utoipa::path(get, path = "/api/v1/streaming/health", tag = "streaming",
    responses((status = 200, description = "OK", body = String, content_type = "text/plain")))]
async fn health() -> &'static str {
    "OK"
}

/// A stream a client asked for, checked: its name as the client gives it
/// (`["hashtag", "ootd"]`), where its events come from, and what it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stream {
    pub label: Vec<String>,
    channel: Option<Channel>,
    /// Notifications only.
    notifications_only: bool,
    /// Public posts only (with photos only, when `media`).
    public_only: bool,
    media: bool,
}

impl Stream {
    /// The stream named `name` (with `tag` for hashtags) for `auth`, or why not.
    pub fn parse(name: &str, tag: Option<&str>, auth: Option<&Auth>) -> ApiResult<Stream> {
        let me = auth.and_then(|a| a.user().ok());
        let need = |scope: &str| -> ApiResult<()> {
            match auth {
                Some(auth) => auth.require(scope),
                None => Err(ApiError::Unauthorized("Missing access token".into())),
            }
        };
        let public = |media: bool, channel: Option<Channel>| Stream {
            label: vec![name.to_string()],
            channel,
            notifications_only: false,
            public_only: true,
            media,
        };
        let stream = match name {
            "user" | "user:notification" => {
                let notifications_only = name == "user:notification";
                need(if notifications_only {
                    "read:notifications"
                } else {
                    "read:statuses"
                })?;
                let me = me.ok_or_else(|| {
                    ApiError::Unprocessable("This stream requires an authenticated user".into())
                })?;
                Stream {
                    label: vec![name.to_string()],
                    channel: Some(Channel::User(me)),
                    notifications_only,
                    public_only: false,
                    media: false,
                }
            }
            "public" | "public:local" => public(false, Some(Channel::Public)),
            "public:media" | "public:local:media" => public(true, Some(Channel::Public)),
            // Every post here is local: nothing comes from other servers.
            "public:remote" | "public:remote:media" => public(false, None),
            "hashtag" | "hashtag:local" => {
                let tag = tag
                    .map(|t| t.trim().trim_start_matches('#'))
                    .filter(|t| !t.is_empty() && t.len() <= 100)
                    .ok_or_else(|| ApiError::BadRequest("No tag for stream provided".into()))?;
                let mut stream = public(false, Some(Channel::Hashtag(tag.to_lowercase())));
                stream.label.push(tag.to_string());
                stream
            }
            _ => return Err(ApiError::BadRequest("Unknown stream type".into())),
        };
        if auth.is_some() && !stream.notifications_only {
            need("read:statuses")?;
        }
        Ok(stream)
    }

    /// Starts delivering this stream's events to the connection.
    pub fn subscribe(&self, state: &AppState, connection: &Connection) {
        let Some(channel) = &self.channel else { return };
        state
            .hub
            .subscribe(connection, channel.clone(), self.label.clone());
        if !self.notifications_only {
            state
                .hub
                .subscribe(connection, Channel::Everyone, self.label.clone());
        }
    }

    /// Stops delivering it.
    pub fn unsubscribe(&self, state: &AppState, connection: &Connection) {
        let Some(channel) = &self.channel else { return };
        state.hub.unsubscribe(connection.id, channel, &self.label);
        state
            .hub
            .unsubscribe(connection.id, &Channel::Everyone, &self.label);
    }

    /// How the stream is told from the label on a delivery.
    fn from_label(label: &[String], me: Option<i64>) -> Stream {
        let name = label.first().map(String::as_str).unwrap_or_default();
        Stream {
            label: label.to_vec(),
            channel: me.map(Channel::User),
            notifications_only: name == "user:notification",
            public_only: !matches!(name, "user" | "user:notification"),
            media: name.ends_with(":media"),
        }
    }
}

/// An event ready to send: its name and payload (a JSON document as a
/// string, or a post's id for `delete`).
pub struct Outgoing {
    pub stream: Vec<String>,
    pub event: &'static str,
    pub payload: String,
}

/// Renders a delivery for the connection's member, or None when they may
/// not see it (or the stream does not show it).
pub async fn render_for(
    state: &AppState,
    me: Option<i64>,
    delivery: &Delivery,
) -> Option<Outgoing> {
    let stream = Stream::from_label(&delivery.stream, me);
    let outgoing = |event: &'static str, payload: String| Outgoing {
        stream: delivery.stream.to_vec(),
        event,
        payload,
    };
    match &delivery.event {
        Event::Notification { notification_id } => {
            let me = me?;
            if stream.public_only {
                return None;
            }
            let found = notifications::get(&state.db.primary, me, *notification_id)
                .await
                .ok()??;
            if found.filtered {
                return None;
            }
            let entity = notification_entities(state, me, &[found])
                .await
                .ok()?
                .pop()?;
            Some(outgoing(
                "notification",
                serde_json::to_string(&entity).ok()?,
            ))
        }
        _ if stream.notifications_only => None,
        Event::Delete { status_id } => Some(outgoing("delete", status_id.to_string())),
        Event::Update { status_id } | Event::StatusUpdate { status_id } => {
            let name = if matches!(delivery.event, Event::Update { .. }) {
                "update"
            } else {
                "status.update"
            };
            let status = visible_post(state, me, *status_id, &stream).await?;
            Some(outgoing(name, serde_json::to_string(&status).ok()?))
        }
        // Announcements are for members, on their own stream.
        Event::Announcement { .. }
        | Event::AnnouncementReaction { .. }
        | Event::AnnouncementDelete { .. } => {
            if stream.public_only {
                return None;
            }
            let (name, payload) = announcements::render_for(state, me?, &delivery.event).await?;
            Some(outgoing(name, payload))
        }
    }
}

/// The post as the member sees it, if they may and the stream shows it.
async fn visible_post(
    state: &AppState,
    me: Option<i64>,
    id: i64,
    stream: &Stream,
) -> Option<Value> {
    let status = render(state, me, &[id]).await.ok()?.pop()?;
    if let Some(me) = me {
        // The member's own stream shows what their home shows (visibility,
        // blocks, mutes, exclusive lists, hidden boosts); a public one what
        // they may see of authors they do not mute.
        let db = &state.db.primary;
        let kept = if stream.public_only {
            statuses::visible_among(db, &[id], me).await.ok()?
        } else {
            timelines::home_filter(db, me, &[id]).await.ok()?
        };
        kept.first()?;
    }
    let visibility = status["visibility"].as_str().unwrap_or_default();
    if (stream.public_only || me.is_none()) && visibility != "public" {
        return None;
    }
    if stream.media
        && status["media_attachments"]
            .as_array()
            .is_none_or(|m| m.is_empty())
    {
        return None;
    }
    // What the member's filters hide in the timeline the stream stands for.
    let context = if stream.public_only || me.is_none() {
        Context::Public
    } else {
        Context::Home
    };
    if hidden(context, &status) {
        return None;
    }
    Some(status)
}
