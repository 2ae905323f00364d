//! `GET/POST /oauth/authorize`: the authorization code flow's small sign-in
//! and approval page. Signing in and approving are one form, so no session
//! cookie is needed. The code goes back on the redirect, or is shown on the
//! page for `urn:ietf:wg:oauth:2.0:oob`.
//!
//! The form is protected against cross-site posting (which could sign a
//! victim in to an attacker's account): the page sets a random token in a
//! `SameSite=Strict` cookie and in a hidden field, and a POST must carry both,
//! equal; a POST whose `Origin` is another site is refused too.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use lookbook_core::auth::{Scopes, secret};
use lookbook_core::db::apps::{self, App};
use lookbook_core::db::tokens;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::entities::escape;
use crate::error::{ApiError, ApiResult};
use crate::pages::{self, page};
use crate::params::{Params, QueryParams, flex_string};
use crate::throttle;
use crate::web::Site;
use crate::{AppState, consent};

/// The redirect URI that asks for the code to be shown instead.
const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";

/// The cookie holding the form's anti-forgery token.
const CSRF_COOKIE: &str = "lookbook_authorize";

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(show, approve))
}

/// The sign-in form `POST /oauth/authorize` takes (the page's hidden fields
/// and what the member types); the same names come in the query of the GET.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = AuthorizeForm)]
struct AuthorizeParams {
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    response_type: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    client_id: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    redirect_uri: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    scope: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    state: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    code_challenge: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    code_challenge_method: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    username: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    password: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    deny: Option<String>,
    /// The anti-forgery token from the page's hidden field.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    authenticity_token: Option<String>,
}

/// A request that names a real client and one of its redirect URIs.
struct Checked {
    app: App,
    redirect_uri: String,
    scopes: Scopes,
}

fn error_page(message: &str) -> Response {
    page(
        StatusCode::BAD_REQUEST,
        "Authorization error",
        &format!("<h1>Authorization error</h1><p>{}</p>", escape(message)),
    )
}

/// Validates the client, redirect URI, response type, scopes and PKCE method.
async fn check(state: &AppState, p: &AuthorizeParams) -> ApiResult<Result<Checked, Response>> {
    let Some(client_id) = p.client_id.as_deref() else {
        return Ok(Err(error_page("client_id is missing.")));
    };
    let app = match apps::by_client_id(&state.db.primary, client_id).await? {
        Some(app) if client_id.len() <= 128 => app,
        _ => return Ok(Err(error_page("This application is unknown."))),
    };
    let redirect_uri = p.redirect_uri.clone().unwrap_or_default();
    if !app.redirect_uris.contains(&redirect_uri) {
        return Ok(Err(error_page(
            "The redirect URI is not one this application registered.",
        )));
    }
    if p.response_type.as_deref() != Some("code") {
        return Ok(Err(error_page("Only response_type=code is supported.")));
    }
    if let Some(challenge) = &p.code_challenge {
        if p.code_challenge_method.as_deref() != Some("S256") {
            return Ok(Err(error_page("code_challenge_method must be S256.")));
        }
        let well_formed = (43..=128).contains(&challenge.len())
            && challenge
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c));
        if !well_formed {
            return Ok(Err(error_page(
                "code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~].",
            )));
        }
    }
    let scopes = match Scopes::parse(p.scope.as_deref().unwrap_or("")) {
        Ok(scopes) if scopes.within(&Scopes::from_vec(app.scopes.clone())) => scopes,
        _ => {
            return Ok(Err(error_page(
                "The requested scope is invalid, unknown, or beyond this application's.",
            )));
        }
    };
    Ok(Ok(Checked {
        app,
        redirect_uri,
        scopes,
    }))
}

/// The sign-in and approval page.
#[derive(Template)]
#[template(path = "web/authorize.html")]
struct SignInPage<'a> {
    site: &'a Site,
    app: &'a str,
    /// What the app may do, in words.
    scopes: Vec<&'static str>,
    problem: Option<&'a str>,
    hidden: Vec<(&'static str, &'a str)>,
    /// The sign-up page, leading back here.
    sign_up: String,
}

fn form(
    state: &AppState,
    p: &AuthorizeParams,
    checked: &Checked,
    problem: Option<&str>,
    csrf: &str,
) -> Response {
    let scope = checked.scopes.to_string();
    let hidden = [
        ("authenticity_token", Some(csrf)),
        ("response_type", Some("code")),
        ("client_id", p.client_id.as_deref()),
        ("redirect_uri", Some(checked.redirect_uri.as_str())),
        ("scope", Some(scope.as_str())),
        ("state", p.state.as_deref()),
        ("code_challenge", p.code_challenge.as_deref()),
        ("code_challenge_method", p.code_challenge_method.as_deref()),
    ]
    .into_iter()
    .filter_map(|(k, v)| Some((k, v?)))
    .collect::<Vec<_>>();
    let mut back = form_urlencoded::Serializer::new(String::new());
    for (k, v) in hidden.iter().filter(|(k, _)| *k != "authenticity_token") {
        back.append_pair(k, v);
    }
    let sign_up = form_urlencoded::Serializer::new(String::new())
        .append_pair("return_to", &format!("/oauth/authorize?{}", back.finish()))
        .finish();
    let site = Site::new(
        state,
        format!("{}/oauth/authorize", state.config.public_url),
    );
    let html = SignInPage {
        site: &site,
        app: &checked.app.name,
        scopes: checked
            .scopes
            .as_slice()
            .iter()
            .map(|s| consent::describe(s))
            .collect(),
        problem,
        hidden,
        sign_up: format!("/auth/sign_up?{sign_up}"),
    }
    .render();
    let status = if problem.is_none() {
        StatusCode::OK
    } else {
        StatusCode::UNAUTHORIZED
    };
    let mut response = match html {
        Ok(html) => pages::html_page(status, html),
        Err(err) => {
            tracing::error!(error = %err, "the sign-in page did not render");
            return ApiError::Internal(lookbook_core::Error::Other(err.into())).into_response();
        }
    };
    pages::set_form_cookie(state, &mut response, CSRF_COOKIE, "/oauth/authorize", csrf);
    response
}

/// Whether a POST came from this site's own page.
fn from_our_page(state: &AppState, headers: &HeaderMap, p: &AuthorizeParams) -> bool {
    pages::from_our_form(state, headers, CSRF_COOKIE, p.authenticity_token.as_deref())
}

/// `redirect_uri` with the query parameters added.
fn redirect_with(uri: &str, params: &[(&str, &str)]) -> Response {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        query.append_pair(k, v);
    }
    let separator = if uri.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{uri}{separator}{}", query.finish())).into_response()
}

/// The sign-in and approval page.
#[utoipa::path(get, path = "/oauth/authorize", tag = "oauth",
    params(("response_type" = String, Query, description = "code", pattern = "^code$"),
           ("client_id" = String, Query, description = "The app's client_id"),
           ("redirect_uri" = String, Query, description = "One of the app's redirect URIs"),
           ("scope" = Option<String>, Query, description = "Space-separated scopes within the app's"),
           ("state" = Option<String>, Query, description = "Returned on the redirect"),
           ("code_challenge" = Option<String>, Query, description = "PKCE: the S256 challenge"),
           ("code_challenge_method" = Option<String>, Query, description = "S256")),
    responses((status = 200, description = "The sign-in and approval page", content_type = "text/html"),
              (status = 400, description = "An unknown app or a redirect URI it did not register (a page that says which), or a malformed parameter (an error)",
               content((String = "text/html"), (crate::error::ErrorBody = "application/json")))))]
async fn show(
    State(state): State<AppState>,
    QueryParams(p): QueryParams<AuthorizeParams>,
) -> ApiResult<Response> {
    Ok(match check(&state, &p).await? {
        Ok(checked) => form(&state, &p, &checked, None, &secret::generate()),
        Err(page) => page,
    })
}

/// Signs in, approves, and redirects with the code (or shows it).
#[utoipa::path(post, path = "/oauth/authorize", tag = "oauth",
    request_body(content = AuthorizeParams, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The code, shown for urn:ietf:wg:oauth:2.0:oob", content_type = "text/html"),
              (status = 303, description = "Back to the app with a code"),
              (status = 400, description = "An unknown app or a redirect URI it did not register (a page that says which), or a malformed parameter (an error)",
               content((String = "text/html"), (crate::error::ErrorBody = "application/json"))),
              (status = 401, description = "Wrong credentials: the page again, with the reason", content_type = "text/html"),
              (status = 403, description = "Not sent from this site's sign-in page (anti-forgery token or Origin)", content_type = "text/html"),
              (status = 429, description = "Too many sign-in attempts", content_type = "text/html")))]
async fn approve(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Params(p): Params<AuthorizeParams>,
) -> ApiResult<Response> {
    let checked = match check(&state, &p).await? {
        Ok(checked) => checked,
        Err(page) => return Ok(page),
    };
    if !from_our_page(&state, &headers, &p) {
        return Ok(page(
            StatusCode::FORBIDDEN,
            "Authorization error",
            "<h1>Please sign in again</h1><p>This form expired or was not sent from this site's \
             sign-in page. Go back to the application and start signing in again.</p>",
        ));
    }
    let csrf = p.authenticity_token.clone().unwrap_or_default();
    let state_param = p.state.clone().unwrap_or_default();
    if p.deny.is_some() {
        if checked.redirect_uri == OOB {
            return Ok(page(StatusCode::OK, "Denied", "<h1>Access denied</h1>"));
        }
        let mut params = vec![
            ("error", "access_denied"),
            (
                "error_description",
                "The resource owner denied the request.",
            ),
        ];
        if !state_param.is_empty() {
            params.push(("state", &state_param));
        }
        return Ok(redirect_with(&checked.redirect_uri, &params));
    }
    let ip = throttle::client_ip(&state, &headers, Some(peer));
    let login = p.username.clone().unwrap_or_default();
    let account =
        match super::oauth::sign_in(&state, &login, p.password.as_deref().unwrap_or(""), &ip).await
        {
            Ok(Some(account)) => account,
            Ok(None) => {
                let problem = Some("Invalid username or password.");
                return Ok(form(&state, &p, &checked, problem, &csrf));
            }
            Err(ApiError::TooManyRequests { .. }) => {
                return Ok(page(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many attempts",
                    "<h1>Too many attempts</h1><p>Try again in a few minutes.</p>",
                ));
            }
            Err(other) => return Err(other),
        };
    let code = secret::generate();
    tokens::insert_code(
        &state.db.primary,
        &secret::hash(&code),
        checked.app.id,
        account,
        checked.scopes.as_slice(),
        &checked.redirect_uri,
        p.code_challenge.as_deref(),
    )
    .await?;
    if checked.redirect_uri == OOB {
        let body = format!(
            "<h1>Authorization code</h1><p>Copy this code into the application:</p><p><code id=\"code\">{}</code></p>",
            escape(&code)
        );
        return Ok(page(StatusCode::OK, "Authorization code", &body));
    }
    let mut params = vec![("code", code.as_str())];
    if !state_param.is_empty() {
        params.push(("state", &state_param));
    }
    Ok(redirect_with(&checked.redirect_uri, &params))
}
