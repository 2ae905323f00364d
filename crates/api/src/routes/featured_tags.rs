//! Featured hashtags: `GET|POST /api/v1/featured_tags`,
//! `DELETE /api/v1/featured_tags/:id`, `GET /api/v1/featured_tags/suggestions`
//! (the member's), and `GET /api/v1/accounts/:id/featured_tags` (anyone's,
//! as their profile shows them).

use axum::Json;
use axum::extract::{Path, State};
use chrono::SecondsFormat;
use lookbook_core::db::featured_tags::{self, Featured, MAX_PER_ACCOUNT};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::accounts::{load, parse_id};
use super::follows::blocked_among;
use super::tags::tag_name;
use crate::AppState;
use crate::auth::{Auth, MaybeAuth};
use crate::entities::tag::{self, Tag};
use crate::error::{ApiError, ApiResult};
use crate::params::{Params, flex_string};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(mine, feature))
        .routes(routes!(unfeature))
        .routes(routes!(suggestions))
        .routes(routes!(of_account))
}

/// A hashtag featured on a profile, as Mastodon shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeaturedTag {
    pub id: String,
    /// Without the `#`.
    pub name: String,
    /// The profile's posts under it.
    pub url: String,
    /// The account's public posts with the tag (a number, as a string).
    pub statuses_count: String,
    /// The day of the newest of them.
    pub last_status_at: Option<String>,
}

impl FeaturedTag {
    fn new(state: &AppState, username: &str, f: Featured) -> FeaturedTag {
        FeaturedTag {
            url: format!("{}/@{username}/tagged/{}", state.config.public_url, f.name),
            id: f.id.to_string(),
            name: f.name,
            statuses_count: f.statuses_count.to_string(),
            last_status_at: f
                .last_status_at
                .map(|at| at.to_rfc3339_opts(SecondsFormat::Secs, true)[..10].to_string()),
        }
    }
}

/// The body of `POST /api/v1/featured_tags` (a form or JSON).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = FeaturedTagForm)]
struct FeatureParams {
    /// The hashtag, with or without `#`.
    #[serde(default, deserialize_with = "flex_string")]
    name: Option<String>,
}

/// The member's featured hashtags.
#[utoipa::path(get, path = "/api/v1/featured_tags", tag = "accounts",
    responses((status = 200, description = "The FeaturedTags", body = [FeaturedTag])))]
async fn mine(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<FeaturedTag>>> {
    let me = auth.user_with("read:accounts")?;
    let account = load(&state, me).await?;
    let featured = featured_tags::of_account(&state.db.primary, me).await?;
    Ok(Json(
        featured
            .into_iter()
            .map(|f| FeaturedTag::new(&state, &account.username, f))
            .collect(),
    ))
}

/// Features a hashtag on the member's profile (at most 10; featuring one
/// again answers it as it is).
#[utoipa::path(post, path = "/api/v1/featured_tags", tag = "accounts",
    request_body(content = FeatureParams, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The FeaturedTag", body = FeaturedTag),
              (status = 422, description = "Not a hashtag, or 10 featured already")))]
async fn feature(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<FeatureParams>,
) -> ApiResult<Json<FeaturedTag>> {
    let me = auth.user_with("write:accounts")?;
    let name = tag_name(p.name.as_deref().unwrap_or_default()).ok_or_else(|| {
        ApiError::Unprocessable(
            "Validation failed: name must be a hashtag (letters, digits and _, not only digits)"
                .into(),
        )
    })?;
    let account = load(&state, me).await?;
    let mut tx = state.begin().await?;
    let featured = featured_tags::add(&mut tx, me, &name)
        .await?
        .ok_or_else(|| {
            ApiError::Unprocessable(format!(
                "Validation failed: You can feature at most {MAX_PER_ACCOUNT} hashtags"
            ))
        })?;
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    Ok(Json(FeaturedTag::new(&state, &account.username, featured)))
}

/// Stops featuring a hashtag (an empty object).
#[utoipa::path(delete, path = "/api/v1/featured_tags/{id}", tag = "accounts",
    params(("id" = String, Path, description = "FeaturedTag id")),
    responses((status = 200, description = "An empty object"),
              (status = 404, description = "No such featured tag of the caller's")))]
async fn unfeature(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Map<String, Value>>> {
    let me = auth.user_with("write:accounts")?;
    let id = parse_id(&id)?;
    if !featured_tags::remove(&state.db.primary, me, id).await? {
        return Err(ApiError::NotFound);
    }
    Ok(Json(Map::new()))
}

/// The hashtags the member uses most and does not feature yet (up to 10).
#[utoipa::path(get, path = "/api/v1/featured_tags/suggestions", tag = "accounts",
    responses((status = 200, description = "Tags, most used first", body = [Tag])))]
async fn suggestions(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<Tag>>> {
    let me = auth.user_with("read:accounts")?;
    let names = featured_tags::suggestions(&state.db.primary, me, MAX_PER_ACCOUNT).await?;
    let names: Vec<(String, Option<bool>)> = names.into_iter().map(|n| (n, None)).collect();
    Ok(Json(tag::hydrate(&state, &names).await?))
}

/// The hashtags an account features on its profile (none across a block).
#[utoipa::path(get, path = "/api/v1/accounts/{id}/featured_tags", tag = "accounts",
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, description = "The FeaturedTags", body = [FeaturedTag]),
              (status = 404, description = "No such account")))]
async fn of_account(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<FeaturedTag>>> {
    auth.require_if_present("read:accounts")?;
    let account = load(&state, parse_id(&id)?).await?;
    if let Some(me) = auth.viewer()
        && !blocked_among(&state, me, &[account.id]).await?.is_empty()
    {
        return Ok(Json(Vec::new()));
    }
    let featured = featured_tags::of_account(&state.db.primary, account.id).await?;
    Ok(Json(
        featured
            .into_iter()
            .map(|f| FeaturedTag::new(&state, &account.username, f))
            .collect(),
    ))
}
