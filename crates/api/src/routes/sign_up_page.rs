//! `GET|POST /auth/sign_up`: joining from the web, linked from the sign-in
//! page every app opens. The same checks, limits and confirmation mail as
//! `POST /api/v1/accounts` ([`super::registration::create_account`]); the
//! form carries an anti-forgery token, and `return_to` leads back to the
//! sign-in page the member came from.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use lookbook_core::auth::secret;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::registration::{SignUp, create_account};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::pages::{self, message};
use crate::params::{Params, QueryParams, flex_bool, flex_string};
use crate::throttle;
use crate::web::Site;

/// The cookie holding the form's anti-forgery token.
const CSRF_COOKIE: &str = "lookbook_sign_up";

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(show, join))
}

#[derive(Template)]
#[template(path = "web/sign_up.html")]
struct SignUpPage<'a> {
    site: &'a Site,
    problem: Option<&'a str>,
    csrf: &'a str,
    return_to: &'a str,
    username: &'a str,
    email: &'a str,
}

/// The form, as the page sends it (`return_to` also in the GET's query).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = WebSignUpForm)]
struct JoinParams {
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    authenticity_token: Option<String>,
    /// Where "Sign in" leads: this site's sign-in page, with its query.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    return_to: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    username: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    email: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    password: Option<String>,
    /// The rules accepted (a checkbox).
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_bool")]
    agreement: Option<bool>,
}

/// `return_to` if it is this site's sign-in page, else that page's path.
fn return_to(p: &JoinParams) -> &str {
    p.return_to
        .as_deref()
        .filter(|r| r.starts_with("/oauth/authorize?") || *r == "/oauth/authorize")
        .unwrap_or("/oauth/authorize")
}

fn form(state: &AppState, p: &JoinParams, status: StatusCode, problem: Option<&str>) -> Response {
    let csrf = secret::generate();
    let site = Site::new(state, format!("{}/auth/sign_up", state.config.public_url));
    let page = SignUpPage {
        site: &site,
        problem,
        csrf: &csrf,
        return_to: return_to(p),
        username: p.username.as_deref().unwrap_or(""),
        email: p.email.as_deref().unwrap_or(""),
    };
    match page.render() {
        Ok(html) => {
            let mut response = pages::html_page(status, html);
            pages::set_form_cookie(state, &mut response, CSRF_COOKIE, "/auth/sign_up", &csrf);
            response
        }
        Err(err) => ApiError::Internal(lookbook_core::Error::Other(err.into())).into_response(),
    }
}

/// The sign-up form.
#[utoipa::path(get, path = "/auth/sign_up", tag = "oauth",
    params(("return_to" = Option<String>, Query, description = "The sign-in page to go back to")),
    responses((status = 200, description = "The sign-up page", content_type = "text/html")))]
async fn show(State(state): State<AppState>, QueryParams(p): QueryParams<JoinParams>) -> Response {
    form(&state, &p, StatusCode::OK, None)
}

/// Creates the account and says to confirm the address (or to sign in,
/// when the server asks for no confirmation).
#[utoipa::path(post, path = "/auth/sign_up", tag = "oauth",
    request_body(content = JoinParams, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "Created: what to do next", content_type = "text/html"),
              (status = 403, description = "Not sent from this site's sign-up page", content_type = "text/html"),
              (status = 422, description = "Refused: the form again, with the reason", content_type = "text/html"),
              (status = 429, description = "Too many sign-ups from this address", content_type = "text/html")))]
async fn join(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Params(p): Params<JoinParams>,
) -> ApiResult<Response> {
    if !pages::from_our_form(
        &state,
        &headers,
        CSRF_COOKIE,
        p.authenticity_token.as_deref(),
    ) {
        return Ok(message(
            StatusCode::FORBIDDEN,
            "Please try again",
            "This form expired or was not sent from this site's sign-up page. Open it again.",
        ));
    }
    let asked = SignUp {
        username: p.username.clone(),
        email: p.email.clone(),
        password: p.password.clone(),
        agreement: p.agreement,
        locale: Some("en".into()),
    };
    let ip = throttle::client_ip(&state, &headers, Some(peer));
    match create_account(&state, &ip, &asked, None).await {
        Ok(_) if state.config.mail.confirm_email => Ok(message(
            StatusCode::OK,
            "Check your mail",
            "Your account is made. Open the link we sent to your address to confirm it, then sign in.",
        )),
        Ok(_) => Ok(message(
            StatusCode::OK,
            "Welcome",
            "Your account is made: go back to the app and sign in.",
        )),
        Err(ApiError::Validation { message, .. }) => Ok(form(
            &state,
            &p,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(message.trim_start_matches("Validation failed: ")),
        )),
        Err(ApiError::TooManyRequests { .. }) => Ok(message(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many sign-ups",
            "Too many accounts were made from your address; try again later.",
        )),
        Err(other) => Err(other),
    }
}
