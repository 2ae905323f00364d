//! The List entity: a member's named group of followed accounts.

use lookbook_core::db::lists;
use serde::Serialize;
use utoipa::ToSchema;

/// A list, as Mastodon shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct List {
    pub id: String,
    pub title: String,
    /// Which comments the list's timeline shows: `followed` (on posts of
    /// accounts the member follows), `list` (of list members) or `none`.
    pub replies_policy: String,
    /// Whether the members' posts stay out of the home timeline.
    pub exclusive: bool,
}

impl From<lists::List> for List {
    fn from(list: lists::List) -> List {
        List {
            id: list.id.to_string(),
            title: list.title,
            replies_policy: list.replies_policy,
            exclusive: list.exclusive,
        }
    }
}
