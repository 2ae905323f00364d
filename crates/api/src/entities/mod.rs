//! Mastodon's JSON entities, built from `core` records. Ids are strings,
//! times are RFC 3339 with milliseconds, and a page of accounts is hydrated
//! with one query for all their counters.

pub mod announcement;
pub mod conversation;
pub mod custom_emoji;
pub mod device;
pub mod field;
pub mod filter;
pub mod list;
pub mod notification;
pub mod poll;
pub mod push;
pub mod scheduled_status;
pub mod status_edit;
pub mod tag;

use chrono::{DateTime, SecondsFormat, Utc};
use lookbook_core::db::accounts::Account;
use lookbook_core::db::apps::App;
use lookbook_core::db::counters::{self, Counts};
use lookbook_core::db::relationships::Relationship;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::ApiResult;

/// Mastodon's time format: `2026-11-22T10:00:00.000Z`.
pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Which notification types a push subscription or device wants, from
/// their stored `{"mention": true, ...}`.
pub fn alerts(stored: &Value) -> std::collections::BTreeMap<String, bool> {
    stored
        .as_object()
        .map(|map| {
            map.iter()
                .map(|(k, v)| (k.clone(), v.as_bool().unwrap_or(false)))
                .collect()
        })
        .unwrap_or_default()
}

/// Text made safe inside HTML (elements and attribute values).
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Plain text to the HTML Mastodon serves: escaped, paragraphs and line breaks.
pub fn text_to_html(text: &str) -> String {
    if text.trim().is_empty() {
        return String::new();
    }
    escape(text)
        .split("\n\n")
        .map(|p| format!("<p>{}</p>", p.trim_matches('\n').replace('\n', "<br />")))
        .collect()
}

/// The Account entity.
pub fn account(state: &AppState, account: &Account, counts: Counts) -> Value {
    let base = &state.config.public_url;
    let image = |key: &Option<String>, kind: &str| match key {
        Some(key) => state.storage.url(key),
        None => format!("{base}/{kind}/original/missing.png"),
    };
    let avatar = image(&account.avatar_key, "avatars");
    let header = image(&account.header_key, "headers");
    let created = account
        .created_at
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map_or(account.created_at, |d| d.and_utc());
    json!({
        "id": account.id.to_string(),
        "username": account.username,
        "acct": account.username,
        "display_name": account.display_name,
        "locked": account.locked,
        "bot": account.bot,
        "discoverable": account.discoverable,
        "indexable": false,
        "group": false,
        "created_at": time(created),
        "note": text_to_html(&account.note),
        "url": format!("{base}/@{}", account.username),
        "uri": format!("{base}/users/{}", account.username),
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "followers_count": counts.followers,
        "following_count": counts.following,
        "statuses_count": counts.statuses,
        "last_status_at": counts.last_status_day(),
        "hide_collections": false,
        "noindex": false,
        "emojis": [],
        "roles": [],
        "fields": field::shown(&account.fields),
    })
}

/// Accounts in the given order, with their counters from one query and the
/// custom emojis of their names and bios.
pub async fn accounts(state: &AppState, list: &[Account]) -> ApiResult<Vec<Value>> {
    let ids: Vec<i64> = list.iter().map(|a| a.id).collect();
    let counts = counters::for_accounts(&state.db.primary, &ids).await?;
    let mut out: Vec<Value> = list
        .iter()
        .map(|a| account(state, a, counts.get(&a.id).copied().unwrap_or_default()))
        .collect();
    crate::emojis::fill_accounts(state, out.iter_mut()).await;
    Ok(out)
}

/// The CredentialAccount entity: the Account plus `source` and `role`.
pub async fn credential_account(
    state: &AppState,
    me: &Account,
    follow_requests: i64,
) -> ApiResult<Value> {
    let mut entity = accounts(state, std::slice::from_ref(me)).await?.remove(0);
    entity["source"] = json!({
        "privacy": me.privacy,
        "sensitive": me.sensitive,
        "language": me.language.clone().unwrap_or_default(),
        "note": me.note,
        "fields": field::source(&me.fields),
        "follow_requests_count": follow_requests,
        "hide_collections": false,
        "discoverable": me.discoverable,
        "indexable": false,
    });
    entity["role"] = json!({
        "id": "-99", "name": "", "permissions": "0", "color": "", "highlighted": false,
    });
    Ok(entity)
}

/// The Relationship entity.
pub fn relationship(r: &Relationship) -> Value {
    json!({
        "id": r.id.to_string(),
        "following": r.following,
        "showing_reblogs": r.showing_reblogs,
        "notifying": r.notifying,
        "languages": r.languages,
        "followed_by": r.followed_by,
        "blocking": r.blocking,
        "blocked_by": r.blocked_by,
        "muting": r.muting,
        "muting_notifications": r.muting_notifications,
        "muting_expires_at": r.muting_expires_at.map(time),
        "requested": r.requested,
        "requested_by": r.requested_by,
        "domain_blocking": false,
        "endorsed": false,
        "note": r.note,
    })
}

/// The Application entity (without credentials); `vapid_key` is the key
/// Web Push subscriptions are made with.
pub fn application(app: &App, vapid_key: &str) -> Value {
    json!({
        "id": app.id.to_string(),
        "name": app.name,
        "website": app.website,
        "scopes": app.scopes,
        "redirect_uris": app.redirect_uris,
        "redirect_uri": app.redirect_uris.join("\n"),
        "vapid_key": vapid_key,
    })
}

#[cfg(test)]
mod tests {
    /// Notes are escaped and paragraphs kept.
    #[test]
    fn text_becomes_safe_html() {
        assert_eq!(
            super::text_to_html("a <b>\nc\n\nd"),
            "<p>a &lt;b&gt;<br />c</p><p>d</p>"
        );
        assert_eq!(super::text_to_html("  "), "");
    }
}
