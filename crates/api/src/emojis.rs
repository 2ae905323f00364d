//! Custom emojis in what the API renders: the `emojis` of posts, polls and
//! accounts, and the list `/api/v1/custom_emojis` serves.
//!
//! The list is small and wanted by many pages, so it is kept in Memcached
//! under one key for [`CACHE_SECS`], loaded with a lease (concurrent misses,
//! across instances too, share one query). The operator command
//! (`lookbook-worker emoji`) deletes the key whenever it changes the table,
//! so changes show at once; the expiry bounds how long a deletion Memcached
//! missed can hide one.
//!
//! A post's cached part keeps the `:shortcode:` tokens of its text, content
//! warning and poll choices (under [`KEY`]); accounts are scanned as they
//! are rendered. A page reads the list once, and only when something on it
//! has a token; matching is done in memory, never a query per post.

use std::collections::HashMap;

use lookbook_core::db::custom_emojis::{self, CACHE_KEY, CACHE_SECS};
use lookbook_core::text::shortcodes::shortcodes;
use memcache::exp::Ttl;
use serde_json::Value;

use crate::AppState;
use crate::entities::custom_emoji::CustomEmoji;
use crate::error::{ApiError, ApiResult};

/// Where a post's cached part keeps its tokens (only when it has some).
pub const KEY: &str = "lookbook_emojis";

/// Every custom emoji as stored, by shortcode, from Memcached or, on a
/// miss, PostgreSQL.
pub async fn stored(state: &AppState) -> ApiResult<Vec<custom_emojis::CustomEmoji>> {
    let loader = state.clone();
    let fetched: memcache::exp::Result<String> = state
        .cache
        .client()
        .fetch(
            state.cache.key(CACHE_KEY),
            Ttl::secs(CACHE_SECS),
            async move {
                // The primary: a lagging replica read just after the command
                // dropped the key would put the old list back until it expires.
                let all = custom_emojis::all(&loader.db.primary).await?;
                serde_json::to_string(&all)
                    .map_err(|e| ApiError::Internal(anyhow::Error::from(e).into()))
            },
        )
        .await;
    let json = fetched.map_err(|err| {
        tracing::warn!(error = %err, "custom emojis could not be loaded");
        ApiError::Unavailable("the custom emojis could not be loaded; try again".into())
    })?;
    match serde_json::from_str(&json) {
        Ok(all) => Ok(all),
        Err(err) => {
            // Written by another version: read past it.
            tracing::warn!(error = %err, "cached custom emojis unreadable");
            Ok(custom_emojis::all(&state.db.primary).await?)
        }
    }
}

/// Every custom emoji as the API shows it, by shortcode.
pub async fn all(state: &AppState) -> ApiResult<Vec<CustomEmoji>> {
    Ok(stored(state)
        .await?
        .iter()
        .map(|e| CustomEmoji::new(state, e))
        .collect())
}

/// The custom emojis by shortcode, for matching tokens.
#[derive(Debug, Default)]
struct Known(HashMap<String, CustomEmoji>);

impl Known {
    /// The list, or none when it cannot be read: a page shows its posts
    /// without pictures rather than failing for them.
    async fn load(state: &AppState) -> Known {
        match all(state).await {
            Ok(all) => Known(all.into_iter().map(|e| (e.shortcode.clone(), e)).collect()),
            Err(err) => {
                tracing::warn!(error = %err, "custom emojis left out of a page");
                Known::default()
            }
        }
    }

    /// The emojis named among `tokens`, in their order.
    fn matching<'a>(&self, tokens: impl IntoIterator<Item = &'a str>) -> Value {
        let mut found: Vec<&CustomEmoji> = Vec::new();
        for token in tokens {
            if let Some(emoji) = self.0.get(token)
                && !found.iter().any(|f| f.shortcode == token)
            {
                found.push(emoji);
            }
        }
        serde_json::to_value(found).unwrap_or_else(|_| Value::Array(Vec::new()))
    }
}

/// The tokens of a post's texts (text, content warning, poll choices), each
/// once; kept in its cached part under [`KEY`].
pub fn tokens<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for text in texts {
        for token in shortcodes(text) {
            if !found.iter().any(|f| f == token) {
                found.push(token.to_string());
            }
        }
    }
    found
}

/// Fills `emojis` of each post (and of its poll) from the tokens its cached
/// part kept, and takes those out of the entity.
pub async fn fill_posts(state: &AppState, posts: &mut [Value]) {
    let kept: Vec<(usize, Vec<String>)> = posts
        .iter_mut()
        .enumerate()
        .filter_map(|(i, post)| {
            let kept = post.as_object_mut()?.remove(KEY)?;
            let tokens: Vec<String> = serde_json::from_value(kept).ok()?;
            (!tokens.is_empty()).then_some((i, tokens))
        })
        .collect();
    if kept.is_empty() {
        return;
    }
    let known = Known::load(state).await;
    for (i, tokens) in kept {
        let post = &mut posts[i];
        post["emojis"] = known.matching(tokens.iter().map(String::as_str));
        if let Some(options) = post["poll"]["options"].as_array() {
            let titles: Vec<&str> = options.iter().filter_map(|o| o["title"].as_str()).collect();
            let in_poll = known.matching(titles.into_iter().flat_map(shortcodes));
            post["poll"]["emojis"] = in_poll;
        }
    }
}

/// The texts of an Account entity that may hold tokens: its display name,
/// its bio and its profile fields.
fn account_texts(account: &Value) -> impl Iterator<Item = &str> {
    let fields = account["fields"].as_array().into_iter().flatten();
    [&account["display_name"], &account["note"]]
        .into_iter()
        .chain(fields.flat_map(|f| [&f["name"], &f["value"]]))
        .filter_map(Value::as_str)
}

/// Fills `emojis` of each Account entity from the tokens of its texts.
pub async fn fill_accounts<'a>(
    state: &AppState,
    accounts: impl IntoIterator<Item = &'a mut Value>,
) {
    let mut with_tokens: Vec<(&mut Value, Vec<String>)> = accounts
        .into_iter()
        .filter_map(|account| {
            let tokens = tokens(account_texts(account));
            (!tokens.is_empty()).then_some((account, tokens))
        })
        .collect();
    if with_tokens.is_empty() {
        return;
    }
    let known = Known::load(state).await;
    for (account, tokens) in &mut with_tokens {
        account["emojis"] = known.matching(tokens.iter().map(String::as_str));
    }
}
