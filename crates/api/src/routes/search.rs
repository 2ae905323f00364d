//! `GET /api/v2/search`: accounts by the start of their username or display
//! name, hashtags by the start of their name, and posts by their words, each
//! within what the caller may see. A URL of this server's (a profile, a
//! post, a hashtag) finds what it names; nothing is looked up on other
//! servers, so `resolve` is accepted and fetches nothing.

use axum::Json;
use axum::extract::State;
use lookbook_core::db::accounts::{self, Account};
use lookbook_core::db::search::{self, StatusSearch};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::PgPool;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::MaybeAuth;
use crate::entities;
use crate::error::{ApiError, ApiResult};
use crate::links;
use crate::params::{QueryParams, flex_bool, flex_i64, flex_string, truncate};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search))
}

/// Longest query accepted, in characters: room for a whole pasted caption.
const QUERY_MAX: usize = 1000;
/// Longest account or hashtag prefix worth looking up: no name is longer.
const PREFIX_MAX: usize = 100;

#[derive(Debug, Default, Deserialize)]
struct SearchParams {
    #[serde(default, deserialize_with = "flex_string")]
    q: Option<String>,
    #[serde(default, rename = "type", deserialize_with = "flex_string")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "flex_i64")]
    limit: Option<i64>,
    #[serde(default, deserialize_with = "flex_i64")]
    offset: Option<i64>,
    #[serde(default, deserialize_with = "flex_i64")]
    max_id: Option<i64>,
    #[serde(default, deserialize_with = "flex_i64")]
    min_id: Option<i64>,
    /// Only posts by this account.
    #[serde(default, deserialize_with = "flex_string")]
    account_id: Option<String>,
    /// Only accounts the caller follows.
    #[serde(default, deserialize_with = "flex_bool")]
    following: Option<bool>,
    /// Look up remote accounts and posts: refused without a user token, as
    /// Mastodon refuses it, and otherwise a no-op here.
    #[serde(default, deserialize_with = "flex_bool")]
    resolve: Option<bool>,
}

/// `account_id`: absent or empty is none; anything but an id is refused.
fn account_id(raw: Option<&str>) -> ApiResult<Option<i64>> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    match raw.parse::<i64>() {
        Ok(id) if id > 0 => Ok(Some(id)),
        _ => Err(ApiError::BadRequest(format!(
            "account_id is not an id: '{}'",
            truncate(raw)
        ))),
    }
}

/// Which of the three result lists to fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Kinds {
    accounts: bool,
    hashtags: bool,
    statuses: bool,
}

impl Kinds {
    /// `type`: absent (or empty) means all three.
    fn parse(raw: Option<&str>) -> ApiResult<Kinds> {
        let only = |accounts, hashtags, statuses| {
            Ok(Kinds {
                accounts,
                hashtags,
                statuses,
            })
        };
        match raw.map(str::trim).unwrap_or_default() {
            "" => only(true, true, true),
            "accounts" => only(true, false, false),
            "hashtags" => only(false, true, false),
            "statuses" => only(false, false, true),
            other => Err(ApiError::BadRequest(format!(
                "type must be accounts, hashtags or statuses, got '{}'",
                truncate(other)
            ))),
        }
    }
}

/// A search request with every parameter checked.
#[derive(Debug)]
struct Search {
    q: String,
    kinds: Kinds,
    limit: i64,
    offset: i64,
    following: bool,
    resolve: bool,
    author: Option<i64>,
    max_id: Option<i64>,
    min_id: Option<i64>,
}

impl Search {
    fn parse(p: SearchParams, page_default: i64, page_max: i64) -> ApiResult<Search> {
        let q = p.q.unwrap_or_default().trim().to_string();
        if q.is_empty() {
            return Err(ApiError::BadRequest("q is required".into()));
        }
        if q.chars().count() > QUERY_MAX {
            return Err(ApiError::Unprocessable(format!(
                "q is too long (maximum is {QUERY_MAX} characters)"
            )));
        }
        let limit = match p.limit {
            None => page_default,
            Some(n) if n >= 1 => n.min(page_max),
            Some(n) => {
                return Err(ApiError::BadRequest(format!(
                    "limit must be at least 1, got {n}"
                )));
            }
        };
        let offset = match p.offset {
            None => 0,
            Some(n) if n >= 0 => n,
            Some(n) => {
                return Err(ApiError::BadRequest(format!(
                    "offset must not be negative, got {n}"
                )));
            }
        };
        let author = account_id(p.account_id.as_deref())?;
        Ok(Search {
            q,
            kinds: Kinds::parse(p.kind.as_deref())?,
            limit,
            offset,
            following: p.following.unwrap_or(false),
            resolve: p.resolve.unwrap_or(false),
            author,
            max_id: p.max_id,
            min_id: p.min_id,
        })
    }

    /// The username or display-name prefix: `@` dropped, and `name@domain`
    /// read as `name` when the domain is ours (other servers' accounts are
    /// never here). None when no account could match.
    fn account_prefix(&self, domain: &str) -> Option<&str> {
        let q = self.q.trim_start_matches('@');
        let name = match q.split_once('@') {
            Some((name, host)) if host.eq_ignore_ascii_case(domain) => name,
            Some(_) => return None,
            None => q,
        };
        (!name.is_empty() && name.chars().count() <= PREFIX_MAX).then_some(name)
    }

    /// The hashtag prefix as names are stored (lowercase, without `#`);
    /// None when it holds a character no hashtag has.
    fn tag_prefix(&self) -> Option<String> {
        let name = self.q.trim_start_matches('#').to_lowercase();
        let valid = !name.is_empty()
            && name.chars().count() <= PREFIX_MAX
            && name.chars().all(|c| c.is_alphanumeric() || c == '_');
        valid.then_some(name)
    }
}

/// Accounts with the prefix, leaving out those the caller blocks or is
/// blocked by (as `GET /api/v1/accounts/search` does).
async fn find_accounts(
    state: &AppState,
    db: &PgPool,
    viewer: Option<i64>,
    search: &Search,
) -> ApiResult<Vec<Value>> {
    if !search.kinds.accounts {
        return Ok(Vec::new());
    }
    let Some(prefix) = search.account_prefix(&state.config.domain) else {
        return Ok(Vec::new());
    };
    // Nobody signed in follows nobody.
    let followed_by = match (search.following, viewer) {
        (false, _) => None,
        (true, Some(me)) => Some(me),
        (true, None) => return Ok(Vec::new()),
    };
    let found =
        accounts::search_prefix(db, prefix, search.limit, search.offset, followed_by).await?;
    let visible: Vec<Account> = match viewer {
        Some(me) => {
            let ids: Vec<i64> = found.iter().map(|a| a.id).collect();
            let blocked = super::follows::blocked_among(state, me, &ids).await?;
            found
                .into_iter()
                .filter(|a| !blocked.contains(&a.id))
                .collect()
        }
        None => found,
    };
    entities::accounts(state, &visible).await
}

/// Hashtags with the prefix, with `following` for a signed-in caller.
async fn find_hashtags(
    state: &AppState,
    db: &PgPool,
    viewer: Option<i64>,
    search: &Search,
) -> ApiResult<Vec<Value>> {
    if !search.kinds.hashtags {
        return Ok(Vec::new());
    }
    let Some(prefix) = search.tag_prefix() else {
        return Ok(Vec::new());
    };
    let hits = search::tags_by_prefix(db, &prefix, viewer, search.limit, search.offset).await?;
    let names: Vec<(String, Option<bool>)> = hits
        .iter()
        .map(|hit| (hit.name.clone(), viewer.map(|_| hit.following)))
        .collect();
    let tags = crate::entities::tag::hydrate(state, &names).await?;
    Ok(tags
        .into_iter()
        .filter_map(|tag| serde_json::to_value(tag).ok())
        .collect())
}

/// Posts with the words that a signed-in caller may see; like Mastodon,
/// nobody signed in gets none.
async fn find_statuses(
    state: &AppState,
    db: &PgPool,
    viewer: Option<i64>,
    search: &Search,
) -> ApiResult<Vec<Value>> {
    let Some(me) = viewer.filter(|_| search.kinds.statuses) else {
        return Ok(Vec::new());
    };
    // Without a letter or digit the query has no words to look for.
    if !search.q.chars().any(char::is_alphanumeric) {
        return Ok(Vec::new());
    }
    let query = StatusSearch {
        words: &search.q,
        viewer: me,
        author: search.author,
        max_id: search.max_id,
        min_id: search.min_id,
        limit: search.limit,
        offset: search.offset,
    };
    let ids = search::statuses(db, &query).await?;
    crate::statuses::render(state, viewer, &ids).await
}

/// Accounts, hashtags and posts matching `q`. Without a user token, posts
/// are not searched and `offset` and `resolve` are refused with 401.
#[utoipa::path(get, path = "/api/v2/search", tag = "search",
    params(
        ("q" = String, Query, description = "What to look for: the start of a username, display name or hashtag, or words of a post", min_length = 1),
        ("type" = Option<String>, Query, description = "Only `accounts`, `hashtags` or `statuses`", pattern = "^(accounts|hashtags|statuses)?$"),
        ("limit" = Option<i64>, Query, description = "Results per type: 20 by default, 40 at most"),
        ("offset" = Option<i64>, Query, description = "Results to skip in each type (needs a user token)"),
        ("following" = Option<bool>, Query, description = "Only accounts the caller follows"),
        ("account_id" = Option<String>, Query, description = "Only posts by this account"),
        ("max_id" = Option<String>, Query, description = "Only posts older than this id"),
        ("min_id" = Option<String>, Query, description = "Only posts newer than this id"),
        ("resolve" = Option<bool>, Query, description = "Accepted; nothing is fetched from other servers"),
        ("exclude_unreviewed" = Option<bool>, Query, description = "Accepted; hashtags are not reviewed here"),
    ),
    responses(
        (status = 200, description = "A Search: accounts, statuses and hashtags"),
        (status = 400, description = "q missing, or a bad type, limit, offset or account_id"),
        (status = 401, description = "offset or resolve without a user token"),
    ))]
async fn search(
    State(state): State<AppState>,
    auth: MaybeAuth,
    QueryParams(p): QueryParams<SearchParams>,
) -> ApiResult<Json<Value>> {
    auth.require_if_present("read:search")?;
    let limits = &state.config.limits;
    let search = Search::parse(p, limits.page_default.into(), limits.page_max.into())?;
    let viewer = auth.viewer();
    if viewer.is_none() && (search.offset > 0 || search.resolve) {
        return Err(ApiError::Unauthorized(
            "offset and resolve need a signed-in user's token".into(),
        ));
    }
    // A URL of ours (a shared link pasted back) finds what it names.
    if let Some(target) = links::parse(&state.config.domain, &search.q) {
        let kinds = &search.kinds;
        let wanted = (kinds.accounts, kinds.statuses, kinds.hashtags);
        let (accounts, statuses, hashtags) = links::resolve(&state, viewer, target, wanted).await?;
        return Ok(Json(json!({
            "accounts": accounts,
            "statuses": statuses,
            "hashtags": hashtags,
        })));
    }
    let db = state.reader(viewer).await;
    let (accounts, statuses, hashtags) = tokio::try_join!(
        find_accounts(&state, db, viewer, &search),
        find_statuses(&state, db, viewer, &search),
        find_hashtags(&state, db, viewer, &search),
    )?;
    Ok(Json(json!({
        "accounts": accounts,
        "statuses": statuses,
        "hashtags": hashtags,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &str) -> Search {
        let p = SearchParams {
            q: Some(q.into()),
            ..SearchParams::default()
        };
        Search::parse(p, 20, 40).unwrap()
    }

    /// `@name@our.domain` is a local name; another domain's accounts are never here.
    #[test]
    fn account_prefixes_drop_at_and_our_domain() {
        assert_eq!(parse("@ann").account_prefix("look.example"), Some("ann"));
        assert_eq!(
            parse("ann@Look.Example").account_prefix("look.example"),
            Some("ann")
        );
        assert_eq!(
            parse("ann@elsewhere.example").account_prefix("look.example"),
            None
        );
        assert_eq!(parse("@").account_prefix("look.example"), None);
    }

    /// Hashtag prefixes are stored names: lowercase, no `#`, no spaces.
    #[test]
    fn tag_prefixes_are_stored_names() {
        assert_eq!(
            parse("#StreetWear").tag_prefix().as_deref(),
            Some("streetwear")
        );
        assert_eq!(parse("red dress").tag_prefix(), None);
        assert_eq!(parse("#").tag_prefix(), None);
    }

    /// Unknown types are refused; none means all three.
    #[test]
    fn types_are_checked() {
        assert!(Kinds::parse(Some("people")).is_err());
        assert_eq!(
            Kinds::parse(None).unwrap(),
            Kinds {
                accounts: true,
                hashtags: true,
                statuses: true
            }
        );
        assert!(!Kinds::parse(Some("statuses")).unwrap().accounts);
    }
}
