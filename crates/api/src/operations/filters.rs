//! Changing a member's filters: the checks every form shares (v1 and v2),
//! each change in one transaction, and dropping the member's kept filters
//! once it committed, so their next read applies the new ones.

use chrono::{DateTime, Duration, Utc};
use lookbook_core::db::filters::{self, Changes, MAX_PARTS, MAX_PER_ACCOUNT, Refusal};
use serde_json::Value;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::filtering::{self, CONTEXTS};
use crate::params::{self, truthy};

/// Longest title kept.
const TITLE_MAX: usize = 256;

/// Longest keyword kept.
const KEYWORD_MAX: usize = 512;

/// Longest time a filter may be set to last (ten years).
const EXPIRY_MAX_SECS: i64 = 10 * 365 * 86_400;

const ACTIONS: &[&str] = &["warn", "hide", "blur"];

/// A filter's settings as asked for, checked.
#[derive(Debug, Default)]
pub struct Settings {
    pub title: Option<String>,
    pub context: Option<Vec<String>>,
    pub action: Option<&'static str>,
    /// Some(None): no expiry.
    pub expires_at: Option<Option<DateTime<Utc>>>,
}

impl Settings {
    /// Checks the raw fields; `creating` needs a title and a context.
    pub fn read(
        title: Option<&str>,
        context: Option<&[String]>,
        action: Option<&str>,
        expires_in: Option<&Value>,
        creating: bool,
    ) -> ApiResult<Settings> {
        let title = title.map(str::trim);
        if creating && title.is_none_or(str::is_empty) || title.is_some_and(str::is_empty) {
            return Err(invalid("Title can't be blank"));
        }
        if title.is_some_and(|t| t.chars().count() > TITLE_MAX) {
            return Err(invalid(&format!(
                "Title is too long (at most {TITLE_MAX} characters)"
            )));
        }
        let context = match context {
            Some(names) => {
                let mut kept: Vec<String> = Vec::new();
                for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
                    if !CONTEXTS.contains(&name) {
                        return Err(invalid(&format!(
                            "context must be among {}, not '{}'",
                            CONTEXTS.join(", "),
                            params::truncate(name)
                        )));
                    }
                    if !kept.iter().any(|k| k == name) {
                        kept.push(name.to_string());
                    }
                }
                Some(kept)
            }
            None => None,
        };
        if (creating || context.is_some()) && context.as_ref().is_none_or(Vec::is_empty) {
            return Err(invalid("Context can't be blank"));
        }
        let action = match action.map(str::trim).filter(|a| !a.is_empty()) {
            Some(a) => Some(*ACTIONS.iter().find(|known| **known == a).ok_or_else(|| {
                invalid(&format!(
                    "filter_action must be one of {}",
                    ACTIONS.join(", ")
                ))
            })?),
            None => None,
        };
        Ok(Settings {
            title: title.map(str::to_string),
            context,
            action,
            expires_at: expiry(expires_in)?,
        })
    }

    fn changes(&self) -> Changes<'_> {
        Changes {
            title: self.title.as_deref(),
            context: self.context.as_deref(),
            action: self.action,
            expires_at: self.expires_at,
        }
    }
}

/// `expires_in` (seconds from now): absent leaves the expiry alone, empty
/// removes it.
fn expiry(raw: Option<&Value>) -> ApiResult<Option<Option<DateTime<Utc>>>> {
    let secs = match raw {
        None => return Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(Some(None)),
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        Some(_) => None,
    };
    match secs {
        Some(secs) if secs >= 1.0 && secs <= EXPIRY_MAX_SECS as f64 => {
            Ok(Some(Some(Utc::now() + Duration::seconds(secs as i64))))
        }
        _ => Err(invalid(&format!(
            "expires_in must be a number of seconds from 1 to {EXPIRY_MAX_SECS}, or empty for never"
        ))),
    }
}

/// A keyword, checked.
pub fn keyword(raw: Option<&str>) -> ApiResult<String> {
    let keyword = raw.map(str::trim).unwrap_or_default();
    if keyword.is_empty() {
        return Err(invalid("Keyword can't be blank"));
    }
    if keyword.chars().count() > KEYWORD_MAX {
        return Err(invalid(&format!(
            "Keyword is too long (at most {KEYWORD_MAX} characters)"
        )));
    }
    Ok(keyword.to_string())
}

/// One entry of `keywords_attributes`: a new keyword, a change of one
/// (with `id`), or its removal (`_destroy`).
#[derive(Debug)]
pub struct KeywordChange {
    pub id: Option<i64>,
    pub keyword: Option<String>,
    pub whole_word: Option<bool>,
    pub destroy: bool,
}

/// Reads `keywords_attributes`.
pub fn keyword_changes(attributes: Option<&Value>) -> ApiResult<Vec<KeywordChange>> {
    let Some(attributes) = attributes else {
        return Ok(Vec::new());
    };
    let mut changes = Vec::new();
    for entry in params::entries(attributes, "keywords_attributes")? {
        let text = match &entry["keyword"] {
            Value::Null => None,
            Value::String(s) => Some(s.as_str()),
            _ => return Err(invalid("a keyword must be text")),
        };
        // Ids are strings of digits, as the API writes them; empty is none.
        let id = match &entry["id"] {
            Value::Null => None,
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(
                s.parse::<i64>()
                    .ok()
                    .filter(|id| *id > 0 && s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit()))
                    .ok_or_else(|| invalid("a keyword's id must be an id"))?,
            ),
            _ => return Err(invalid("a keyword's id must be an id, as a string")),
        };
        let destroy = truthy(&entry["_destroy"]).unwrap_or(false);
        let keyword = match (id, text) {
            (None, _) if !destroy => Some(keyword(text)?),
            (Some(_), Some(t)) if !destroy => Some(keyword(Some(t))?),
            _ => None,
        };
        changes.push(KeywordChange {
            id,
            keyword,
            whole_word: truthy(&entry["whole_word"]),
            destroy,
        });
    }
    Ok(changes)
}

fn invalid(why: &str) -> ApiError {
    ApiError::Unprocessable(format!("Validation failed: {why}"))
}

/// A refused change as the client sees it.
pub fn refused(refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::NotFound => ApiError::NotFound,
        Refusal::Full => invalid(&format!(
            "a member has at most {MAX_PER_ACCOUNT} filters, each with at most {MAX_PARTS} keywords and {MAX_PARTS} posts"
        )),
    }
}

/// The member's filter `id`, or 404.
pub async fn owned(state: &AppState, me: i64, id: i64) -> ApiResult<filters::Filter> {
    filters::get(&state.db.primary, me, id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Makes a filter with its keywords (an entry naming a keyword by id has
/// nothing to change yet and is a 422).
pub async fn create(
    state: &AppState,
    me: i64,
    settings: &Settings,
    keywords: &[KeywordChange],
) -> ApiResult<filters::Filter> {
    if keywords.iter().any(|k| k.id.is_some()) {
        return Err(invalid(
            "a new filter's keywords_attributes cannot name keywords by id",
        ));
    }
    let new: Vec<(String, bool)> = keywords
        .iter()
        .filter(|k| !k.destroy)
        .filter_map(|k| Some((k.keyword.clone()?, k.whole_word.unwrap_or(true))))
        .collect();
    let mut tx = state.begin().await?;
    let id = filters::create(&mut tx, me, &settings.changes(), &new)
        .await?
        .map_err(refused)?;
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    filtering::forget(state, me).await;
    owned(state, me, id).await
}

/// Changes a filter and its keywords in one transaction.
pub async fn update(
    state: &AppState,
    me: i64,
    id: i64,
    settings: &Settings,
    keywords: &[KeywordChange],
) -> ApiResult<filters::Filter> {
    let mut tx = state.begin().await?;
    if !filters::update(&mut tx, me, id, &settings.changes()).await? {
        return Err(ApiError::NotFound);
    }
    for change in keywords {
        let Some(keyword) = change.id else {
            if !change.destroy {
                let text = change.keyword.as_deref().unwrap_or_default();
                let whole = change.whole_word.unwrap_or(true);
                filters::add_keyword(&mut tx, me, id, text, whole)
                    .await?
                    .map_err(refused)?;
            }
            continue;
        };
        // A keyword of another filter (or member) is not this filter's: the
        // filter exists, the body names something it does not hold.
        filters::keyword(&mut *tx, me, keyword)
            .await?
            .filter(|k| k.filter_id == id)
            .ok_or_else(|| {
                ApiError::Unprocessable(format!(
                    "Validation failed: keyword {keyword} is not one of this filter's keywords"
                ))
            })?;
        if change.destroy {
            filters::delete_keyword(&mut *tx, me, keyword).await?;
        } else {
            let text = change.keyword.as_deref();
            filters::update_keyword(&mut *tx, me, keyword, text, change.whole_word).await?;
        }
    }
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    filtering::forget(state, me).await;
    owned(state, me, id).await
}
