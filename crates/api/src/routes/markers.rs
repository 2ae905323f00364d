//! Read markers: `GET /api/v1/markers?timeline[]=home&timeline[]=notifications`
//! and `POST /api/v1/markers` (`home[last_read_id]`,
//! `notifications[last_read_id]`). Each write bumps `version`; a write that
//! names the version it read and lost the race answers 409.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use lookbook_core::db::markers::{self, Refused, TIMELINES};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::accounts::parse_id;
use crate::AppState;
use crate::auth::Auth;
use crate::entities::notification::{Marker, markers as entities};
use crate::error::{ApiError, ApiResult};
use crate::params::{Params, QueryParams, flex_i64, flex_list, flex_string};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get, set))
}

#[derive(Debug, Default, Deserialize)]
struct Which {
    #[serde(default, deserialize_with = "flex_list")]
    timeline: Option<Vec<String>>,
}

/// The member's markers for the timelines asked for (both when none is named).
#[utoipa::path(get, path = "/api/v1/markers", tag = "notifications",
    params(("timeline[]" = Option<Vec<String>>, Query, description = "home and/or notifications")),
    responses((status = 200, description = "Markers by timeline", body = BTreeMap<String, Marker>)))]
async fn get(
    State(state): State<AppState>,
    auth: Auth,
    QueryParams(p): QueryParams<Which>,
) -> ApiResult<Json<BTreeMap<String, Marker>>> {
    let me = auth.user_with("read:statuses")?;
    let wanted: Vec<String> = match p.timeline {
        Some(list) if !list.is_empty() => list,
        _ => TIMELINES.iter().map(|t| t.to_string()).collect(),
    };
    let found = markers::get(state.reader(Some(me)).await, me, &wanted).await?;
    Ok(Json(entities(found)))
}

/// One timeline's part of a write.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = MarkerPositionForm)]
struct Position {
    /// The newest id read.
    #[serde(default, deserialize_with = "flex_string")]
    #[schema(required = true, value_type = String, pattern = "^[0-9]{1,18}$")]
    last_read_id: Option<String>,
    /// The version the client read; a newer one answers 409.
    #[serde(default, deserialize_with = "flex_i64")]
    version: Option<i64>,
}

/// The timelines to move; one not named stays where it is.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = MarkersForm)]
struct Positions {
    #[serde(default)]
    home: Option<Position>,
    #[serde(default)]
    notifications: Option<Position>,
}

/// Moves markers.
#[utoipa::path(post, path = "/api/v1/markers", tag = "notifications",
    request_body(content = Positions, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The markers written", body = BTreeMap<String, Marker>),
              (status = 409, description = "Another write moved the marker since the version named"),
              (status = 422, description = "A timeline named without an id, or an id that is not one")))]
async fn set(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<Positions>,
) -> ApiResult<Json<BTreeMap<String, Marker>>> {
    let me = auth.user_with("write:statuses")?;
    let mut writes = Vec::new();
    for (timeline, position) in [("home", p.home), ("notifications", p.notifications)] {
        let Some(position) = position else { continue };
        let Some(raw) = position.last_read_id.filter(|s| !s.is_empty()) else {
            return Err(ApiError::Unprocessable(format!(
                "{timeline}[last_read_id] is missing"
            )));
        };
        let id = parse_id(&raw).map_err(|_| {
            ApiError::Unprocessable(format!("{timeline}[last_read_id] is not an id"))
        })?;
        writes.push((timeline, id, position.version));
    }
    if writes.is_empty() {
        // Nothing named, nothing moved (as Mastodon answers).
        return Ok(Json(BTreeMap::new()));
    }
    let mut tx = state.begin().await?;
    let mut written = Vec::new();
    for (timeline, id, version) in writes {
        match markers::set(&mut tx, me, timeline, id, version).await? {
            Ok(marker) => written.push(marker),
            Err(Refused::Stale) => {
                return Err(ApiError::Conflict(format!(
                    "the {timeline} marker was moved since version {}",
                    version.unwrap_or_default()
                )));
            }
        }
    }
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    state.writing(me).await;
    Ok(Json(entities(written)))
}
