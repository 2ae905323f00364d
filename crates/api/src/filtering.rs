//! A member's filters applied to what they read: every post rendered for a
//! member carries the active filters it matches in `filtered` (as in
//! Mastodon, whatever the context; clients pick those of the place they
//! show it in), and timelines and notifications leave out the posts a
//! `hide` filter of their context matched. The member's filters are kept
//! in Memcached (an empty list for most members) and dropped whenever they
//! change.

use chrono::{DateTime, Utc};
use lookbook_core::db::filters;
use memcache::exp::Ttl;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::AppState;
use crate::entities::filter::{Filter, FilterResult};
use crate::entities::time;
use crate::error::ApiResult;

/// Where a post is being read, as filters name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// The home timeline and list timelines.
    Home,
    Notifications,
    /// The public and hashtag timelines.
    Public,
    /// A post and the comments around it.
    Thread,
    /// A profile's posts.
    Account,
}

impl Context {
    pub fn name(self) -> &'static str {
        match self {
            Context::Home => "home",
            Context::Notifications => "notifications",
            Context::Public => "public",
            Context::Thread => "thread",
            Context::Account => "account",
        }
    }
}

/// Every context, as clients name them.
pub const CONTEXTS: &[&str] = &["home", "notifications", "public", "thread", "account"];

/// How long a member's filters are kept; any change drops them sooner. Short,
/// because a read that loaded them just before a change can put the old
/// ones back just after it.
const TTL: Ttl = Ttl::secs(60);

/// A filter as kept in the cache: what matching needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Kept {
    id: i64,
    title: String,
    context: Vec<String>,
    action: String,
    expires_at: Option<DateTime<Utc>>,
    /// Lowercased keywords, each with whether only whole words match.
    keywords: Vec<(String, bool)>,
    statuses: Vec<i64>,
}

/// The filters of the member reading (none for nobody signed in).
#[derive(Debug, Default)]
pub struct Filters {
    kept: Vec<Kept>,
}

fn key(state: &AppState, me: i64) -> String {
    state.cache.key(&format!("filters:{me}"))
}

/// The viewer's filters, from Memcached or, on a miss, PostgreSQL.
pub async fn load(state: &AppState, viewer: Option<i64>) -> ApiResult<Filters> {
    let Some(me) = viewer else {
        return Ok(Filters::default());
    };
    let key = key(state, me);
    let found = state
        .cache
        .get_strings(std::slice::from_ref(&key), "filters")
        .await;
    if let Some(json) = found.into_values().next()
        && let Ok(kept) = serde_json::from_str::<Vec<Kept>>(&json)
    {
        return Ok(Filters { kept });
    }
    let kept: Vec<Kept> = filters::of_account(&state.db.primary, me)
        .await?
        .into_iter()
        .map(|f| Kept {
            id: f.id,
            title: f.title,
            context: f.context,
            action: f.action,
            expires_at: f.expires_at,
            keywords: f
                .keywords
                .into_iter()
                .map(|k| (k.keyword.to_lowercase(), k.whole_word))
                .collect(),
            statuses: f.statuses.into_iter().map(|s| s.status_id).collect(),
        })
        .collect();
    if let Ok(json) = serde_json::to_string(&kept)
        && let Err(err) = state.cache.client().set_many(vec![(key, json)], TTL).await
    {
        tracing::warn!(error = %err, "could not keep a member's filters");
    }
    Ok(Filters { kept })
}

/// Drops the member's kept filters after a change, so their next read
/// applies the new ones.
pub async fn forget(state: &AppState, me: i64) {
    state.cache.delete_many(&[key(state, me)]).await;
}

impl Filters {
    /// Notes in `post` (and in the post a boost shares) the active filters
    /// that match it.
    pub fn mark(&self, post: &mut Value) {
        if self.kept.is_empty() {
            return;
        }
        let target = if post["reblog"].is_object() {
            &post["reblog"]
        } else {
            &*post
        };
        let now = Utc::now();
        let text = searchable(target);
        let id = target["id"].as_str().and_then(|id| id.parse::<i64>().ok());
        let mut results = Vec::new();
        for filter in &self.kept {
            if filter.expires_at.is_some_and(|at| at <= now) {
                continue;
            }
            let keywords: Vec<String> = filter
                .keywords
                .iter()
                .filter(|(keyword, whole)| contains(&text, keyword, *whole))
                .map(|(keyword, _)| keyword.clone())
                .collect();
            let statuses: Vec<String> = filter
                .statuses
                .iter()
                .filter(|s| Some(**s) == id)
                .map(i64::to_string)
                .collect();
            if keywords.is_empty() && statuses.is_empty() {
                continue;
            }
            results.push(FilterResult {
                filter: Filter {
                    id: filter.id.to_string(),
                    title: filter.title.clone(),
                    context: filter.context.clone(),
                    expires_at: filter.expires_at.map(time),
                    filter_action: filter.action.clone(),
                    keywords: None,
                    statuses: None,
                },
                keyword_matches: (!keywords.is_empty()).then_some(keywords),
                status_matches: (!statuses.is_empty()).then_some(statuses),
            });
        }
        if results.is_empty() {
            return;
        }
        let filtered = serde_json::to_value(&results).unwrap_or_default();
        if post["reblog"].is_object() {
            post["reblog"]["filtered"] = filtered.clone();
        }
        post["filtered"] = filtered;
    }
}

/// Whether a rendered post is matched by a `hide` filter of `context`.
pub fn hidden(context: Context, post: &Value) -> bool {
    post["filtered"].as_array().is_some_and(|results| {
        results.iter().any(|r| {
            r["filter"]["filter_action"] == "hide"
                && r["filter"]["context"]
                    .as_array()
                    .is_some_and(|c| c.iter().any(|c| c == context.name()))
        })
    })
}

/// Rendered posts as read in `context`: those a `hide` filter of it
/// matched are left out.
pub fn keep(context: Context, posts: Vec<Value>) -> Vec<Value> {
    posts.into_iter().filter(|p| !hidden(context, p)).collect()
}

/// What keywords are looked for in: the content warning, the text and the
/// photo descriptions, lowercased.
fn searchable(post: &Value) -> String {
    let mut text = post["spoiler_text"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    text.push('\n');
    text.push_str(&plain(post["content"].as_str().unwrap_or_default()));
    for media in post["media_attachments"].as_array().into_iter().flatten() {
        if let Some(description) = media["description"].as_str() {
            text.push('\n');
            text.push_str(description);
        }
    }
    text.to_lowercase()
}

/// The text of a post's HTML: tags dropped (paragraphs and breaks become
/// line breaks), entities decoded.
pub fn plain(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            rest = "";
            break;
        };
        let tag = &rest[open..open + close];
        if tag.starts_with("<br") || tag.starts_with("</p") {
            out.push('\n');
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether lowercased `text` holds lowercased `keyword`; with `whole`, not
/// inside a longer word (a keyword's edge that is not a letter or digit
/// needs no boundary, as in Mastodon).
fn contains(text: &str, keyword: &str, whole: bool) -> bool {
    let keyword = keyword.trim();
    if keyword.is_empty() {
        return false;
    }
    let starts_word = keyword.chars().next().is_some_and(is_word);
    let ends_word = keyword.chars().next_back().is_some_and(is_word);
    let mut from = 0;
    while let Some(found) = text[from..].find(keyword) {
        let at = from + found;
        let end = at + keyword.len();
        if !whole {
            return true;
        }
        let before = !starts_word || !text[..at].chars().next_back().is_some_and(is_word);
        let after = !ends_word || !text[end..].chars().next().is_some_and(is_word);
        if before && after {
            return true;
        }
        from = at + keyword.chars().next().map_or(1, char::len_utf8);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::{contains, plain};

    /// Whole words match only whole; parts match anywhere; hashtags count
    /// as words.
    #[test]
    fn keywords_match_as_mastodon_matches_them() {
        let text = "loving my new #tie-dye shirt, tied at the waist";
        assert!(contains(text, "tie", true), "before a hyphen");
        assert!(contains(text, "tie-dye", true));
        assert!(!contains(text, "tied up", true));
        assert!(contains(text, "waist", true));
        assert!(!contains(text, "wais", true));
        assert!(contains(text, "wais", false));
        assert!(contains(text, "#tie", true));
        assert!(!contains(text, "  ", false), "blank keywords match nothing");
        assert!(contains("über cool", "über", true), "letters beyond ASCII");
        assert!(!contains("süberb", "über", true));
    }

    /// Markup goes, the text and its entities stay.
    #[test]
    fn plain_text_of_html() {
        assert_eq!(
            plain("<p>a &lt;b&gt; <a href=\"x\">#tag</a><br />c</p><p>&amp;d</p>"),
            "a <b> #tag\nc\n&d\n"
        );
    }
}
