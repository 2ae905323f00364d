//! `GET /auth/confirmation`: the link of the confirmation mail. Opening it
//! confirms the address it was sent to, and the member's apps work from
//! then on. Opening it again (or a mail scanner having opened it first)
//! says so instead of failing.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use lookbook_core::db::accounts;
use lookbook_core::db::mail_tokens::{self, Purpose};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiResult;
use crate::mail_links;
use crate::pages::message;
use crate::params::{QueryParams, flex_string};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(confirm))
}

#[derive(Debug, Default, Deserialize)]
struct Link {
    #[serde(default, deserialize_with = "flex_string")]
    confirmation_token: Option<String>,
}

/// Confirms the address the link was mailed to.
#[utoipa::path(get, path = "/auth/confirmation", tag = "accounts",
    params(("confirmation_token" = String, Query, description = "The token of the mailed link", max_length = 128)),
    responses((status = 200, description = "Confirmed: a page that says so", content_type = "text/html"),
              (status = 404, description = "An unknown, replaced or expired link: a page that says what to do", content_type = "text/html")))]
async fn confirm(
    State(state): State<AppState>,
    QueryParams(link): QueryParams<Link>,
) -> ApiResult<Response> {
    let token = link.confirmation_token.unwrap_or_default();
    let invalid = || {
        message(
            StatusCode::NOT_FOUND,
            "This link does not work",
            "It is not a confirmation link, or a newer mail replaced it, or it expired. \
             Sign in to the app and ask for a new confirmation mail.",
        )
    };
    if token.is_empty() || token.len() > 128 {
        return Ok(invalid());
    }
    let mut tx = state.begin().await?;
    let Some(valid) =
        mail_tokens::valid(&mut *tx, &mail_links::hash(&token), Purpose::Confirmation).await?
    else {
        return Ok(invalid());
    };
    let was = accounts::address(&mut *tx, valid.account_id).await?;
    if !accounts::confirm(&mut tx, valid.account_id, &valid.email).await? {
        // The member changed the address since this mail went out.
        return Ok(invalid());
    }
    let hashes = mail_links::live_tokens(&mut tx, valid.account_id).await?;
    let newly = was.is_some_and(|a| !a.confirmed);
    if newly {
        mail_links::refresh_later(&mut tx, &hashes).await?;
    }
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    if newly {
        mail_links::refresh_now(&state, &hashes).await;
    }
    Ok(message(
        StatusCode::OK,
        "Your address is confirmed",
        "Thank you. Go back to the app: everything works from now on.",
    ))
}
