//! A post's viewer-independent JSON, as cached: everything but its author,
//! its counts and the viewer's marks. Built for a batch of posts with one
//! query: rows, usernames, photos with item tags, hashtags, mentions.

use std::collections::HashMap;

use lookbook_core::db::items::Item;
use lookbook_core::db::polls;
use lookbook_core::db::preview_cards::{self, Card};
use lookbook_core::db::statuses::{self, MediaWithItems};
use lookbook_core::text::{self, Span};
use serde_json::{Value, json};

use crate::AppState;
use crate::emojis;
use crate::entities::{escape, time};
use crate::error::ApiResult;
use crate::routes::media::entity as media_entity;

/// Post text as Mastodon's HTML: escaped, paragraphs and line breaks, with
/// hashtags, mentions of existing members and links made into links.
pub fn content_html(base: &str, text: &str, mentioned: &[(i64, String)]) -> String {
    if text.trim().is_empty() {
        return String::new();
    }
    let mut html = String::new();
    for span in text::spans(text) {
        match span {
            Span::Plain(plain) => html.push_str(&escape(plain)),
            Span::Hashtag(name) => html.push_str(&format!(
                "<a href=\"{base}/tags/{}\" class=\"mention hashtag\" rel=\"tag\">#<span>{}</span></a>",
                escape(&name.to_lowercase()),
                escape(name)
            )),
            Span::Mention(name) => {
                match mentioned
                    .iter()
                    .find(|(_, u)| u.eq_ignore_ascii_case(name))
                {
                    Some((_, username)) => html.push_str(&format!(
                        "<span class=\"h-card\"><a href=\"{base}/@{0}\" class=\"u-url mention\">@<span>{0}</span></a></span>",
                        escape(username)
                    )),
                    None => html.push_str(&escape(&format!("@{name}"))),
                }
            }
            Span::Link(url) => html.push_str(&format!(
                "<a href=\"{0}\" target=\"_blank\" rel=\"nofollow noopener noreferrer\">{0}</a>",
                escape(url)
            )),
        }
    }
    html.split("\n\n")
        .map(|p| format!("<p>{}</p>", p.trim_matches('\n').replace('\n', "<br />")))
        .collect()
}

/// An item tag as JSON.
pub fn item_entity(item: &Item) -> Value {
    json!({
        "id": item.id.to_string(),
        "brand": { "slug": item.brand_slug, "name": item.brand_name },
        "name": item.name,
        "category": item.category,
        "url": item.product_url,
        "price": item.price,
        "currency": item.currency,
        "position": { "x": item.x, "y": item.y },
    })
}

/// A photo as MediaAttachment JSON with its item tags under `lookbook`.
fn media_json(state: &AppState, photo: &MediaWithItems) -> Value {
    let mut entity = media_entity(state, &photo.media);
    entity["lookbook"]["items"] = photo.items.iter().map(item_entity).collect();
    entity
}

/// Mastodon's PreviewCard: what the post's first link says of itself.
fn card_json(card: &Card) -> Value {
    let provider_url = card
        .url
        .split_once("://")
        .and_then(|(scheme, rest)| {
            Some(format!(
                "{scheme}://{}",
                rest.split(['/', '?', '#']).next()?
            ))
        })
        .unwrap_or_default();
    json!({
        "url": card.url,
        "title": card.title,
        "description": card.description,
        "type": "link",
        "author_name": "",
        "author_url": "",
        "provider_name": card.provider_name,
        "provider_url": provider_url,
        "html": "",
        "width": 0,
        "height": 0,
        "image": card.image_url,
        "image_description": "",
        "embed_url": "",
        "blurhash": Value::Null,
        "authors": [],
    })
}

/// The cached part of each post that exists, by id, read in one query. The
/// author's id rides along as `account_id`, and a boost's shared post as
/// `reblog_of_id` (fields Mastodon's entity does not have; they are replaced
/// by the author's Account and the shared Status when the page is put
/// together).
pub async fn load(state: &AppState, ids: &[i64]) -> ApiResult<HashMap<i64, Value>> {
    let rows = statuses::load_full(&state.db.primary, ids).await?;
    let mut poll_of: HashMap<i64, Value> = polls::of_statuses(&state.db.primary, ids)
        .await?
        .into_iter()
        .filter_map(|p| Some((p.status_id, serde_json::to_value(&p).ok()?)))
        .collect();
    let mut cards: HashMap<i64, Value> = preview_cards::of_statuses(&state.db.primary, ids)
        .await?
        .into_iter()
        .map(|(status, card)| (status, card_json(&card)))
        .collect();
    let base = &state.config.public_url;
    let mut out = HashMap::with_capacity(rows.len());
    for row in rows {
        let status = &row.status;
        let id = status.id;
        let username = &row.username;
        let mut entity = json!({
            "id": id.to_string(),
            "account_id": status.account_id,
            "created_at": time(status.created_at),
            "edited_at": status.edited_at.map(time),
            "in_reply_to_id": status.in_reply_to_id.map(|i| i.to_string()),
            "in_reply_to_account_id": status.in_reply_to_account_id.map(|i| i.to_string()),
            "sensitive": status.sensitive,
            "spoiler_text": status.spoiler_text,
            "visibility": status.visibility,
            "language": status.language,
            "uri": format!("{base}/users/{username}/statuses/{id}"),
            "url": format!("{base}/@{username}/{id}"),
            "reblogs_count": 0,
            "content": content_html(base, &status.text, &row.mentions),
            "reblog": Value::Null,
            "application": status.app_name.as_ref().map(|name| json!({
                "name": name, "website": status.app_website,
            })),
            "media_attachments": row.media.iter().map(|m| media_json(state, m)).collect::<Vec<_>>(),
            "mentions": row.mentions.iter().map(|(account, username)| json!({
                "id": account.to_string(),
                "username": username,
                "acct": username,
                "url": format!("{base}/@{username}"),
            })).collect::<Vec<_>>(),
            "tags": row.tags.iter().map(|name| json!({
                "name": name, "url": format!("{base}/tags/{name}"),
            })).collect::<Vec<_>>(),
            "emojis": [],
            "card": cards.remove(&id).unwrap_or(Value::Null),
            "poll": Value::Null,
            "filtered": [],
        });
        let poll = poll_of.remove(&id);
        let choices = poll
            .as_ref()
            .and_then(|p| p["options"].as_array())
            .into_iter()
            .flatten()
            .filter_map(Value::as_str);
        let texts = [status.text.as_str(), status.spoiler_text.as_str()];
        let tokens = emojis::tokens(texts.into_iter().chain(choices));
        if !tokens.is_empty() {
            // Matched against the custom emojis when the page is put together.
            entity[emojis::KEY] = tokens.into();
        }
        if let Some(poll) = poll {
            // Replaced by the Poll entity, with its votes, when the page is put together.
            entity[super::polls::KEY] = poll;
        }
        if let Some(original) = status.reblog_of_id {
            // Replaced by the shared post's Status when the page is put together.
            entity["reblog_of_id"] = original.into();
            entity["uri"] = format!("{base}/users/{username}/statuses/{id}/activity").into();
        }
        out.insert(id, entity);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    /// Tags and known mentions become links; unknown names and markup stay text.
    #[test]
    fn content_links_what_it_should() {
        let html = super::content_html(
            "https://h",
            "<b>Fit</b> #OOTD by @Anna and @nobody\n\nhttps://shop.example/x",
            &[(7, "anna".into())],
        );
        assert_eq!(
            html,
            "<p>&lt;b&gt;Fit&lt;/b&gt; <a href=\"https://h/tags/ootd\" class=\"mention hashtag\" rel=\"tag\">#<span>OOTD</span></a> by \
             <span class=\"h-card\"><a href=\"https://h/@anna\" class=\"u-url mention\">@<span>anna</span></a></span> and @nobody</p>\
             <p><a href=\"https://shop.example/x\" target=\"_blank\" rel=\"nofollow noopener noreferrer\">https://shop.example/x</a></p>"
        );
    }
}
