//! Scheduled posts: written with `scheduled_at` through
//! `POST /api/v1/statuses` ([`super::compose`], which calls [`schedule`]),
//! then `GET /api/v1/scheduled_statuses`, `GET|PUT|DELETE
//! /api/v1/scheduled_statuses/:id`. The worker publishes each at its time.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use lookbook_core::db::media;
use lookbook_core::db::scheduled_statuses::{self, Params as Asked, Scheduled, Stored};
use lookbook_core::posting;
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::PgConnection;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::accounts::parse_id;
use crate::AppState;
use crate::auth::Auth;
use crate::entities::scheduled_status::ScheduledStatus;
use crate::error::{ApiError, ApiResult};
use crate::pagination::{PageParams, link_header};
use crate::params::{Params, QueryParams, flex_string};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(show, reschedule, cancel))
}

/// Posts a member may have waiting, in all and within a day of each other.
const MOST_WAITING: i64 = 300;
const MOST_A_DAY: i64 = 25;

/// The time asked for, at least `LIMIT_SCHEDULE_MIN_SECS` (five minutes,
/// as in Mastodon) from now.
pub(super) fn when(state: &AppState, raw: &str) -> ApiResult<DateTime<Utc>> {
    let ahead = state.config.limits.schedule_min_secs;
    let at = parse_time(raw).ok_or_else(|| {
        ApiError::Unprocessable(
            "Validation failed: scheduled_at must be a date and time such as 2026-12-24T18:00:00Z"
                .into(),
        )
    })?;
    if at < Utc::now() + chrono::Duration::seconds(i64::from(ahead)) {
        return Err(ApiError::Unprocessable(format!(
            "Validation failed: scheduled_at must be at least {ahead} seconds in the future"
        )));
    }
    Ok(at)
}

/// An ISO 8601 date and time: with an offset (`Z`, `+01:00` or `+0100`),
/// or without one, read as UTC.
fn parse_time(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    DateTime::parse_from_rfc3339(raw)
        .or_else(|_| DateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .map(|at| at.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|at| at.and_utc())
        })
}

/// Stores a checked post to publish at `at`; the ScheduledStatus.
pub(super) async fn schedule(
    state: &AppState,
    me: i64,
    at: DateTime<Utc>,
    asked: &Asked,
    key: Option<&str>,
) -> ApiResult<Value> {
    let mut tx = state.begin().await?;
    // Serialises a member's schedulings, so two at once cannot pass a limit.
    scheduled_statuses::lock_member(&mut tx, me).await?;
    if scheduled_statuses::count(&mut *tx, me).await? >= MOST_WAITING {
        return Err(ApiError::Unprocessable(format!(
            "Validation failed: at most {MOST_WAITING} posts can wait to be published"
        )));
    }
    within_a_day(&mut tx, me, at, None).await?;
    let scheduled = match scheduled_statuses::insert(&mut tx, me, at, asked, key).await? {
        Stored::New { id, reserved } => {
            if reserved < asked.media_ids.len() {
                let why = posting::unattachable(&mut tx, me, &asked.media_ids).await?;
                return Err(why.into());
            }
            Scheduled {
                id,
                account_id: me,
                scheduled_at: at,
                params: asked.clone(),
            }
        }
        Stored::Earlier(earlier) => *earlier,
    };
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    let shown = render(state, &[scheduled]).await?;
    Ok(serde_json::to_value(&shown[0]).unwrap_or_default())
}

/// Refuses a time near which the member has too many posts waiting
/// (`except` the one being moved).
async fn within_a_day(
    conn: &mut PgConnection,
    me: i64,
    at: DateTime<Utc>,
    except: Option<i64>,
) -> ApiResult<()> {
    if scheduled_statuses::count_near(conn, me, at, except).await? >= MOST_A_DAY {
        return Err(ApiError::Unprocessable(format!(
            "Validation failed: at most {MOST_A_DAY} posts can be scheduled within a day"
        )));
    }
    Ok(())
}

/// The entities, with their photos read in one query.
async fn render(state: &AppState, posts: &[Scheduled]) -> ApiResult<Vec<ScheduledStatus>> {
    let ids: Vec<i64> = posts
        .iter()
        .flat_map(|p| p.params.media_ids.iter().copied())
        .collect();
    let photos = if ids.is_empty() {
        Vec::new()
    } else {
        media::by_ids(&state.db.primary, &ids).await?
    };
    Ok(posts
        .iter()
        .map(|p| ScheduledStatus::new(state, p, &photos))
        .collect())
}

/// The caller's posts waiting to be published, the latest scheduled first.
#[utoipa::path(get, path = "/api/v1/scheduled_statuses", tag = "statuses",
    params(("max_id" = Option<String>, Query, description = "Older than this id"),
           ("since_id" = Option<String>, Query, description = "Newer than this id"),
           ("min_id" = Option<String>, Query, description = "Just newer than this id"),
           ("limit" = Option<i64>, Query, description = "At most 40; 20 when absent")),
    responses((status = 200, description = "ScheduledStatuses, with a Link header", body = [ScheduledStatus])))]
async fn list(
    State(state): State<AppState>,
    auth: Auth,
    QueryParams(page): QueryParams<PageParams>,
) -> ApiResult<(HeaderMap, Json<Vec<ScheduledStatus>>)> {
    let me = auth.user_with("read:statuses")?;
    let bounds = page.bounds(20, 40)?;
    let posts = scheduled_statuses::page(&state.db.primary, me, bounds).await?;
    let keys: Vec<i64> = posts.iter().map(|p| p.id).collect();
    let body = render(&state, &posts).await?;
    let mut headers = HeaderMap::new();
    if let Some(link) = link_header(
        &state.config.public_url,
        "/api/v1/scheduled_statuses",
        &keys,
        bounds.limit,
    ) {
        headers.insert(axum::http::header::LINK, link);
    }
    Ok((headers, Json(body)))
}

/// One of the caller's scheduled posts.
#[utoipa::path(get, path = "/api/v1/scheduled_statuses/{id}", tag = "statuses",
    params(("id" = String, Path, description = "The scheduled post")),
    responses((status = 200, description = "The ScheduledStatus", body = ScheduledStatus),
              (status = 404, description = "Not one of the caller's scheduled posts (or published already)")))]
async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<ScheduledStatus>> {
    let me = auth.user_with("read:statuses")?;
    let found = scheduled_statuses::get(&state.db.primary, me, parse_id(&id)?)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(render(&state, &[found]).await?.remove(0)))
}

/// The body of `PUT /api/v1/scheduled_statuses/:id` (a form or JSON).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = RescheduleForm)]
struct Reschedule {
    /// The new time (ISO 8601, at least five minutes ahead).
    #[schema(value_type = String, format = DateTime)]
    #[serde(default, deserialize_with = "flex_string")]
    scheduled_at: Option<String>,
}

/// Moves a scheduled post to another time.
#[utoipa::path(put, path = "/api/v1/scheduled_statuses/{id}", tag = "statuses",
    params(("id" = String, Path, description = "The scheduled post")),
    request_body(content = Reschedule, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The ScheduledStatus", body = ScheduledStatus),
              (status = 404, description = "Not one of the caller's scheduled posts (or published already)"),
              (status = 422, description = "The time is missing, unreadable or too soon")))]
async fn reschedule(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<Reschedule>,
) -> ApiResult<Json<ScheduledStatus>> {
    let me = auth.user_with("write:statuses")?;
    let id = parse_id(&id)?;
    // An unknown post is named before the time is judged.
    scheduled_statuses::get(&state.db.primary, me, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let raw = p.scheduled_at.ok_or_else(|| {
        ApiError::Unprocessable("Validation failed: scheduled_at can't be blank".into())
    })?;
    let at = when(&state, &raw)?;
    let mut tx = state.begin().await?;
    scheduled_statuses::lock_member(&mut tx, me).await?;
    within_a_day(&mut tx, me, at, Some(id)).await?;
    if !scheduled_statuses::reschedule(&mut *tx, me, id, at).await? {
        return Err(ApiError::NotFound);
    }
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    let found = scheduled_statuses::get(&state.db.primary, me, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(render(&state, &[found]).await?.remove(0)))
}

/// Cancels a scheduled post; its photos can be used again.
#[utoipa::path(delete, path = "/api/v1/scheduled_statuses/{id}", tag = "statuses",
    params(("id" = String, Path, description = "The scheduled post")),
    responses((status = 200, description = "An empty object"),
              (status = 404, description = "Not one of the caller's scheduled posts (or published already)")))]
async fn cancel(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:statuses")?;
    if !scheduled_statuses::delete(&state.db.primary, me, parse_id(&id)?).await? {
        return Err(ApiError::NotFound);
    }
    Ok(Json(json!({})))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Times read with any offset notation, or none (UTC); not otherwise.
    #[test]
    fn times_read_as_clients_send_them() {
        let utc = parse_time("2026-12-24T18:00:00Z").unwrap();
        assert_eq!(parse_time("2026-12-24T19:00:00+01:00"), Some(utc));
        assert_eq!(parse_time("2026-12-24T19:00:00.000+0100"), Some(utc));
        assert_eq!(parse_time(" 2026-12-24T18:00:00 "), Some(utc));
        assert_eq!(parse_time("2026-12-24"), None);
        assert_eq!(parse_time("next tuesday"), None);
    }
}
