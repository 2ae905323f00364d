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
use crate::entities::filter::Filter;
use crate::error::{ApiError, ApiResult};
use crate::filtering;
use crate::operations::filters::{self as change, Settings, keyword_changes};
use crate::params::{Params, flex_list, flex_string};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(mine, create))
        .routes(routes!(show, update, delete))
}

/// The body of `POST /api/v2/filters` and `PUT /api/v2/filters/:id` (a
/// form, multipart or JSON).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = FilterForm)]
struct FilterParams {
    /// The filter's name (needed to create one).
    #[schema(value_type = String, required = false, max_length = 256)]
    #[serde(default, deserialize_with = "flex_string")]
    title: Option<String>,
    /// Where it applies (`context[]`): `home`, `notifications`, `public`,
    /// `thread`, `account` (needed to create one).
    #[schema(value_type = Vec<String>, required = false)]
    #[serde(default, deserialize_with = "flex_list")]
    context: Option<Vec<String>>,
    /// `warn` (the default), `hide` or `blur`.
    #[schema(value_type = String, required = false, pattern = "^(warn|hide|blur)?$")]
    #[serde(default, deserialize_with = "flex_string")]
    filter_action: Option<String>,
    /// Seconds until it stops applying; empty for never.
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    expires_in: Option<Value>,
    /// Keywords: `keywords_attributes[][keyword]`, `[whole_word]`, and to
    /// change or remove one, `[id]` and `[_destroy]`.
    #[schema(value_type = Option<Vec<Object>>)]
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
    request_body(content = FilterParams, content_type = "application/x-www-form-urlencoded"),
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
    request_body(content = FilterParams, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The Filter", body = Filter),
              (status = 404, description = "Not one of the caller's filters, or a keyword not of this filter"),
              (status = 422, description = "A field is not valid")))]
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
