//! The Filter entities: a member's filter with its keywords and posts
//! (`Filter`, `FilterKeyword`, `FilterStatus`), the older one-phrase form
//! (`V1Filter`), and what a filter matched in a post (`FilterResult`).

use lookbook_core::db::filters;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::time;

/// Where a filter applies, as forms name it (for the API document).
#[derive(Debug, ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum FilterContext {
    Home,
    Notifications,
    Public,
    Thread,
    Account,
}

/// A filter as Mastodon shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Filter {
    pub id: String,
    pub title: String,
    /// Where it applies: `home`, `notifications`, `public`, `thread`, `account`.
    pub context: Vec<String>,
    /// When it stops applying; null for never.
    pub expires_at: Option<String>,
    /// `warn`, `hide` or `blur`.
    pub filter_action: String,
    /// Absent inside a FilterResult.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keywords: Option<Vec<FilterKeyword>>,
    /// Absent inside a FilterResult.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statuses: Option<Vec<FilterStatus>>,
}

/// A word or phrase a filter matches.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FilterKeyword {
    pub id: String,
    pub keyword: String,
    /// Only whole words match.
    pub whole_word: bool,
}

/// A post a filter matches.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FilterStatus {
    pub id: String,
    pub status_id: String,
}

/// One keyword of a filter in the older shape, where each phrase was a filter.
#[derive(Debug, Serialize, ToSchema)]
pub struct V1Filter {
    /// The keyword's id.
    pub id: String,
    pub phrase: String,
    pub context: Vec<String>,
    pub whole_word: bool,
    pub expires_at: Option<String>,
    /// Whether the server drops matching posts (the filter's action is `hide`).
    pub irreversible: bool,
}

/// A filter that matched a post, in the post's `filtered`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FilterResult {
    pub filter: Filter,
    /// The keywords that matched, or null.
    pub keyword_matches: Option<Vec<String>>,
    /// The ids of the filter's posts that matched, or null.
    pub status_matches: Option<Vec<String>>,
}

impl From<filters::Keyword> for FilterKeyword {
    fn from(k: filters::Keyword) -> FilterKeyword {
        FilterKeyword {
            id: k.id.to_string(),
            keyword: k.keyword,
            whole_word: k.whole_word,
        }
    }
}

impl From<filters::FilteredStatus> for FilterStatus {
    fn from(s: filters::FilteredStatus) -> FilterStatus {
        FilterStatus {
            id: s.id.to_string(),
            status_id: s.status_id.to_string(),
        }
    }
}

impl From<filters::Filter> for Filter {
    fn from(f: filters::Filter) -> Filter {
        Filter {
            id: f.id.to_string(),
            title: f.title,
            context: f.context,
            expires_at: f.expires_at.map(time),
            filter_action: f.action,
            keywords: Some(f.keywords.into_iter().map(FilterKeyword::from).collect()),
            statuses: Some(f.statuses.into_iter().map(FilterStatus::from).collect()),
        }
    }
}

impl V1Filter {
    /// Each keyword of `filter` as a V1Filter.
    pub fn of(filter: &filters::Filter) -> Vec<V1Filter> {
        filter
            .keywords
            .iter()
            .map(|k| V1Filter {
                id: k.id.to_string(),
                phrase: k.keyword.clone(),
                context: filter.context.clone(),
                whole_word: k.whole_word,
                expires_at: filter.expires_at.map(time),
                irreversible: filter.action == "hide",
            })
            .collect()
    }
}
