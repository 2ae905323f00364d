//! The Conversation entity: one entry of a member's inbox of direct posts,
//! with the others in it and its newest post.

use std::collections::HashMap;

use lookbook_core::db::conversations;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::ApiResult;
use crate::statuses::{authors, render};

/// A conversation as Mastodon shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Conversation {
    pub id: String,
    /// Whether someone else wrote its newest post since the member read it.
    pub unread: bool,
    /// The others in it, as Accounts (the member alone in a note to oneself).
    #[schema(value_type = Vec<Object>)]
    pub accounts: Vec<Value>,
    /// Its newest post, as the member sees it.
    #[schema(value_type = Option<Object>)]
    pub last_status: Option<Value>,
}

/// Conversations for the member `me`, in order: participants and newest
/// posts each loaded once for the page.
pub async fn hydrate(
    state: &AppState,
    me: i64,
    rows: &[conversations::Conversation],
) -> ApiResult<Vec<Conversation>> {
    let others = |row: &conversations::Conversation| -> Vec<i64> {
        if row.participant_ids.is_empty() {
            vec![me]
        } else {
            row.participant_ids.clone()
        }
    };
    let mut people: Vec<i64> = rows.iter().flat_map(others).collect();
    people.sort_unstable();
    people.dedup();
    let accounts = authors(state, &people).await?;
    let status_ids: Vec<i64> = rows.iter().map(|r| r.last_status_id).collect();
    let posts: HashMap<String, Value> = render(state, Some(me), &status_ids)
        .await?
        .into_iter()
        .filter_map(|post| Some((post["id"].as_str()?.to_string(), post)))
        .collect();
    Ok(rows
        .iter()
        .map(|row| Conversation {
            id: row.id.to_string(),
            unread: row.unread,
            accounts: others(row)
                .iter()
                .filter_map(|id| accounts.get(id).cloned())
                .collect(),
            last_status: posts.get(&row.last_status_id.to_string()).cloned(),
        })
        .collect())
}
