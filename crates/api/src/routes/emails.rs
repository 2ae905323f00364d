//! `/api/v1/emails`: for a member who has not confirmed their address yet,
//! send the confirmation mail again (to a corrected address, if they give
//! one), and ask whether the address is confirmed, as Mastodon's apps do
//! while they wait on their "check your inbox" screen.

use axum::Json;
use axum::extract::State;
use lookbook_core::db::accounts;
use lookbook_core::db::mail_tokens::{self, Purpose};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::mail_links;
use crate::params::{Params, flex_string};
use crate::routes::registration::{EMAIL_MAX, valid_email};
use crate::throttle;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(resend))
        .routes(routes!(check))
}

/// The body of `POST /api/v1/emails/confirmations` (a form or JSON).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = EmailConfirmationForm)]
struct Resend {
    /// A corrected address to confirm instead (optional).
    #[schema(value_type = Option<String>, max_length = 254)]
    #[serde(default, deserialize_with = "flex_string")]
    email: Option<String>,
}

/// Sends the confirmation mail again; with `email`, to that address
/// instead (which becomes the account's). Only while the address awaits
/// confirmation.
#[utoipa::path(post, path = "/api/v1/emails/confirmations", tag = "accounts",
    request_body(content = Option<Resend>, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "A new mail is on its way: {}"),
              (status = 401, description = "No valid token"),
              (status = 403, description = "The address is confirmed already, the token is of another app than the one the member signed up with, or it lacks write:accounts"),
              (status = 422, description = "The address is malformed or taken, or the token is an app's"),
              (status = 429, description = "Too many mails asked for this hour")))]
async fn resend(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<Resend>,
) -> ApiResult<Json<Value>> {
    auth.require("write:accounts")?;
    let me = auth.member()?;
    let new_email = p.email.as_deref().map(str::trim).filter(|e| !e.is_empty());
    if let Some(email) = new_email
        && (email.len() > EMAIL_MAX || !valid_email(email))
    {
        return Err(ApiError::Validation {
            message: "Validation failed: E-mail address is invalid".into(),
            details: json!({"email": [{"error": "ERR_INVALID", "description": "is invalid"}]}),
        });
    }
    let mut tx = state.begin().await?;
    let address = accounts::address(&mut *tx, me)
        .await?
        .ok_or(ApiError::NotFound)?;
    let awaiting = || {
        ApiError::Forbidden(
            "This method is only available while the e-mail is awaiting confirmation".into(),
        )
    };
    if address.confirmed {
        return Err(awaiting());
    }
    // Another app the member authorised must not move the address to a
    // mailbox it controls, nor may any app for a member who joined on the
    // web (as in Mastodon).
    if address
        .created_by_app_id
        .is_none_or(|app| app != auth.grant.app_id)
    {
        return Err(ApiError::Forbidden(
            "This method is only available to the application the user originally signed-up with"
                .into(),
        ));
    }
    throttle::hit(
        &state,
        throttle::Limit::mails_per_account(),
        &me.to_string(),
    )
    .await?;
    let email = match new_email {
        Some(email) if !email.eq_ignore_ascii_case(&address.email) => {
            match accounts::change_unconfirmed_email(&mut tx, me, email).await {
                Ok(true) => {
                    // Links to the old address stop working.
                    mail_tokens::retire_all(&mut tx, me).await?;
                    email.to_string()
                }
                Ok(false) => return Err(awaiting()),
                Err(lookbook_core::Error::Taken(_)) => {
                    return Err(ApiError::Validation {
                        message: "Validation failed: E-mail address has already been taken".into(),
                        details: json!({"email": [{"error": "ERR_TAKEN", "description": "has already been taken"}]}),
                    });
                }
                Err(other) => return Err(other.into()),
            }
        }
        _ => address.email,
    };
    mail_links::send(&mut tx, me, Purpose::Confirmation, &email).await?;
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    Ok(Json(json!({})))
}

/// Whether the member's address is confirmed (`true` or `false`).
#[utoipa::path(get, path = "/api/v1/emails/check_confirmation", tag = "accounts",
    responses((status = 200, description = "true once the address is confirmed", body = bool, content_type = "application/json"),
              (status = 401, description = "No valid token"),
              (status = 403, description = "The token lacks read:accounts"),
              (status = 422, description = "The token is an app's")))]
async fn check(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<bool>> {
    auth.require("read:accounts")?;
    let me = auth.member()?;
    let address = accounts::address(&state.db.primary, me)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(address.confirmed))
}
