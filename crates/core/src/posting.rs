//! Publishing a post, in the caller's transaction: the post and its poll,
//! photos, hashtags and mentions, the conversation of a direct post, the
//! notifications of those mentioned and of the author answered, the counts,
//! and the tasks that follow (fan-out, link preview). Shared by
//! `POST /api/v1/statuses` and the worker publishing scheduled posts; the
//! caller checks the draft first and, once committed, streams the
//! notifications and drops the cached counts of [`Published`].

use sqlx::PgConnection;

use crate::db::notifications::{self, Created, Kind};
use crate::db::polls::{self, NewPoll};
use crate::db::statuses::{self, NewStatus, StatusCounts};
use crate::db::{conversations, counters, media};
use crate::tasks::{self, Task};
use crate::{Error, text};

/// A checked post about to be published.
#[derive(Debug)]
pub struct Draft<'a> {
    pub status: NewStatus<'a>,
    pub media_ids: &'a [i64],
    pub poll: Option<NewPoll<'a>>,
}

/// What the caller does once the transaction commits.
#[derive(Debug, Default)]
pub struct Published {
    /// Notifications to stream.
    pub notified: Vec<Created>,
    /// The post answered, whose cached counts changed.
    pub parent: Option<i64>,
}

/// Writes the post and everything that comes with it.
pub async fn publish(tx: &mut PgConnection, draft: &Draft<'_>) -> crate::Result<Published> {
    let new = &draft.status;
    let (id, me, body) = (new.id, new.account_id, new.text);
    statuses::insert(tx, new).await?;
    if let Some(poll) = &draft.poll {
        polls::insert(tx, id, poll).await?;
    }
    if !draft.media_ids.is_empty() {
        attach(tx, id, me, draft.media_ids).await?;
    }
    statuses::set_tags(tx, id, &text::hashtags(body)).await?;
    let mentioned = statuses::set_mentions(tx, id, &text::mentions(body)).await?;
    if new.visibility == "direct" {
        conversations::add(tx, id).await?;
    }
    // Those mentioned, and the author of the post commented on, hear of it.
    let mut notified = Vec::new();
    let replied_to = new.in_reply_to.map(|(_, author)| author);
    for recipient in mentioned.iter().copied().chain(replied_to) {
        let made = notifications::create(tx, recipient, me, Kind::Mention, Some(id)).await?;
        notified.extend(made);
    }
    let one = counters::Counts {
        statuses: 1,
        ..Default::default()
    };
    counters::add(tx, me, one).await?;
    let parent = new.in_reply_to.map(|(parent, _)| parent);
    if let Some(parent) = parent {
        let reply = StatusCounts {
            replies: 1,
            ..Default::default()
        };
        statuses::add_counts(tx, parent, reply).await?;
    }
    tasks::enqueue(tx, &Task::FanOut { status_id: id }).await?;
    if text::first_web_link(body).is_some() {
        tasks::enqueue(tx, &Task::FetchPreview { status_id: id }).await?;
    }
    Ok(Published { notified, parent })
}

/// Attaches the photos to post `status_id`, or says why one cannot be
/// ([`Error::Invalid`]).
pub async fn attach(
    conn: &mut PgConnection,
    status_id: i64,
    me: i64,
    media_ids: &[i64],
) -> crate::Result<()> {
    let attached = statuses::set_media(conn, status_id, me, media_ids).await?;
    if attached == media_ids.len() {
        return Ok(());
    }
    Err(unattachable(conn, me, media_ids).await?)
}

/// Why some of `media_ids` cannot be given to a new post of member `me`.
pub async fn unattachable(
    conn: &mut PgConnection,
    me: i64,
    media_ids: &[i64],
) -> crate::Result<Error> {
    for item in media::by_ids(&mut *conn, media_ids).await? {
        if item.account_id == me && item.state == "processing" {
            return Ok(Error::Invalid(
                "Cannot attach files that have not finished processing. Try again in a moment!"
                    .into(),
            ));
        }
        if item.account_id == me && item.state == "failed" {
            return Ok(Error::Invalid(format!(
                "Cannot attach media {} : its processing failed",
                item.id
            )));
        }
    }
    Ok(Error::Invalid(
        "Validation failed: media_ids names media that is not yours, does not exist, or belongs to another post"
            .into(),
    ))
}
