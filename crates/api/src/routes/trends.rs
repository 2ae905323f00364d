//! Trends: `GET /api/v1/trends/tags` (also `/api/v1/trends`) and
//! `GET /api/v1/trends/statuses`, served from what the worker last stored in
//! Redis (an empty list until its first round).

use axum::Json;
use axum::extract::State;
use lookbook_core::db::statuses;
use lookbook_core::trending;
use serde::Deserialize;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::MaybeAuth;
use crate::entities::tag::Tag;
use crate::error::{ApiError, ApiResult};
use crate::params::{QueryParams, flex_i64};
use crate::statuses::render;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(trending_tags))
        .routes(routes!(trends_v1))
        .routes(routes!(trending_statuses))
}

#[derive(Debug, Default, Deserialize)]
struct Window {
    #[serde(default, deserialize_with = "flex_i64")]
    limit: Option<i64>,
    #[serde(default, deserialize_with = "flex_i64")]
    offset: Option<i64>,
}

impl Window {
    /// The slice of a list, with `limit` defaulted and capped.
    fn range(&self, default: i64, max: i64) -> ApiResult<std::ops::Range<usize>> {
        let limit = self.limit.unwrap_or(default);
        let offset = self.offset.unwrap_or(0);
        if limit < 1 || offset < 0 {
            return Err(ApiError::BadRequest(
                "limit must be at least 1 and offset at least 0".into(),
            ));
        }
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        let end = start.saturating_add(usize::try_from(limit.min(max)).unwrap_or(0));
        Ok(start..end)
    }
}

fn slice<T: Clone>(list: &[T], range: std::ops::Range<usize>) -> Vec<T> {
    let start = range.start.min(list.len());
    let end = range.end.min(list.len());
    list[start..end].to_vec()
}

async fn tag_list(state: &AppState, window: &Window) -> ApiResult<Json<Vec<Tag>>> {
    // Before the worker's first round (or with Redis down) there is nothing
    // to show yet: computing it here would let a crowd run the aggregates.
    let stored = trending::tags(&state.kv)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let range = window.range(10, 20)?;
    Ok(Json(
        slice(&stored, range)
            .iter()
            .map(|t| Tag::new(state, &t.name, &t.history, None))
            .collect(),
    ))
}

/// Hashtags in use right now, most used first.
#[utoipa::path(get, path = "/api/v1/trends/tags", tag = "timelines",
    params(("limit" = Option<i64>, Query, description = "At most 20"), ("offset" = Option<i64>, Query, description = "Skip this many")),
    responses((status = 200, description = "Tags with their history", body = [Tag])))]
async fn trending_tags(
    State(state): State<AppState>,
    auth: MaybeAuth,
    QueryParams(window): QueryParams<Window>,
) -> ApiResult<Json<Vec<Tag>>> {
    auth.require_if_present("read:statuses")?;
    tag_list(&state, &window).await
}

/// The same as `/api/v1/trends/tags`, under its older name.
#[utoipa::path(get, path = "/api/v1/trends", tag = "timelines",
    responses((status = 200, description = "Tags with their history", body = [Tag])))]
async fn trends_v1(
    State(state): State<AppState>,
    auth: MaybeAuth,
    QueryParams(window): QueryParams<Window>,
) -> ApiResult<Json<Vec<Tag>>> {
    auth.require_if_present("read:statuses")?;
    tag_list(&state, &window).await
}

/// Posts drawing the most favourites and replies lately, weighted by age;
/// only those the caller may see.
#[utoipa::path(get, path = "/api/v1/trends/statuses", tag = "timelines",
    params(("limit" = Option<i64>, Query, description = "At most 40"), ("offset" = Option<i64>, Query, description = "Skip this many")),
    responses((status = 200, description = "Statuses")))]
async fn trending_statuses(
    State(state): State<AppState>,
    auth: MaybeAuth,
    QueryParams(window): QueryParams<Window>,
) -> ApiResult<Json<Vec<Value>>> {
    auth.require_if_present("read:statuses")?;
    let stored = trending::statuses(&state.kv)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let ids = slice(&stored, window.range(20, 40)?);
    let shown = match auth.viewer() {
        // Public posts, but not across a block or from someone muted.
        Some(me) => statuses::visible_among(state.reader(Some(me)).await, &ids, me).await?,
        None => ids,
    };
    Ok(Json(render(&state, auth.viewer(), &shown).await?))
}
