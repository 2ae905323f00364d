//! Whom to follow: `GET /api/v2/suggestions` (with why), `GET
//! /api/v1/suggestions` (the accounts alone) and `DELETE
//! /api/v1/suggestions/:account_id` (never suggest that account again).

use axum::Json;
use axum::extract::{Path, State};
use lookbook_core::db::suggestions::{self, Source};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::accounts::{load, parse_id};
use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::params::{QueryParams, flex_i64};
use crate::statuses::authors;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(suggested))
        .routes(routes!(suggested_accounts))
        .routes(routes!(dismiss))
}

const LIMIT_DEFAULT: i64 = 40;
const LIMIT_MAX: i64 = 80;

#[derive(Debug, Default, Deserialize)]
struct LimitParams {
    #[serde(default, deserialize_with = "flex_i64")]
    limit: Option<i64>,
}

/// A suggested account and why, as Mastodon shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Suggestion {
    /// `past_interactions` (followed by accounts the member follows) or
    /// `global` (among the most followed).
    pub source: String,
    /// `friends_of_friends` or `most_followed`.
    pub sources: Vec<String>,
    #[schema(value_type = Object)]
    pub account: Value,
}

/// The caller's suggestions with their accounts, best first.
async fn load_suggestions(
    state: &AppState,
    me: i64,
    limit: Option<i64>,
) -> ApiResult<Vec<(Source, Value)>> {
    let limit = match limit {
        None => LIMIT_DEFAULT,
        Some(n) if n >= 1 => n.min(LIMIT_MAX),
        Some(n) => {
            return Err(ApiError::BadRequest(format!(
                "limit must be at least 1, got {n}"
            )));
        }
    };
    let found = suggestions::for_account(&state.db.primary, me, limit).await?;
    let ids: Vec<i64> = found.iter().map(|(id, _)| *id).collect();
    let mut accounts = authors(state, &ids).await?;
    Ok(found
        .into_iter()
        .filter_map(|(id, source)| Some((source, accounts.remove(&id)?)))
        .collect())
}

/// Accounts the caller may want to follow, and why: followed by accounts
/// they follow (most shared first), then the most followed.
#[utoipa::path(get, path = "/api/v2/suggestions", tag = "follows",
    params(("limit" = Option<i64>, Query, description = "At most this many (40 by default, 80 at most)")),
    responses((status = 200, description = "Suggestions, best first", body = [Suggestion])))]
async fn suggested(
    State(state): State<AppState>,
    auth: Auth,
    QueryParams(p): QueryParams<LimitParams>,
) -> ApiResult<Json<Vec<Suggestion>>> {
    let me = auth.user_with("read:accounts")?;
    let found = load_suggestions(&state, me, p.limit).await?;
    Ok(Json(
        found
            .into_iter()
            .map(|(source, account)| {
                let (source, why) = match source {
                    Source::FriendsOfFriends => ("past_interactions", "friends_of_friends"),
                    Source::MostFollowed => ("global", "most_followed"),
                };
                Suggestion {
                    source: source.into(),
                    sources: vec![why.into()],
                    account,
                }
            })
            .collect(),
    ))
}

/// The suggested accounts alone (the first version of the API).
#[utoipa::path(get, path = "/api/v1/suggestions", tag = "follows",
    params(("limit" = Option<i64>, Query, description = "At most this many (40 by default, 80 at most)")),
    responses((status = 200, description = "Accounts, best first")))]
async fn suggested_accounts(
    State(state): State<AppState>,
    auth: Auth,
    QueryParams(p): QueryParams<LimitParams>,
) -> ApiResult<Json<Vec<Value>>> {
    let me = auth.user_with("read:accounts")?;
    let found = load_suggestions(&state, me, p.limit).await?;
    Ok(Json(
        found.into_iter().map(|(_, account)| account).collect(),
    ))
}

/// Never suggests this account to the caller again.
#[utoipa::path(delete, path = "/api/v1/suggestions/{account_id}", tag = "follows",
    params(("account_id" = String, Path, description = "Account id")),
    responses((status = 200, description = "An empty object"), (status = 404, description = "No such account")))]
async fn dismiss(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:accounts")?;
    let target = load(&state, parse_id(&account_id)?).await?;
    suggestions::dismiss(&state.db.primary, me, target.id).await?;
    Ok(Json(json!({})))
}
