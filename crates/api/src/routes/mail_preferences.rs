//! `/api/lookbook/v1/mail_preferences`: whether a member gets digest mail
//! while they are away, and which notification types it tells of.

use axum::Json;
use axum::extract::State;
use lookbook_core::db::mail_preferences::{self, Preferences};
use lookbook_core::db::notifications::Kind;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::params::{Params, flex_bool, flex_list};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(show, change))
}

/// A member's mail preferences.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MailPreferences {
    /// Whether a digest of what they missed is mailed after a while away.
    pub digest: bool,
    /// The notification types a digest tells of.
    pub digest_types: Vec<String>,
}

impl From<Preferences> for MailPreferences {
    fn from(p: Preferences) -> MailPreferences {
        MailPreferences {
            digest: p.digest,
            digest_types: p.digest_types,
        }
    }
}

/// A notification type a digest can tell of.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)] // it only describes the form
enum DigestType {
    Mention,
    Status,
    Reblog,
    Follow,
    FollowRequest,
    Favourite,
    Update,
}

/// The body of `PATCH /api/lookbook/v1/mail_preferences` (a form or JSON);
/// what is left out stays as it is.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = MailPreferencesForm)]
struct Change {
    /// Digest mail on or off (a boolean read as Mastodon reads them).
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_bool")]
    digest: Option<bool>,
    /// The types a digest tells of: mention, status, reblog, follow,
    /// follow_request, favourite, update.
    #[schema(rename = "digest_types[]", value_type = Vec<DigestType>, required = false)]
    #[serde(default, deserialize_with = "flex_list")]
    digest_types: Option<Vec<String>>,
}

/// The member's mail preferences.
#[utoipa::path(get, path = "/api/lookbook/v1/mail_preferences", tag = "lookbook",
    responses((status = 200, body = MailPreferences),
              (status = 401, description = "No valid token"),
              (status = 403, description = "The token lacks read:accounts, or the address is not confirmed"),
              (status = 422, description = "The token is an app's")))]
async fn show(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<MailPreferences>> {
    let me = auth.user_with("read:accounts")?;
    Ok(Json(
        mail_preferences::get(&state.db.primary, me).await?.into(),
    ))
}

/// Changes the member's mail preferences.
#[utoipa::path(patch, path = "/api/lookbook/v1/mail_preferences", tag = "lookbook",
    request_body(content = Option<Change>, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = MailPreferences),
              (status = 401, description = "No valid token"),
              (status = 403, description = "The token lacks write:accounts, or the address is not confirmed"),
              (status = 422, description = "An unknown notification type, or the token is an app's")))]
async fn change(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<Change>,
) -> ApiResult<Json<MailPreferences>> {
    let me = auth.user_with("write:accounts")?;
    let types = match p.digest_types {
        Some(types) => {
            let mut chosen: Vec<String> = Vec::new();
            for t in types.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
                if Kind::parse(t).is_none() {
                    return Err(ApiError::Unprocessable(format!(
                        "digest_types: {t:?} is not a notification type ({})",
                        mail_preferences::all_types().join(", ")
                    )));
                }
                if !chosen.iter().any(|c| c == t) {
                    chosen.push(t.to_string());
                }
            }
            Some(chosen)
        }
        None => None,
    };
    let prefs = mail_preferences::update(&state.db.primary, me, p.digest, types.as_deref()).await?;
    Ok(Json(prefs.into()))
}
