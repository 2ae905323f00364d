//! The older filters API, where each phrase is a filter:
//! `GET|POST /api/v1/filters` and `GET|PUT|DELETE /api/v1/filters/:id`. A
//! v1 filter is one keyword of a filter (its id is the keyword's);
//! `irreversible` is the `hide` action.

use axum::Json;
use axum::extract::{Path, State};
use lookbook_core::db::filters;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::accounts::parse_id;
use crate::AppState;
use crate::auth::Auth;
use crate::entities::filter::{FilterContext, V1Filter};
use crate::error::{ApiError, ApiResult};
use crate::filtering;
use crate::operations::filters::{self as change, KeywordChange, Settings};
use crate::params::{Params, flex_bool, flex_list, flex_string};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(mine, create))
        .routes(routes!(show, update, delete))
}

/// The body of `POST /api/v1/filters`, as the API document describes it;
/// [`V1Params`] reads it.
#[derive(utoipa::ToSchema)]
#[schema(as = NewV1FilterForm)]
#[allow(dead_code)] // it only describes the form
struct NewV1FilterForm {
    #[schema(
        max_length = 512,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    phrase: String,
    /// Where it applies (`context[]`).
    #[schema(min_items = 1)]
    context: Vec<FilterContext>,
    /// Whether matching posts are dropped; a boolean read as Mastodon reads it.
    irreversible: Option<String>,
    /// Only whole words match (true when absent); a boolean read as Mastodon reads it.
    whole_word: Option<String>,
    /// Seconds until it stops applying; absent for never.
    #[schema(required = false, minimum = 1, maximum = 315360000)]
    expires_in: i64,
}

/// The body of `POST /api/v1/filters` and `PUT /api/v1/filters/:id`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = V1FilterForm)]
struct V1Params {
    /// The word or phrase (needed to create one).
    #[schema(value_type = String, required = false, max_length = 512, pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
    #[serde(default, deserialize_with = "flex_string")]
    phrase: Option<String>,
    /// Where it applies (`context[]`; needed to create one).
    #[schema(value_type = Vec<FilterContext>, required = false, min_items = 1)]
    #[serde(default, deserialize_with = "flex_list")]
    context: Option<Vec<String>>,
    /// Whether matching posts are dropped rather than shown with a warning.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_bool")]
    irreversible: Option<bool>,
    /// Whether only whole words match (true when absent on creating).
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_bool")]
    whole_word: Option<bool>,
    /// Seconds until it stops applying; empty for never.
    #[schema(value_type = i64, required = false, minimum = 1, maximum = 315360000)]
    #[serde(default)]
    expires_in: Option<Value>,
}

impl V1Params {
    fn settings(&self, creating: bool) -> ApiResult<Settings> {
        let action = self
            .irreversible
            .map(|hide| if hide { "hide" } else { "warn" });
        // The phrase names its filter, cut to a title's length.
        let title: Option<String> = self
            .phrase
            .as_deref()
            .filter(|_| creating)
            .map(|p| p.trim().chars().take(256).collect());
        Settings::read(
            title.as_deref(),
            self.context.as_deref(),
            action,
            self.expires_in.as_ref().filter(|v| !v.is_null()),
            creating,
        )
    }
}

/// The filter holding keyword `id` of the caller's, and that keyword's
/// entity; 404 when it is not theirs.
async fn holding(state: &AppState, me: i64, id: i64) -> ApiResult<(filters::Filter, V1Filter)> {
    let keyword = filters::keyword(&state.db.primary, me, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let filter = change::owned(state, me, keyword.filter_id).await?;
    let entity = V1Filter::of(&filter)
        .into_iter()
        .find(|k| k.id == id.to_string())
        .ok_or(ApiError::NotFound)?;
    Ok((filter, entity))
}

/// Every keyword of the caller's filters, as a filter each.
#[utoipa::path(get, path = "/api/v1/filters", tag = "filters",
    responses((status = 200, description = "V1Filters", body = [V1Filter])))]
async fn mine(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<V1Filter>>> {
    let me = auth.user_with("read:filters")?;
    let found = filters::of_account(&state.db.primary, me).await?;
    Ok(Json(found.iter().flat_map(V1Filter::of).collect()))
}

/// Makes a filter of one phrase.
#[utoipa::path(post, path = "/api/v1/filters", tag = "filters",
    request_body(content = NewV1FilterForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The new V1Filter", body = V1Filter),
              (status = 422, description = "A phrase and a context are needed, or a field is not valid")))]
async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<V1Params>,
) -> ApiResult<Json<V1Filter>> {
    let me = auth.user_with("write:filters")?;
    let settings = p.settings(true)?;
    let phrase = change::keyword(p.phrase.as_deref())?;
    let keyword = KeywordChange {
        id: None,
        keyword: Some(phrase),
        whole_word: Some(p.whole_word.unwrap_or(true)),
        destroy: false,
    };
    let made = change::create(&state, me, &settings, &[keyword]).await?;
    V1Filter::of(&made)
        .pop()
        .map(Json)
        .ok_or(ApiError::NotFound)
}

/// One phrase of the caller's filters.
#[utoipa::path(get, path = "/api/v1/filters/{id}", tag = "filters",
    params(("id" = String, Path, description = "The phrase")),
    responses((status = 200, description = "The V1Filter", body = V1Filter),
              (status = 404, description = "Not one of the caller's phrases")))]
async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<V1Filter>> {
    let me = auth.user_with("read:filters")?;
    Ok(Json(holding(&state, me, parse_id(&id)?).await?.1))
}

/// Changes a phrase, and the context, action and expiry of its filter
/// (only when the filter has no other phrase: its others would change too).
#[utoipa::path(put, path = "/api/v1/filters/{id}", tag = "filters",
    params(("id" = String, Path, description = "The phrase")),
    request_body(content = V1Params, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The V1Filter", body = V1Filter),
              (status = 404, description = "Not one of the caller's phrases"),
              (status = 422, description = "A field is not valid, or the filter holds other phrases")))]
async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<V1Params>,
) -> ApiResult<Json<V1Filter>> {
    let me = auth.user_with("write:filters")?;
    let id = parse_id(&id)?;
    let (filter, _) = holding(&state, me, id).await?;
    let settings = p.settings(false)?;
    let phrase = match p.phrase.as_deref() {
        Some(raw) => Some(change::keyword(Some(raw))?),
        None => None,
    };
    let filter_level =
        settings.context.is_some() || settings.action.is_some() || settings.expires_at.is_some();
    if filter_level && filter.keywords.len() > 1 {
        return Err(ApiError::Unprocessable(
            "Validation failed: this filter holds several phrases; change it through /api/v2/filters"
                .into(),
        ));
    }
    let keyword = KeywordChange {
        id: Some(id),
        keyword: phrase,
        whole_word: p.whole_word,
        destroy: false,
    };
    let changed = change::update(&state, me, filter.id, &settings, &[keyword]).await?;
    V1Filter::of(&changed)
        .into_iter()
        .find(|k| k.id == id.to_string())
        .map(Json)
        .ok_or(ApiError::NotFound)
}

/// Removes a phrase; a filter left with no phrase and no post goes too.
#[utoipa::path(delete, path = "/api/v1/filters/{id}", tag = "filters",
    params(("id" = String, Path, description = "The phrase")),
    responses((status = 200, description = "An empty object"),
              (status = 404, description = "Not one of the caller's phrases")))]
async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:filters")?;
    let id = parse_id(&id)?;
    let (filter, _) = holding(&state, me, id).await?;
    filters::delete_keyword(&state.db.primary, me, id).await?;
    if filter.keywords.len() == 1 && filter.statuses.is_empty() {
        filters::delete(&state.db.primary, me, filter.id).await?;
    }
    filtering::forget(&state, me).await;
    Ok(Json(json!({})))
}
