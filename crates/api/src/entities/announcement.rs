//! The Announcement entity: news from the operators, its text rendered as
//! posts render theirs, with whether the member read it and the reactions
//! members left. A list is put together with a fixed number of queries:
//! the mentioned members, the linked posts, the reactions, and the custom
//! emojis (from their cached list) only when something names one.

use std::collections::HashMap;

use lookbook_core::db::announcement_reactions::{self, ReactionCount};
use lookbook_core::db::announcements::{self, Shown};
use lookbook_core::text::shortcodes::{is_valid as is_shortcode, shortcodes};
use lookbook_core::text::{self, Span};
use serde::Serialize;
use utoipa::ToSchema;

use super::custom_emoji::CustomEmoji;
use super::time;
use crate::AppState;
use crate::error::ApiResult;
use crate::statuses::content_html;

/// An announcement as Mastodon shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Announcement {
    pub id: String,
    /// The text as HTML, with links, hashtags and mentions made links.
    pub content: String,
    /// When the news is for, if it says.
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    /// Always true: only published announcements are shown.
    pub published: bool,
    /// Whether the times are whole days.
    pub all_day: bool,
    pub published_at: String,
    /// Moves on every edit.
    pub updated_at: String,
    /// Whether the member marked it read.
    pub read: bool,
    /// The members the text mentions.
    pub mentions: Vec<MentionedAccount>,
    /// The posts the text links to that the member may see.
    pub statuses: Vec<LinkedStatus>,
    /// The hashtags of the text.
    pub tags: Vec<LinkedTag>,
    /// The custom emojis the text uses.
    pub emojis: Vec<CustomEmoji>,
    /// Reactions, each name in the order it was first used.
    pub reactions: Vec<Reaction>,
}

/// A member an announcement mentions.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = AnnouncementAccount)]
pub struct MentionedAccount {
    pub id: String,
    pub username: String,
    /// Their profile page.
    pub url: String,
    /// Their address here: the username, every member being local.
    pub acct: String,
}

/// A post an announcement links to.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = AnnouncementStatus)]
pub struct LinkedStatus {
    pub id: String,
    /// The post's page.
    pub url: String,
}

/// A hashtag of an announcement.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = AnnouncementTag)]
pub struct LinkedTag {
    /// Lowercase, without the `#`.
    pub name: String,
    /// The hashtag's page.
    pub url: String,
}

/// One reaction name with the members who used it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = AnnouncementReaction)]
pub struct Reaction {
    /// A Unicode emoji, or a custom emoji's shortcode.
    pub name: String,
    pub count: i64,
    /// Whether the member is among them.
    pub me: bool,
    /// A custom emoji's picture; absent for a Unicode emoji.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub static_url: Option<String>,
}

impl Reaction {
    /// The reaction, with the picture when `name` is a custom emoji.
    pub fn new(
        name: String,
        count: i64,
        me: bool,
        emojis: &HashMap<String, CustomEmoji>,
    ) -> Reaction {
        let picture = emojis.get(&name);
        Reaction {
            url: picture.map(|e| e.url.clone()),
            static_url: picture.map(|e| e.static_url.clone()),
            name,
            count,
            me,
        }
    }
}

/// The announcements as `me` sees them, in the order given.
pub async fn render(state: &AppState, me: i64, shown: &[Shown]) -> ApiResult<Vec<Announcement>> {
    let db = &state.db.primary;
    let base = &state.config.public_url;
    let texts = || shown.iter().map(|s| s.announcement.text.as_str());

    let mut usernames: Vec<String> = texts().flat_map(text::mentions).collect();
    usernames.sort();
    usernames.dedup();
    let mentioned = if usernames.is_empty() {
        Vec::new()
    } else {
        announcements::mentioned(db, &usernames).await?
    };

    let mut post_ids: Vec<i64> = texts().flat_map(|t| linked_post_ids(base, t)).collect();
    post_ids.sort_unstable();
    post_ids.dedup();
    let posts: HashMap<i64, String> = if post_ids.is_empty() {
        HashMap::new()
    } else {
        announcements::linked_posts(db, &post_ids, me)
            .await?
            .into_iter()
            .collect()
    };

    let ids: Vec<i64> = shown.iter().map(|s| s.announcement.id).collect();
    let reactions = announcement_reactions::reactions(db, &ids, me).await?;
    let wants_emojis = texts().any(|t| !shortcodes(t).is_empty())
        || reactions.iter().any(|r| is_shortcode(&r.name));
    let emojis = if wants_emojis {
        custom_emojis(state).await
    } else {
        HashMap::new()
    };

    Ok(shown
        .iter()
        .map(|s| {
            let a = &s.announcement;
            let mine: Vec<(i64, String)> = text::mentions(&a.text)
                .iter()
                .filter_map(|name| {
                    mentioned
                        .iter()
                        .find(|(_, u)| u.eq_ignore_ascii_case(name))
                        .cloned()
                })
                .collect();
            Announcement {
                id: a.id.to_string(),
                content: content_html(base, &a.text, &mine),
                starts_at: a.starts_at.map(time),
                ends_at: a.ends_at.map(time),
                published: true,
                all_day: a.all_day,
                published_at: time(a.published_at),
                updated_at: time(a.updated_at),
                read: s.read,
                mentions: mine
                    .iter()
                    .map(|(id, username)| MentionedAccount {
                        id: id.to_string(),
                        username: username.clone(),
                        url: format!("{base}/@{username}"),
                        acct: username.clone(),
                    })
                    .collect(),
                statuses: linked_post_ids(base, &a.text)
                    .into_iter()
                    .filter_map(|id| {
                        let username = posts.get(&id)?;
                        Some(LinkedStatus {
                            id: id.to_string(),
                            url: format!("{base}/@{username}/{id}"),
                        })
                    })
                    .collect(),
                tags: text::hashtags(&a.text)
                    .into_iter()
                    .map(|name| LinkedTag {
                        url: format!("{base}/tags/{name}"),
                        name,
                    })
                    .collect(),
                emojis: shortcodes(&a.text).into_iter().fold(
                    Vec::new(),
                    |mut found: Vec<CustomEmoji>, code| {
                        if let Some(emoji) = emojis.get(code)
                            && !found.iter().any(|f| f.shortcode == code)
                        {
                            found.push(emoji.clone());
                        }
                        found
                    },
                ),
                reactions: reactions
                    .iter()
                    .filter(|r| r.announcement_id == a.id)
                    .map(|r: &ReactionCount| Reaction::new(r.name.clone(), r.count, r.me, &emojis))
                    .collect(),
            }
        })
        .collect())
}

/// The custom emojis by shortcode; none when they cannot be read (the
/// announcements show without pictures rather than fail).
pub async fn custom_emojis(state: &AppState) -> HashMap<String, CustomEmoji> {
    match crate::emojis::all(state).await {
        Ok(all) => all.into_iter().map(|e| (e.shortcode.clone(), e)).collect(),
        Err(err) => {
            tracing::warn!(error = %err, "custom emojis left out of announcements");
            HashMap::new()
        }
    }
}

/// The ids of this server's posts that `text` links to (`<base>/@name/<id>`),
/// each once, in order.
fn linked_post_ids(base: &str, text: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    for span in text::spans(text) {
        let Span::Link(link) = span else { continue };
        let Some(path) = link.strip_prefix(base).and_then(|p| p.strip_prefix("/@")) else {
            continue;
        };
        let Some((_, id)) = path.split_once('/') else {
            continue;
        };
        if let Ok(id) = id.trim_end_matches('/').parse::<i64>()
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::linked_post_ids;

    /// Links to this server's posts are found; other links, profiles and
    /// other servers are not.
    #[test]
    fn finds_links_to_this_servers_posts() {
        let text = "See https://look.example/@ann/42 and https://look.example/@bob/7/ \
                    but not https://look.example/@ann or https://other.example/@ann/5 \
                    or https://look.example/@ann/42 twice";
        assert_eq!(linked_post_ids("https://look.example", text), vec![42, 7]);
    }
}
