//! The Poll entity: a post's "which look?" with its choices, how many
//! voted for each (hidden until it ends when the author asked so) and the
//! member's own vote.

use chrono::{DateTime, Utc};
use lookbook_core::db::polls::{self, Tally};
use serde::Serialize;
use utoipa::ToSchema;

use super::time;

/// A poll as Mastodon shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Poll {
    pub id: String,
    pub expires_at: String,
    pub expired: bool,
    pub multiple: bool,
    /// Votes cast (a member choosing several counts each).
    pub votes_count: i64,
    /// Members who voted.
    pub voters_count: i64,
    pub options: Vec<PollOption>,
    #[schema(value_type = Vec<Object>)]
    pub emojis: Vec<serde_json::Value>,
    /// Whether the member voted (or made the poll); absent for nobody signed in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voted: Option<bool>,
    /// The positions the member chose; absent for nobody signed in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub own_votes: Option<Vec<i32>>,
}

/// One choice of a poll.
#[derive(Debug, Serialize, ToSchema)]
pub struct PollOption {
    pub title: String,
    /// Null while the totals are hidden.
    pub votes_count: Option<i64>,
}

impl Poll {
    /// The poll as `viewer` sees it, given its votes; `author` made it.
    pub fn new(
        poll: &polls::Poll,
        tally: &Tally,
        author: i64,
        viewer: Option<i64>,
        now: DateTime<Utc>,
    ) -> Poll {
        let expired = poll.expires_at <= now;
        let hidden = poll.hide_totals && !expired && viewer != Some(author);
        Poll {
            id: poll.id.to_string(),
            expires_at: time(poll.expires_at),
            expired,
            multiple: poll.multiple,
            votes_count: tally.votes.iter().sum(),
            voters_count: tally.voters,
            options: poll
                .options
                .iter()
                .enumerate()
                .map(|(i, title)| PollOption {
                    title: title.clone(),
                    votes_count: (!hidden).then(|| tally.votes.get(i).copied().unwrap_or(0)),
                })
                .collect(),
            emojis: Vec::new(),
            voted: viewer.map(|me| me == author || tally.own.is_some()),
            own_votes: viewer.map(|_| tally.own.clone().unwrap_or_default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, Utc};
    use lookbook_core::db::polls::{self, Tally};

    fn poll(hide_totals: bool, ends_in: Duration) -> polls::Poll {
        polls::Poll {
            id: 7,
            status_id: 9,
            options: vec!["Linen".into(), "Denim".into()],
            multiple: false,
            hide_totals,
            expires_at: Utc::now() + ends_in,
        }
    }

    /// Hidden totals show to the author, and to everyone once it ended.
    #[test]
    fn hidden_totals_show_to_the_author_and_after_the_end() {
        let tally = Tally {
            votes: vec![3, 1],
            voters: 4,
            own: Some(vec![0]),
        };
        let open = poll(true, Duration::hours(1));
        let now = Utc::now();
        let voter = super::Poll::new(&open, &tally, 1, Some(2), now);
        assert_eq!(voter.options[0].votes_count, None);
        assert_eq!((voter.votes_count, voter.voters_count), (4, 4));
        assert_eq!(
            (voter.voted, voter.own_votes.clone()),
            (Some(true), Some(vec![0]))
        );
        let author = super::Poll::new(
            &open,
            &Tally {
                own: None,
                ..tally.clone()
            },
            1,
            Some(1),
            now,
        );
        assert_eq!(author.options[0].votes_count, Some(3));
        assert_eq!(
            author.voted,
            Some(true),
            "the author counts as having voted"
        );
        let ended = super::Poll::new(&poll(true, -Duration::hours(1)), &tally, 1, None, now);
        assert!(ended.expired);
        assert_eq!(ended.options[1].votes_count, Some(1));
        assert_eq!((ended.voted, ended.own_votes), (None, None));
    }
}
