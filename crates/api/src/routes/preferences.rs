//! `GET /api/v1/preferences`: the member's defaults for posting (set with
//! `update_credentials`' `source[...]`) and for reading, which clients apply
//! on their side.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::accounts::load;
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiResult;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(preferences))
}

/// A member's preferences, as Mastodon names them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Preferences {
    /// The visibility a new post gets when none is given.
    #[serde(rename = "posting:default:visibility")]
    pub visibility: String,
    /// Whether new posts are marked sensitive.
    #[serde(rename = "posting:default:sensitive")]
    pub sensitive: bool,
    /// The language of new posts (ISO 639-1), if one is set.
    #[serde(rename = "posting:default:language")]
    pub language: Option<String>,
    /// `default`: sensitive photos stay hidden until tapped.
    #[serde(rename = "reading:expand:media")]
    pub expand_media: String,
    /// Whether posts behind a content warning are shown opened.
    #[serde(rename = "reading:expand:spoilers")]
    pub expand_spoilers: bool,
}

/// The member's preferences.
#[utoipa::path(get, path = "/api/v1/preferences", tag = "accounts",
    responses((status = 200, description = "The Preferences", body = Preferences),
              (status = 401, description = "No valid token"),
              (status = 403, description = "The token lacks read:accounts")))]
async fn preferences(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Preferences>> {
    let me = auth.user_with("read:accounts")?;
    let account = load(&state, me).await?;
    Ok(Json(Preferences {
        visibility: account.privacy,
        sensitive: account.sensitive,
        language: account.language,
        expand_media: "default".into(),
        expand_spoilers: false,
    }))
}
