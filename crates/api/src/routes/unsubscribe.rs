//! `/mail/unsubscribe`: the link at the foot of every digest mail, and its
//! `List-Unsubscribe` header. A mail program posts to it in one click
//! (RFC 8058, `List-Unsubscribe=One-Click`) and a person who opens it gets a
//! page with one button; neither needs to sign in. Opening it alone changes
//! nothing, since mail scanners open links.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use lookbook_core::auth::secret;
use lookbook_core::db::mail_preferences;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::entities::escape;
use crate::error::ApiResult;
use crate::pages::{message, page};
use crate::params::{QueryParams, flex_string};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(ask, unsubscribe))
}

/// The longest token taken.
const TOKEN_MAX: usize = 128;

#[derive(Debug, Default, Deserialize)]
struct Link {
    #[serde(default, deserialize_with = "flex_string")]
    token: Option<String>,
}

fn unknown() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "This link does not work",
        "It is not the unsubscribe link of a mail we sent. Your app's settings can turn digest mail off.",
    )
}

/// The token, if it has the shape of one.
fn token_of(link: Link) -> Option<String> {
    link.token
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty() && t.len() <= TOKEN_MAX)
}

/// A page with one button that turns digest mail off.
#[utoipa::path(get, path = "/mail/unsubscribe", tag = "lookbook",
    params(("token" = String, Query, description = "The token of the mail's link", max_length = 128)),
    responses((status = 200, description = "The page with the button", content_type = "text/html"),
              (status = 404, description = "Not a link of a mail we sent", content_type = "text/html")))]
async fn ask(
    State(state): State<AppState>,
    QueryParams(link): QueryParams<Link>,
) -> ApiResult<Response> {
    let Some(token) = token_of(link) else {
        return Ok(unknown());
    };
    if !mail_preferences::known_link(&state.db.primary, &secret::hash(&token)).await? {
        return Ok(unknown());
    }
    let action = format!("/mail/unsubscribe?token={}", escape(&token));
    Ok(page(
        StatusCode::OK,
        "No more digest mail",
        &format!(
            "<h1>No more digest mail?</h1><p>We mail you what you missed when you have been away \
             for a while.</p><form method=\"post\" action=\"{action}\">\
             <input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\
             <button type=\"submit\">Stop these mails</button></form>"
        ),
    ))
}

/// Turns digest mail off for the link's member (one click, no sign-in).
#[utoipa::path(post, path = "/mail/unsubscribe", tag = "lookbook",
    params(("token" = String, Query, description = "The token of the mail's link", max_length = 128)),
    responses((status = 200, description = "Done: a page that says so", content_type = "text/html"),
              (status = 404, description = "Not a link of a mail we sent", content_type = "text/html")))]
async fn unsubscribe(
    State(state): State<AppState>,
    QueryParams(link): QueryParams<Link>,
) -> ApiResult<Response> {
    let Some(token) = token_of(link) else {
        return Ok(unknown());
    };
    match mail_preferences::unsubscribe(&state.db.primary, &secret::hash(&token)).await? {
        Some(account) => {
            tracing::info!(account, "digest mail turned off by its unsubscribe link");
            Ok(message(
                StatusCode::OK,
                "Unsubscribed",
                "You will get no more digest mail. Your app's settings can turn it on again.",
            ))
        }
        None => Ok(unknown()),
    }
}
