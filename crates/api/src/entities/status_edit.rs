//! The StatusEdit entity: one version of a post, in its history.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// A version of a post, as Mastodon shows it in a post's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusEdit {
    /// The text as HTML.
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    /// When this version was made (the post's creation for the original).
    pub created_at: String,
    /// The author, as an Account.
    #[schema(value_type = Object)]
    pub account: Value,
    /// Always null: this server has no polls.
    #[schema(value_type = Option<Object>)]
    pub poll: Option<Value>,
    /// The photos of this version, with their descriptions as they were.
    #[schema(value_type = Vec<Object>)]
    pub media_attachments: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub emojis: Vec<Value>,
}
