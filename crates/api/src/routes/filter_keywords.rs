//! A filter's keywords one by one: `GET|POST /api/v2/filters/:id/keywords`
//! and `GET|PUT|DELETE /api/v2/filters/keywords/:id`.

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
use crate::entities::filter::FilterKeyword;
use crate::error::{ApiError, ApiResult};
use crate::filtering;
use crate::operations::filters::{keyword, refused};
use crate::params::{Params, flex_bool, flex_string};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(of_filter, add))
        .routes(routes!(show, update, delete))
}

/// The body of `POST /api/v2/filters/:id/keywords`, as the API document
/// describes it; [`KeywordParams`] reads it.
#[derive(utoipa::ToSchema)]
#[schema(as = NewFilterKeywordForm)]
#[allow(dead_code)] // it only describes the form
struct NewKeywordForm {
    #[schema(
        max_length = 512,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    keyword: String,
    /// Only whole words match (true when absent); a boolean read as Mastodon reads it.
    whole_word: Option<String>,
}

/// The body of `POST /api/v2/filters/:id/keywords` and
/// `PUT /api/v2/filters/keywords/:id`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = FilterKeywordForm)]
struct KeywordParams {
    /// The word or phrase (needed to add one; not blank).
    #[schema(value_type = String, required = false, max_length = 512, pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
    #[serde(default, deserialize_with = "flex_string")]
    keyword: Option<String>,
    /// Whether only whole words match (true when absent on adding).
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_bool")]
    whole_word: Option<bool>,
}

/// The keywords of one of the caller's filters.
#[utoipa::path(get, path = "/api/v2/filters/{id}/keywords", tag = "filters",
    params(("id" = String, Path, description = "The filter")),
    responses((status = 200, description = "FilterKeywords", body = [FilterKeyword]),
              (status = 404, description = "Not one of the caller's filters")))]
async fn of_filter(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<FilterKeyword>>> {
    let me = auth.user_with("read:filters")?;
    let found = filters::keywords(&state.db.primary, me, parse_id(&id)?)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(found.into_iter().map(FilterKeyword::from).collect()))
}

/// Adds a keyword to one of the caller's filters.
#[utoipa::path(post, path = "/api/v2/filters/{id}/keywords", tag = "filters",
    params(("id" = String, Path, description = "The filter")),
    request_body(content = NewKeywordForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The new FilterKeyword", body = FilterKeyword),
              (status = 404, description = "Not one of the caller's filters"),
              (status = 422, description = "The keyword is blank or too long, or the filter is full")))]
async fn add(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<KeywordParams>,
) -> ApiResult<Json<FilterKeyword>> {
    let me = auth.user_with("write:filters")?;
    let filter = parse_id(&id)?;
    let text = keyword(p.keyword.as_deref())?;
    let mut tx = state.begin().await?;
    let added = filters::add_keyword(&mut tx, me, filter, &text, p.whole_word.unwrap_or(true))
        .await?
        .map_err(refused)?;
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    filtering::forget(&state, me).await;
    Ok(Json(added.into()))
}

/// One keyword of the caller's filters.
#[utoipa::path(get, path = "/api/v2/filters/keywords/{id}", tag = "filters",
    params(("id" = String, Path, description = "The keyword")),
    responses((status = 200, description = "The FilterKeyword", body = FilterKeyword),
              (status = 404, description = "Not a keyword of the caller's filters")))]
async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<FilterKeyword>> {
    let me = auth.user_with("read:filters")?;
    let found = filters::keyword(&state.db.primary, me, parse_id(&id)?)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(found.into()))
}

/// Changes a keyword of the caller's filters.
#[utoipa::path(put, path = "/api/v2/filters/keywords/{id}", tag = "filters",
    params(("id" = String, Path, description = "The keyword")),
    request_body(content = KeywordParams, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The FilterKeyword", body = FilterKeyword),
              (status = 404, description = "Not a keyword of the caller's filters"),
              (status = 422, description = "The keyword is blank or too long")))]
async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<KeywordParams>,
) -> ApiResult<Json<FilterKeyword>> {
    let me = auth.user_with("write:filters")?;
    let text = match p.keyword.as_deref() {
        Some(raw) => Some(keyword(Some(raw))?),
        None => None,
    };
    let changed = filters::update_keyword(
        &state.db.primary,
        me,
        parse_id(&id)?,
        text.as_deref(),
        p.whole_word,
    )
    .await?
    .ok_or(ApiError::NotFound)?;
    filtering::forget(&state, me).await;
    Ok(Json(changed.into()))
}

/// Removes a keyword from the caller's filters.
#[utoipa::path(delete, path = "/api/v2/filters/keywords/{id}", tag = "filters",
    params(("id" = String, Path, description = "The keyword")),
    responses((status = 200, description = "An empty object"),
              (status = 404, description = "Not a keyword of the caller's filters")))]
async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:filters")?;
    if !filters::delete_keyword(&state.db.primary, me, parse_id(&id)?).await? {
        return Err(ApiError::NotFound);
    }
    filtering::forget(&state, me).await;
    Ok(Json(json!({})))
}
