//! Writing posts: `POST /api/v1/statuses` (text with hashtags and mentions,
//! photos, replies as comments, visibility, `Idempotency-Key`); the form is
//! shared with editing ([`super::status_edit`]).

use std::collections::HashSet;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use lookbook_core::db::polls::NewPoll;
use lookbook_core::db::scheduled_statuses::{self as scheduling, PollParams};
use lookbook_core::db::statuses::{self, NewStatus};
use lookbook_core::db::{accounts, ids, reblogs};
use lookbook_core::posting::{self, Draft};
use lookbook_core::stream;
use lookbook_core::text::{self, Span};
use serde::Deserialize;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::accounts::parse_id;
use super::scheduled_statuses;
use crate::AppState;
use crate::auth::Auth;
use crate::counts;
use crate::error::{ApiError, ApiResult};
use crate::params::{Params, flex_bool, flex_list, flex_string, positional, truthy};
use crate::statuses::render;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create))
}

const VISIBILITIES: &[&str] = &["public", "unlisted", "private", "direct"];

/// What a link counts against the text limit.
const URL_LENGTH: usize = 23;

/// Longest `Idempotency-Key` kept.
const KEY_MAX: usize = 256;

/// The body of `POST /api/v1/statuses` and `PUT /api/v1/statuses/:id` (a
/// form or JSON).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = StatusForm)]
pub(super) struct Compose {
    /// The text, with #hashtags, @mentions and links; it and `spoiler_text`
    /// together fit the instance's character limit. Needed unless there are photos.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    status: Option<String>,
    /// The author's processed uploads, in order (`media_ids[]` in a form).
    #[schema(value_type = Option<Vec<String>>)]
    #[serde(default, deserialize_with = "flex_list")]
    pub(super) media_ids: Option<Vec<String>>,
    /// The post this one comments on.
    #[schema(value_type = Option<String>, pattern = "^[0-9]{0,18}$")]
    #[serde(default, deserialize_with = "flex_string")]
    in_reply_to_id: Option<String>,
    /// Whether the photos are hidden behind a warning; a boolean read as Mastodon reads it.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_bool")]
    pub(super) sensitive: Option<bool>,
    /// A content warning shown before the text.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    spoiler_text: Option<String>,
    /// Who may see it (the member's default when absent).
    #[schema(value_type = Option<String>, pattern = "^(public|unlisted|private|direct)?$")]
    #[serde(default, deserialize_with = "flex_string")]
    visibility: Option<String>,
    /// ISO 639-1 code of the text's language.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    language: Option<String>,
    /// A poll: `poll[options][]` (the choices), `poll[expires_in]` (seconds),
    /// `poll[multiple]` (several choices per voter) and `poll[hide_totals]`
    /// (counts hidden until it ends). An edit may repeat the poll but not
    /// change its choices.
    #[schema(value_type = Option<Object>)]
    #[serde(default)]
    pub(super) poll: Option<Value>,
    /// When to publish it (ISO 8601, at least five minutes ahead): the
    /// answer is then a ScheduledStatus, published by the worker at that time.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(default, deserialize_with = "flex_string")]
    scheduled_at: Option<String>,
    /// On an edit: new descriptions and focal points of the photos, by id.
    #[schema(value_type = Option<Object>)]
    #[serde(default)]
    pub(super) media_attributes: Option<Value>,
}

/// A poll as asked for, checked.
#[derive(Debug)]
pub(super) struct PollInput {
    pub(super) options: Vec<String>,
    pub(super) multiple: bool,
    pub(super) hide_totals: bool,
    pub(super) expires_in: i64,
}

impl Compose {
    /// The text and content warning, within the length limit.
    pub(super) fn texts(&self, state: &AppState) -> ApiResult<(String, String)> {
        let text = self.status.clone().unwrap_or_default();
        let spoiler = self.spoiler_text.clone().unwrap_or_default();
        let max = state.config.limits.status_chars as usize;
        if counted_length(&text) + spoiler.chars().count() > max {
            return Err(ApiError::Unprocessable(format!(
                "Validation failed: Text character limit of {max} exceeded"
            )));
        }
        Ok((text, spoiler))
    }

    /// The poll asked for, checked against the instance's limits.
    pub(super) fn poll(&self, state: &AppState) -> ApiResult<Option<PollInput>> {
        let Some(raw) = self.poll.as_ref().filter(|p| !p.is_null()) else {
            return Ok(None);
        };
        let invalid = |why: String| ApiError::Unprocessable(format!("Validation failed: {why}"));
        let limits = &state.config.limits;
        let options: Vec<String> = positional(&raw["options"], "poll options")?
            .ok_or_else(|| invalid("a poll needs options".into()))?
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.trim().to_string()),
                Value::Number(n) => Ok(n.to_string()),
                _ => Err(invalid("poll options must be text".into())),
            })
            .collect::<ApiResult<_>>()?;
        let most = limits.poll_options as usize;
        if options.len() < 2 || options.len() > most {
            return Err(invalid(format!("a poll has 2 to {most} options")));
        }
        let longest = limits.poll_option_chars as usize;
        if options
            .iter()
            .any(|o| o.is_empty() || o.chars().count() > longest)
        {
            return Err(invalid(format!(
                "each poll option holds 1 to {longest} characters"
            )));
        }
        if options.iter().collect::<HashSet<_>>().len() < options.len() {
            return Err(invalid("poll options must differ".into()));
        }
        let (min, max) = (limits.poll_min_secs, limits.poll_max_secs);
        let expires_in = match &raw["expires_in"] {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        }
        .filter(|secs| *secs >= f64::from(min) && *secs <= f64::from(max))
        .ok_or_else(|| {
            invalid(format!(
                "poll[expires_in] must be from {min} to {max} seconds"
            ))
        })?;
        Ok(Some(PollInput {
            options,
            multiple: truthy(&raw["multiple"]).unwrap_or(false),
            hide_totals: truthy(&raw["hide_totals"]).unwrap_or(false),
            expires_in: expires_in as i64,
        }))
    }

    /// The photo ids, distinct and within the limit.
    pub(super) fn media(&self, state: &AppState) -> ApiResult<Vec<i64>> {
        let raw = self.media_ids.clone().unwrap_or_default();
        let max = state.config.limits.media_per_status as usize;
        if raw.len() > max {
            return Err(ApiError::Unprocessable(format!(
                "Validation failed: at most {max} photos a post"
            )));
        }
        let mut seen = HashSet::new();
        raw.iter()
            .map(|id| {
                let id = id.trim().parse::<i64>().ok().filter(|id| *id > 0);
                match id {
                    Some(id) if seen.insert(id) => Ok(id),
                    Some(_) => Err(ApiError::Unprocessable(
                        "Validation failed: a photo is listed twice".into(),
                    )),
                    None => Err(ApiError::Unprocessable(
                        "Validation failed: media_ids must be media ids".into(),
                    )),
                }
            })
            .collect()
    }

    /// When to publish the post, if later than now.
    fn scheduled_at(&self, state: &AppState) -> ApiResult<Option<DateTime<Utc>>> {
        match self
            .scheduled_at
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(raw) => scheduled_statuses::when(state, raw).map(Some),
            None => Ok(None),
        }
    }

    /// The language as an ISO 639 code, with an optional region (`pt-BR`).
    pub(super) fn language(&self) -> ApiResult<Option<String>> {
        let Some(code) = self
            .language
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        else {
            return Ok(None);
        };
        let (base, region) = code.split_once(['-', '_']).unwrap_or((code, ""));
        let base_ok =
            (2..=3).contains(&base.len()) && base.chars().all(|c| c.is_ascii_alphabetic());
        let region_ok = region.is_empty()
            || ((2..=8).contains(&region.len())
                && region.chars().all(|c| c.is_ascii_alphanumeric()));
        if !(base_ok && region_ok) {
            return Err(ApiError::Unprocessable(
                "Validation failed: language must be an ISO 639 code such as \"en\" or \"pt-BR\""
                    .into(),
            ));
        }
        let base = base.to_ascii_lowercase();
        Ok(Some(if region.is_empty() {
            base
        } else {
            format!("{base}-{}", region.to_ascii_uppercase())
        }))
    }
}

/// Characters a text counts against the limit: every link counts as
/// [`URL_LENGTH`], as `/api/v2/instance` announces.
fn counted_length(text: &str) -> usize {
    text::spans(text)
        .iter()
        .map(|span| match span {
            Span::Link(_) => URL_LENGTH,
            Span::Plain(t) => t.chars().count(),
            Span::Hashtag(t) | Span::Mention(t) => 1 + t.chars().count(),
        })
        .sum()
}

/// Posts a status.
#[utoipa::path(post, path = "/api/v1/statuses", tag = "statuses",
    request_body(content = Compose, content_type = "application/x-www-form-urlencoded"),
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key returns the first post")),
    responses((status = 200, description = "The Status, or the ScheduledStatus when `scheduled_at` is given"), (status = 404, description = "in_reply_to_id names no post the caller may see"),
              (status = 422, description = "Invalid post, with the reason")))]
async fn create(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Params(p): Params<Compose>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:statuses")?;
    let key = match headers.get("idempotency-key") {
        Some(value) => {
            let key = value.to_str().ok().map(str::trim).filter(|k| {
                !k.is_empty() && k.len() <= KEY_MAX && k.chars().all(|c| !c.is_control())
            });
            Some(key.ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "Idempotency-Key must be 1 to {KEY_MAX} printable characters"
                ))
            })?)
        }
        None => None,
    };
    let (text, spoiler) = p.texts(&state)?;
    let media_ids = p.media(&state)?;
    let poll = p.poll(&state)?;
    if text.trim().is_empty() && media_ids.is_empty() {
        return Err(ApiError::Unprocessable(
            "Validation failed: Text can't be blank".into(),
        ));
    }
    let language = p.language()?;
    let author = accounts::by_id(&state.db.primary, me)
        .await?
        .ok_or(ApiError::NotFound)?;
    let visibility = p.visibility.clone().unwrap_or(author.privacy);
    if !VISIBILITIES.contains(&visibility.as_str()) {
        return Err(ApiError::Unprocessable(format!(
            "Validation failed: visibility must be one of {}",
            VISIBILITIES.join(", ")
        )));
    }
    let in_reply_to = match p.in_reply_to_id.as_deref().filter(|s| !s.is_empty()) {
        Some(raw) => {
            // A comment on a boost answers the post it shares.
            let parent = reblogs::target(&state.db.primary, parse_id(raw)?, Some(me))
                .await?
                .ok_or(ApiError::NotFound)?;
            Some((parent.id, parent.account_id))
        }
        None => None,
    };

    // A content warning hides the photos too, as in Mastodon.
    let sensitive = p.sensitive.unwrap_or(false)
        || !spoiler.is_empty()
        || (author.sensitive && !media_ids.is_empty());
    if let Some(at) = p.scheduled_at(&state)? {
        let params = scheduling::Params {
            text,
            spoiler_text: spoiler,
            sensitive,
            visibility,
            language,
            in_reply_to_id: in_reply_to.map(|(parent, _)| parent),
            media_ids,
            poll: poll.map(|p| PollParams {
                options: p.options,
                expires_in: p.expires_in,
                multiple: p.multiple,
                hide_totals: p.hide_totals,
            }),
            application_id: Some(auth.grant.app_id),
        };
        return scheduled_statuses::schedule(&state, me, at, &params, key)
            .await
            .map(Json);
    }

    let id = ids::next(&state.db.primary).await?;
    let mut tx = state.begin().await?;
    if let Some(key) = key
        && let Some(earlier) = statuses::claim_idempotency_key(&mut tx, me, key, id).await?
    {
        tx.rollback().await.map_err(lookbook_core::Error::from)?;
        let mut found = render(&state, Some(me), &[earlier]).await?;
        return found.pop().map(Json).ok_or(ApiError::NotFound);
    }
    let draft = Draft {
        status: NewStatus {
            id,
            account_id: me,
            text: &text,
            spoiler_text: &spoiler,
            sensitive,
            visibility: &visibility,
            language: language.as_deref(),
            in_reply_to,
            application_id: Some(auth.grant.app_id),
        },
        media_ids: &media_ids,
        poll: poll.as_ref().map(|poll| NewPoll {
            options: &poll.options,
            multiple: poll.multiple,
            hide_totals: poll.hide_totals,
            expires_at: Utc::now() + chrono::Duration::seconds(poll.expires_in),
        }),
    };
    let published = posting::publish(&mut tx, &draft).await?;
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    stream::notified(&state.kv, &published.notified).await;
    counts::forget_accounts(&state, &[me]).await;
    if let Some(parent) = published.parent {
        counts::forget_statuses(&state, &[parent]).await;
    }
    let mut posted = render(&state, Some(me), &[id]).await?;
    posted.pop().map(Json).ok_or(ApiError::NotFound)
}
