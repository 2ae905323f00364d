//! Events for the live channel (Mastodon's streaming API), published on
//! Redis so a client connected to any instance hears what any instance or
//! worker did. An event names what changed by id; the instance that holds
//! the client's socket renders it for that client. Events go out after the
//! change commits and are best effort: a client that missed one finds the
//! change over the REST API.

use serde::{Deserialize, Serialize};

use crate::kv::Kv;

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event")]
pub enum Event {
    /// A post to show.
    #[serde(rename = "update")]
    Update { status_id: i64 },
    /// A post that is gone.
    #[serde(rename = "delete")]
    Delete { status_id: i64 },
    /// A post that was edited.
    #[serde(rename = "status.update")]
    StatusUpdate { status_id: i64 },
    /// A notification for the stream's member.
    #[serde(rename = "notification")]
    Notification { notification_id: i64 },
    /// An announcement published or edited (sent to [`Channel::Everyone`],
    /// shown on members' own streams).
    #[serde(rename = "announcement")]
    Announcement { announcement_id: i64 },
    /// A reaction on an announcement was added or taken back: how many
    /// members reacted with `name` now.
    #[serde(rename = "announcement.reaction")]
    AnnouncementReaction {
        announcement_id: i64,
        name: String,
        count: i64,
    },
    /// An announcement that was removed.
    #[serde(rename = "announcement.delete")]
    AnnouncementDelete { announcement_id: i64 },
}

/// Where an event goes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Channel {
    /// One member's home and notifications.
    User(i64),
    /// Every public post (every post here is local).
    Public,
    /// Public posts with a hashtag (lowercase).
    Hashtag(String),
    /// Every stream (deletions).
    Everyone,
}

impl Channel {
    /// The channel's name under the key prefix: `stream:<name>`.
    pub fn name(&self) -> String {
        match self {
            Channel::User(id) => format!("user:{id}"),
            Channel::Public => "public".into(),
            Channel::Hashtag(tag) => format!("hashtag:{}", tag.to_lowercase()),
            Channel::Everyone => "everyone".into(),
        }
    }

    /// The channel a name stands for.
    pub fn parse(name: &str) -> Option<Channel> {
        match name.split_once(':') {
            Some(("user", id)) => id.parse().ok().map(Channel::User),
            Some(("hashtag", tag)) => Some(Channel::Hashtag(tag.to_string())),
            None if name == "public" => Some(Channel::Public),
            None if name == "everyone" => Some(Channel::Everyone),
            _ => None,
        }
    }
}

/// The Redis pattern every instance subscribes to.
pub fn pattern(kv: &Kv) -> String {
    kv.key("stream:*")
}

/// The channel a Redis channel name stands for (under this deployment's
/// prefix).
pub fn from_redis(kv: &Kv, redis_channel: &str) -> Option<Channel> {
    let prefix = kv.key("stream:");
    Channel::parse(redis_channel.strip_prefix(&prefix)?)
}

/// Publishes events in one round trip; a failure is logged, not returned:
/// the change itself is committed and readable.
pub async fn publish(kv: &Kv, events: &[(Channel, Event)]) {
    if events.is_empty() {
        return;
    }
    let result: crate::Result<()> = async {
        let mut conn = kv.pool().get().await?;
        let mut pipe = deadpool_redis::redis::pipe();
        for (channel, event) in events {
            let payload = serde_json::to_string(event).map_err(anyhow::Error::from)?;
            pipe.cmd("PUBLISH")
                .arg(kv.key(&format!("stream:{}", channel.name())))
                .arg(payload)
                .ignore();
        }
        pipe.query_async::<()>(&mut conn).await?;
        Ok(())
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, events = events.len(), "live events not published");
    }
}

/// Publishes new notifications to their recipients' streams.
pub async fn notified(kv: &Kv, created: &[crate::db::notifications::Created]) {
    let events: Vec<(Channel, Event)> = created
        .iter()
        .map(|c| {
            (
                Channel::User(c.recipient),
                Event::Notification {
                    notification_id: c.id,
                },
            )
        })
        .collect();
    publish(kv, &events).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Channel names and events read back as what they were written from.
    #[test]
    fn names_and_events_round_trip() {
        for channel in [
            Channel::User(42),
            Channel::Public,
            Channel::Hashtag("ootd".into()),
            Channel::Everyone,
        ] {
            assert_eq!(Channel::parse(&channel.name()), Some(channel));
        }
        let event = Event::StatusUpdate { status_id: 7 };
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(json, r#"{"event":"status.update","status_id":7}"#);
        assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), event);
    }
}
