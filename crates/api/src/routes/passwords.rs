//! `/auth/password`: "forgot your password?". A member asks for a link by
//! address (the answer is the same whether or not an account uses it), the
//! link mailed to them opens a form for a new password, and setting it
//! signs every app out (all tokens of the account are revoked). A link
//! works once and for two hours.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use lookbook_core::auth::password;
use lookbook_core::db::mail_tokens::{self, Purpose};
use lookbook_core::db::{accounts, tokens};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::entities::escape;
use crate::error::{ApiError, ApiResult};
use crate::mail_links;
use crate::pages::{message, page, same_origin};
use crate::params::{Params, QueryParams, flex_string};
use crate::routes::registration::{EMAIL_MAX, PASSWORD_MAX, PASSWORD_MIN};
use crate::throttle;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ask))
        .routes(routes!(request))
        .routes(routes!(edit, change))
}

/// The longest link token taken.
const TOKEN_MAX: usize = 128;

/// The body of `POST /auth/password`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = PasswordResetRequestForm)]
struct Request {
    /// The address of the account.
    #[schema(value_type = String, max_length = 254)]
    #[serde(default, deserialize_with = "flex_string")]
    email: Option<String>,
}

/// The body of `POST /auth/password/edit`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = PasswordChangeForm)]
struct Change {
    /// The token of the mailed link.
    #[schema(value_type = String, max_length = 128)]
    #[serde(default, deserialize_with = "flex_string")]
    reset_password_token: Option<String>,
    /// The new password: 8 to 72 characters.
    #[schema(value_type = String)]
    #[serde(default, deserialize_with = "flex_string")]
    password: Option<String>,
    /// The new password again.
    #[schema(value_type = String)]
    #[serde(default, deserialize_with = "flex_string")]
    password_confirmation: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Link {
    #[serde(default, deserialize_with = "flex_string")]
    reset_password_token: Option<String>,
}

fn request_form(problem: Option<&str>) -> String {
    let problem = problem
        .map(|m| format!("<p class=\"error\">{}</p>", escape(m)))
        .unwrap_or_default();
    format!(
        "<h1>Forgot your password?</h1>{problem}<p>Enter the e-mail address of your account; \
         we will mail you a link to set a new password.</p>\
         <form method=\"post\" action=\"/auth/password\">\
         <label>E-mail address<input name=\"email\" type=\"email\" autocomplete=\"email\" required maxlength=\"{EMAIL_MAX}\"></label>\
         <button type=\"submit\">Send the link</button></form>"
    )
}

fn change_form(token: &str, problem: Option<&str>) -> String {
    let problem = problem
        .map(|m| format!("<p class=\"error\">{}</p>", escape(m)))
        .unwrap_or_default();
    format!(
        "<h1>Set a new password</h1>{problem}\
         <form method=\"post\" action=\"/auth/password/edit\">\
         <input type=\"hidden\" name=\"reset_password_token\" value=\"{token}\">\
         <label>New password<input name=\"password\" type=\"password\" autocomplete=\"new-password\" required minlength=\"{PASSWORD_MIN}\" maxlength=\"{PASSWORD_MAX}\"></label>\
         <label>New password again<input name=\"password_confirmation\" type=\"password\" autocomplete=\"new-password\" required></label>\
         <button type=\"submit\">Set the password</button></form>\
         <p>Every app signed in to your account will be signed out.</p>",
        token = escape(token)
    )
}

fn invalid_link() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "This link does not work",
        "<h1>This link does not work</h1><p>It was used already, a newer mail replaced it, \
         or it expired.</p><p><a href=\"/auth/password/new\">Ask for a new link</a></p>",
    )
}

fn not_from_this_site() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "Please try again",
        "This form was not sent from this site. Open the page again and send it from there.",
    )
}

/// The form that asks for a link.
#[utoipa::path(get, path = "/auth/password/new", tag = "accounts",
    responses((status = 200, description = "The form", content_type = "text/html")))]
async fn ask() -> Response {
    page(StatusCode::OK, "Forgot your password?", &request_form(None))
}

/// Mails a link to set a new password, if an account uses the address;
/// the answer is the same either way.
#[utoipa::path(post, path = "/auth/password", tag = "accounts",
    request_body(content = Request, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The same page whether or not the address is known", content_type = "text/html"),
              (status = 403, description = "Not sent from this site", content_type = "text/html"),
              (status = 422, description = "No address given: the form again, with the reason", content_type = "text/html"),
              (status = 429, description = "Too many requests from this address", content_type = "text/html")))]
async fn request(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Params(p): Params<Request>,
) -> ApiResult<Response> {
    if !same_origin(&state, &headers) {
        return Ok(not_from_this_site());
    }
    let email = p.email.as_deref().map(str::trim).unwrap_or_default();
    if email.is_empty() || email.len() > EMAIL_MAX {
        let form = request_form(Some("Enter the e-mail address of your account."));
        return Ok(page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Forgot your password?",
            &form,
        ));
    }
    let ip = throttle::client_ip(&state, &headers, Some(peer));
    if let Err(ApiError::TooManyRequests { .. }) =
        throttle::hit(&state, throttle::Limit::password_resets_per_ip(&state), &ip).await
    {
        return Ok(message(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests",
            "Try again in a few minutes.",
        ));
    }
    // Looked up and queued off the request's path: the answer comes as
    // fast, and the same, whether or not an account uses the address.
    let (state_bg, email) = (state.clone(), email.to_string());
    tokio::spawn(async move {
        if let Err(error) = queue_reset(&state_bg, &email).await {
            tracing::warn!(%error, "could not queue a password-reset mail");
        }
    });
    Ok(message(
        StatusCode::OK,
        "Check your inbox",
        "If an account uses that address, a link to set a new password is on its way. \
         It works for two hours.",
    ))
}

/// Queues the reset mail of the account using `email`, if one does and it
/// is under its hourly mail limit.
async fn queue_reset(state: &AppState, email: &str) -> ApiResult<()> {
    let Some((account, address)) = accounts::by_email(&state.db.primary, email).await? else {
        return Ok(());
    };
    let limit = throttle::Limit::mails_per_account();
    if throttle::hit(state, limit, &account.to_string())
        .await
        .is_err()
    {
        return Ok(());
    }
    let mut tx = state.begin().await?;
    mail_links::send(&mut tx, account, Purpose::PasswordReset, &address).await?;
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    Ok(())
}

/// The form for a new password, behind the mailed link.
#[utoipa::path(get, path = "/auth/password/edit", tag = "accounts",
    params(("reset_password_token" = String, Query, description = "The token of the mailed link", max_length = 128)),
    responses((status = 200, description = "The form", content_type = "text/html"),
              (status = 404, description = "A used, replaced, expired or unknown link: a page that says what to do", content_type = "text/html")))]
async fn edit(
    State(state): State<AppState>,
    QueryParams(link): QueryParams<Link>,
) -> ApiResult<Response> {
    let token = link.reset_password_token.unwrap_or_default();
    if token.is_empty() || token.len() > TOKEN_MAX {
        return Ok(invalid_link());
    }
    let hash = mail_links::hash(&token);
    if mail_tokens::valid(&state.db.primary, &hash, Purpose::PasswordReset)
        .await?
        .is_none()
    {
        return Ok(invalid_link());
    }
    Ok(page(
        StatusCode::OK,
        "Set a new password",
        &change_form(&token, None),
    ))
}

/// Sets the new password (using the link up) and revokes every token of
/// the account.
#[utoipa::path(post, path = "/auth/password/edit", tag = "accounts",
    request_body(content = Change, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "Changed: a page that says so", content_type = "text/html"),
              (status = 403, description = "Not sent from this site", content_type = "text/html"),
              (status = 404, description = "A used, replaced, expired or unknown link", content_type = "text/html"),
              (status = 422, description = "The password is too short or too long, or the two differ: the form again, with the reason", content_type = "text/html")))]
async fn change(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(p): Params<Change>,
) -> ApiResult<Response> {
    if !same_origin(&state, &headers) {
        return Ok(not_from_this_site());
    }
    let token = p.reset_password_token.clone().unwrap_or_default();
    if token.is_empty() || token.len() > TOKEN_MAX {
        return Ok(invalid_link());
    }
    let hash = mail_links::hash(&token);
    let new = p.password.clone().unwrap_or_default();
    let chars = new.chars().count();
    let problem = if chars < PASSWORD_MIN {
        Some("The password is too short (at least 8 characters).")
    } else if chars > PASSWORD_MAX {
        Some("The password is too long (at most 72 characters).")
    } else if p.password_confirmation.as_deref() != Some(new.as_str()) {
        Some("The two passwords differ.")
    } else {
        None
    };
    if let Some(problem) = problem {
        if mail_tokens::valid(&state.db.primary, &hash, Purpose::PasswordReset)
            .await?
            .is_none()
        {
            return Ok(invalid_link());
        }
        let form = change_form(&token, Some(problem));
        return Ok(page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Set a new password",
            &form,
        ));
    }
    let password_hash = password::hash(new).await?;
    let mut tx = state.begin().await?;
    let Some(link) = mail_tokens::take(&mut tx, &hash, Purpose::PasswordReset).await? else {
        return Ok(invalid_link());
    };
    accounts::set_password(&mut tx, link.account_id, &password_hash).await?;
    // The link reached the address: it is confirmed as well.
    accounts::confirm(&mut tx, link.account_id, &link.email).await?;
    let revoked = tokens::revoke_all_of_account(&mut *tx, link.account_id).await?;
    mail_links::refresh_later(&mut tx, &revoked).await?;
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    mail_links::refresh_now(&state, &revoked).await;
    tracing::info!(
        account = link.account_id,
        "password reset; every token revoked"
    );
    Ok(page(
        StatusCode::OK,
        "Your password is changed",
        "<h1>Your password is changed</h1><p>Every app was signed out of your account. \
         Sign in again with the new password.</p>",
    ))
}
