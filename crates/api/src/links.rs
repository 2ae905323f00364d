//! The public URLs entities announce, read back: which account, post or
//! hashtag a URL of this server names (`/@name`, `/@name@domain`,
//! `/users/name`, `/@name/ID`, `/users/name/statuses/ID`, `/tags/name`),
//! over http or https, so a shared link can be pasted back into an app.

use lookbook_core::db::{accounts, relationships, statuses, tags};
use serde_json::Value;

use crate::AppState;
use crate::entities::{self, tag};
use crate::error::ApiResult;
use crate::statuses::render;

/// What a URL of ours names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Account(String),
    Status { username: String, id: i64 },
    Tag(String),
}

/// What `q` names, when it is a URL of this server (`domain`, with its
/// port if any); None for anything else.
pub fn parse(domain: &str, q: &str) -> Option<Target> {
    let q = q.trim();
    let lower = q.to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &q[8..]
    } else if lower.starts_with("http://") {
        &q[7..]
    } else {
        return None;
    };
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    if !host.eq_ignore_ascii_case(domain) {
        return None;
    }
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let username = |name: &str| -> Option<String> {
        let name = match name.split_once('@') {
            Some((name, host)) if host.eq_ignore_ascii_case(domain) => name,
            Some(_) => return None,
            None => name,
        };
        let valid = !name.is_empty()
            && name.len() <= 64
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        valid.then(|| name.to_string())
    };
    let id = |raw: &str| raw.parse::<i64>().ok().filter(|id| *id > 0);
    match parts.as_slice() {
        [at] if at.starts_with('@') => username(&at[1..]).map(Target::Account),
        [at, status] if at.starts_with('@') => Some(Target::Status {
            username: username(&at[1..])?,
            id: id(status)?,
        }),
        ["users", name] => username(name).map(Target::Account),
        ["users", name, "statuses", status] => Some(Target::Status {
            username: username(name)?,
            id: id(status)?,
        }),
        ["tags", name] => {
            let name = name.to_lowercase();
            let valid = !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_');
            valid.then_some(Target::Tag(name))
        }
        _ => None,
    }
}

/// What a search for `target` finds for `viewer`, as (accounts, posts,
/// hashtags), each only if asked for (`kinds`) and the viewer may see it:
/// no account across a block, no post they may not read, no hashtag only
/// used where they cannot look.
pub async fn resolve(
    state: &AppState,
    viewer: Option<i64>,
    target: Target,
    (want_accounts, want_statuses, want_hashtags): (bool, bool, bool),
) -> ApiResult<(Vec<Value>, Vec<Value>, Vec<Value>)> {
    let db = state.reader(viewer).await;
    let mut found = (Vec::new(), Vec::new(), Vec::new());
    match target {
        Target::Account(name) if want_accounts => {
            if let Some(account) = accounts::by_username(db, &name).await? {
                let blocked = match viewer {
                    Some(me) => relationships::relationships(db, me, &[account.id])
                        .await?
                        .iter()
                        .any(|r| r.blocking || r.blocked_by),
                    None => false,
                };
                if !blocked {
                    found.0 = entities::accounts(state, &[account]).await?;
                }
            }
        }
        Target::Status { id, .. } if want_statuses => {
            let visible = statuses::visible(db, id, viewer).await?.is_some();
            if visible {
                found.1 = render(state, viewer, &[id]).await?;
            }
        }
        Target::Tag(name) if want_hashtags => {
            let shown = tags::shown_id(db, &name, viewer).await?.is_some();
            if shown {
                let following = match viewer {
                    Some(me) => Some(tags::follows(db, me, &name).await?),
                    None => None,
                };
                let shown = tag::hydrate(state, &[(name, following)]).await?;
                found.2 = shown
                    .into_iter()
                    .filter_map(|t| serde_json::to_value(t).ok())
                    .collect();
            }
        }
        _ => {}
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::{Target, parse};

    /// Profile, post and hashtag URLs of this server, in their several forms.
    #[test]
    fn our_urls_name_what_they_show() {
        let d = "look.example";
        let ann = || Some(Target::Account("ann".into()));
        assert_eq!(parse(d, "https://look.example/@ann"), ann());
        assert_eq!(parse(d, "http://LOOK.example/@ann/"), ann());
        assert_eq!(parse(d, "https://look.example/@ann@look.example"), ann());
        assert_eq!(parse(d, "https://look.example/users/ann?x=1"), ann());
        let post = Some(Target::Status {
            username: "ann".into(),
            id: 42,
        });
        assert_eq!(parse(d, "https://look.example/@ann/42"), post);
        assert_eq!(
            parse(d, "https://look.example/users/ann/statuses/42#top"),
            post
        );
        assert_eq!(
            parse(d, "https://look.example/tags/OOTD"),
            Some(Target::Tag("ootd".into()))
        );
    }

    /// Other servers, other paths and malformed names name nothing.
    #[test]
    fn anything_else_names_nothing() {
        let d = "look.example:8080";
        for q in [
            "https://look.example/@ann",
            "https://elsewhere.example:8080/@ann",
            "https://look.example:8080/@ann@elsewhere.example",
            "https://look.example:8080/@ann/notanumber",
            "https://look.example:8080/@",
            "https://look.example:8080/api/v1/instance",
            "look.example:8080/@ann",
            "ann",
        ] {
            assert_eq!(parse(d, q), None, "{q}");
        }
        assert!(parse(d, "https://look.example:8080/@ann").is_some());
    }
}
