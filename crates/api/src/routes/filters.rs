//! Filters: `GET|POST /api/v2/filters` and `GET|PUT|DELETE
//! /api/v2/filters/:id`, each with its keywords (`keywords_attributes`).
//! Their keywords and posts one by one are [`super::filter_keywords`] and
//! [`super::filter_statuses`]; the older one-phrase form is
//! [`super::filters_v1`]; applying them is [`crate::filtering`].

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
use crate::entities::filter::{Filter, FilterContext};
use crate::error::{ApiError, ApiResult};
use crate::filtering;
use crate::operations::filters::{self as change, Settings, keyword_changes};
use crate::params::{Params, flex_list, flex_string, text_only};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(mine, create))
        .routes(routes!(show, update, delete))
}

/// The body of `POST /api/v2/filters`, as the API document describes it
/// (in JSON, as clients send these nested keywords; forms and multipart
/// are read too); [`FilterParams`] reads it.
#[derive(utoipa::ToSchema)]
#[schema(as = NewFilterForm)]
#[allow(dead_code)] // it only describes the form
struct NewFilterForm {
    /// The filter's name.
    #[schema(
        max_length = 256,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    title: String,
    /// Where it applies (`context[]`).
    #[schema(min_items = 1)]
    context: Vec<FilterContext>,
    /// `warn` (the default), `hide` or `blur`.
    #[schema(pattern = "^(warn|hide|blur)$")]
    filter_action: Option<String>,
    /// Seconds until it stops applying; absent for never.
    #[schema(minimum = 1, maximum = 315360000)]
    expires_in: Option<i64>,
    /// Its keywords (`keywords_attributes[][keyword]`, `[whole_word]`).
    #[schema(max_items = 200)]
    keywords_attributes: Option<Vec<NewKeyword>>,
}

/// A keyword of a new filter.
#[derive(utoipa::ToSchema)]
#[schema(as = NewFilterKeywordAttributesForm)]
#[allow(dead_code)] // it only describes the form
struct NewKeyword {
    #[schema(
        max_length = 512,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    keyword: String,
    /// Only whole words match (true when absent).
    whole_word: Option<bool>,
}

/// A keyword in a filter's change: a new one, a change of one (`id`), or
/// its removal (`id` and `_destroy`).
#[derive(utoipa::ToSchema)]
#[schema(as = FilterKeywordAttributesForm)]
#[allow(dead_code)] // it only describes the form
struct KeywordChange {
    #[schema(
        max_length = 512,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    keyword: String,
    whole_word: Option<bool>,
    /// The keyword to change or remove (empty: a new keyword).
    #[schema(pattern = "^([0-9]{1,18})?$")]
    id: Option<String>,
    /// Remove the keyword named by `id`.
    #[schema(rename = "_destroy")]
    destroy: Option<bool>,
}

/// The body of `POST /api/v2/filters` and `PUT /api/v2/filters/:id` (a
/// form, multipart or JSON); a change sends only what changes.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = FilterForm)]
struct FilterParams {
    /// The filter's name (needed to create one).
    #[schema(value_type = Option<String>, required = false, max_length = 256, pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
    #[serde(default, deserialize_with = "text_only")]
    title: Option<String>,
    /// Where it applies (`context[]`; needed to create one).
    #[schema(value_type = Option<Vec<FilterContext>>, required = false, min_items = 1)]
    #[serde(default, deserialize_with = "flex_list")]
    context: Option<Vec<String>>,
    /// `warn` (the default), `hide` or `blur`.
    #[schema(value_type = Option<String>, required = false, pattern = "^(warn|hide|blur)$")]
    #[serde(default, deserialize_with = "flex_string")]
    filter_action: Option<String>,
    /// Seconds until it stops applying; empty for never.
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 315360000)]
    #[serde(default)]
    expires_in: Option<Value>,
    /// Keywords: `keywords_attributes[][keyword]`, `[whole_word]`, and to
    /// change or remove one, `[id]` and `[_destroy]`.
    #[schema(value_type = Option<Vec<KeywordChange>>, max_items = 200)]
    #[serde(default)]
    keywords_attributes: Option<Value>,
}

impl FilterParams {
    fn settings(&self, creating: bool) -> ApiResult<Settings> {
        Settings::read(
            self.title.as_deref(),
            self.context.as_deref(),
            self.filter_action.as_deref(),
            self.expires_in.as_ref().filter(|v| !v.is_null()),
            creating,
        )
    }
}

/// The caller's filters, oldest first, with their keywords and posts
/// (expired ones too).
#[utoipa::path(get, path = "/api/v2/filters", tag = "filters",
    responses((status = 200, description = "Filters", body = [Filter])))]
async fn mine(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<Filter>>> {
    let me = auth.user_with("read:filters")?;
    let found = filters::of_account(&state.db.primary, me).await?;
    Ok(Json(found.into_iter().map(Filter::from).collect()))
}

/// Makes a filter.
#[utoipa::path(post, path = "/api/v2/filters", tag = "filters",
    request_body(content = NewFilterForm, content_type = "application/json"),
    responses((status = 200, description = "The new Filter", body = Filter),
              (status = 422, description = "A title and a context are needed; the action, expiry or a keyword is not valid; or the member has too many filters")))]
async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<FilterParams>,
) -> ApiResult<Json<Filter>> {
    let me = auth.user_with("write:filters")?;
    let settings = p.settings(true)?;
    let keywords = keyword_changes(p.keywords_attributes.as_ref())?;
    let made = change::create(&state, me, &settings, &keywords).await?;
    Ok(Json(made.into()))
}

/// One of the caller's filters.
#[utoipa::path(get, path = "/api/v2/filters/{id}", tag = "filters",
    params(("id" = String, Path, description = "The filter")),
    responses((status = 200, description = "The Filter", body = Filter),
              (status = 404, description = "Not one of the caller's filters")))]
async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Filter>> {
    let me = auth.user_with("read:filters")?;
    Ok(Json(
        change::owned(&state, me, parse_id(&id)?).await?.into(),
    ))
}

/// Changes one of the caller's filters and its keywords.
#[utoipa::path(put, path = "/api/v2/filters/{id}", tag = "filters",
    params(("id" = String, Path, description = "The filter")),
    request_body(content = FilterParams, content_type = "application/json"),
    responses((status = 200, description = "The Filter", body = Filter),
              (status = 404, description = "Not one of the caller's filters"),
              (status = 422, description = "A field is not valid, or a keyword id names none of this filter's keywords")))]
async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<FilterParams>,
) -> ApiResult<Json<Filter>> {
    let me = auth.user_with("write:filters")?;
    let id = parse_id(&id)?;
    let settings = p.settings(false)?;
    let keywords = keyword_changes(p.keywords_attributes.as_ref())?;
    let changed = change::update(&state, me, id, &settings, &keywords).await?;
    Ok(Json(changed.into()))
}

/// Deletes one of the caller's filters.
#[utoipa::path(delete, path = "/api/v2/filters/{id}", tag = "filters",
    params(("id" = String, Path, description = "The filter")),
    responses((status = 200, description = "An empty object"),
              (status = 404, description = "Not one of the caller's filters")))]
async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:filters")?;
    if !filters::delete(&state.db.primary, me, parse_id(&id)?).await? {
        return Err(ApiError::NotFound);
    }
    filtering::forget(&state, me).await;
    Ok(Json(json!({})))
}
