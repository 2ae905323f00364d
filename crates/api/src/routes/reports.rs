//! Reporting an account (and some of its posts) to the moderators:
//! `POST /api/v1/reports`.

use axum::Json;
use axum::extract::State;
use lookbook_core::db::reports::{self, NewReport};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::accounts::{load, parse_id};
use crate::AppState;
use crate::auth::Auth;
use crate::entities::time;
use crate::error::{ApiError, ApiResult};
use crate::params::{Params, flex_bool, flex_list, flex_string};
use crate::statuses::authors;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(report))
}

const CATEGORIES: &[&str] = &["spam", "legal", "violation", "other"];

/// Longest comment kept.
const COMMENT_MAX: usize = 1000;

/// Posts one report may name.
const STATUSES_MAX: usize = 100;

/// The body of `POST /api/v1/reports` (a form or JSON).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(as = ReportForm)]
struct ReportParams {
    /// The account reported.
    #[schema(required = true, value_type = String, pattern = "^[0-9]{1,18}$")]
    #[serde(default, deserialize_with = "flex_string")]
    account_id: Option<String>,
    /// Posts of that account the report is about (`status_ids[]` in a form).
    #[schema(value_type = Option<Vec<String>>)]
    #[serde(default, deserialize_with = "flex_list")]
    status_ids: Option<Vec<String>>,
    /// Why, in the reporter's words (at most 1,000 characters).
    #[schema(value_type = String, required = false, max_length = 1000)]
    #[serde(default, deserialize_with = "flex_string")]
    comment: Option<String>,
    /// Whether to forward the report to the account's server (every account
    /// here is local, so this is only recorded); a boolean read as Mastodon
    /// reads it.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_bool")]
    forward: Option<bool>,
    /// `spam`, `legal`, `violation` or `other` (the default).
    #[schema(value_type = String, required = false, pattern = "^(spam|legal|violation|other)?$")]
    #[serde(default, deserialize_with = "flex_string")]
    category: Option<String>,
    /// Rules broken; this server has none, so none may be named.
    #[schema(value_type = Option<Vec<String>>, max_items = 0)]
    #[serde(default, deserialize_with = "flex_list")]
    rule_ids: Option<Vec<String>>,
}

/// A report, as Mastodon shows it to its reporter.
#[derive(Debug, Serialize, ToSchema)]
pub struct Report {
    pub id: String,
    /// Whether a moderator acted on it yet.
    pub action_taken: bool,
    pub action_taken_at: Option<String>,
    pub category: String,
    pub comment: String,
    pub forwarded: bool,
    pub created_at: String,
    pub status_ids: Option<Vec<String>>,
    pub rule_ids: Option<Vec<String>>,
    /// The account reported.
    #[schema(value_type = Object)]
    pub target_account: Value,
}

/// Reports an account, and possibly some of its posts, to the moderators.
#[utoipa::path(post, path = "/api/v1/reports", tag = "accounts",
    request_body(content = ReportParams, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The Report", body = Report),
              (status = 404, description = "No such account, or a post that is not its"),
              (status = 422, description = "No account named, oneself, an unknown category, a rule, or too long a comment")))]
async fn report(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<ReportParams>,
) -> ApiResult<Json<Report>> {
    let me = auth.user_with("write:reports")?;
    let Some(raw) = p.account_id.as_deref().filter(|s| !s.is_empty()) else {
        return Err(ApiError::Unprocessable(
            "Validation failed: account_id can't be blank".into(),
        ));
    };
    let target = load(&state, parse_id(raw)?).await?;
    if target.id == me {
        return Err(ApiError::Unprocessable(
            "Validation failed: you cannot report yourself".into(),
        ));
    }
    let comment = p.comment.unwrap_or_default();
    if comment.chars().count() > COMMENT_MAX {
        return Err(ApiError::Unprocessable(format!(
            "Validation failed: the comment holds at most {COMMENT_MAX} characters"
        )));
    }
    let category = p
        .category
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "other".to_string());
    if !CATEGORIES.contains(&category.as_str()) {
        return Err(ApiError::Unprocessable(format!(
            "Validation failed: category must be one of {}",
            CATEGORIES.join(", ")
        )));
    }
    if p.rule_ids.as_ref().is_some_and(|r| !r.is_empty()) {
        return Err(ApiError::Unprocessable(
            "Validation failed: this server has no rules to name".into(),
        ));
    }
    let raw_ids = p.status_ids.unwrap_or_default();
    if raw_ids.len() > STATUSES_MAX {
        return Err(ApiError::Unprocessable(format!(
            "Validation failed: at most {STATUSES_MAX} posts in a report"
        )));
    }
    let mut asked = Vec::with_capacity(raw_ids.len());
    for raw in &raw_ids {
        asked.push(parse_id(raw.trim())?);
    }
    asked.sort_unstable();
    asked.dedup();
    // Each post must be the account's (also when the reporter has blocked
    // them since, as people do before reporting).
    let db = &state.db.primary;
    let seen = reports::posts_of(db, target.id, &asked).await?;
    if seen.len() < asked.len() {
        return Err(ApiError::NotFound);
    }
    let new = NewReport {
        account_id: me,
        target_account_id: target.id,
        status_ids: &seen,
        comment: &comment,
        category: &category,
        forward: p.forward.unwrap_or(false),
    };
    let stored = reports::insert(db, &new).await?;
    let target_account = authors(&state, &[target.id])
        .await?
        .remove(&target.id)
        .ok_or(ApiError::NotFound)?;
    Ok(Json(Report {
        id: stored.id.to_string(),
        action_taken: false,
        action_taken_at: None,
        category: stored.category,
        comment: stored.comment,
        forwarded: stored.forward,
        created_at: time(stored.created_at),
        status_ids: Some(stored.status_ids.iter().map(i64::to_string).collect()),
        rule_ids: None,
        target_account,
    }))
}
