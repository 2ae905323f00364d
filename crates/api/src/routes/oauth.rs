//! OAuth 2: `POST /oauth/token` (client credentials, password, authorization
//! code with PKCE, refresh token), `POST /oauth/revoke` and the
//! authorization server metadata. Errors follow RFC 6749 section 5.2.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use lookbook_core::auth::{Scopes, password, secret};
use lookbook_core::db::apps::{self, App};
use lookbook_core::db::{accounts, tokens};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::params::{Params, flex_string};
use crate::throttle;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(token))
        .routes(routes!(revoke))
        .routes(routes!(metadata))
}

pub(crate) fn oauth_error(status: StatusCode, error: &'static str, description: &str) -> ApiError {
    ApiError::OAuth {
        status,
        error,
        description: description.to_string(),
    }
}

fn invalid_client() -> ApiError {
    oauth_error(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
    )
}

fn invalid_grant() -> ApiError {
    oauth_error(
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
    )
}

fn invalid_scope() -> ApiError {
    oauth_error(
        StatusCode::BAD_REQUEST,
        "invalid_scope",
        "The requested scope is invalid, unknown, or malformed.",
    )
}

/// The body of `POST /oauth/token` (a form or JSON; the client may also
/// authenticate with HTTP Basic instead of `client_id`/`client_secret`).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = TokenForm)]
struct TokenParams {
    /// What is exchanged for a token.
    #[schema(required = true, value_type = String,
             pattern = "^(client_credentials|password|authorization_code|refresh_token)$")]
    #[serde(default, deserialize_with = "flex_string")]
    grant_type: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    client_id: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    client_secret: Option<String>,
    /// Space-separated scopes, within the app's.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    scope: Option<String>,
    /// authorization_code: the code from the sign-in page.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    code: Option<String>,
    /// authorization_code: the redirect URI the code was issued for.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    redirect_uri: Option<String>,
    /// authorization_code with PKCE: the verifier of the challenge.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    code_verifier: Option<String>,
    /// password: the username or e-mail address.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    username: Option<String>,
    /// password: the password.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    password: Option<String>,
    /// refresh_token: the refresh token.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    refresh_token: Option<String>,
    /// `/oauth/revoke` only: the token to revoke.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    token: Option<String>,
}

/// The body of `POST /oauth/revoke` (a form or JSON), as [`TokenParams`]
/// reads it; the client may authenticate with HTTP Basic instead.
#[derive(utoipa::ToSchema)]
#[schema(as = RevokeForm)]
#[allow(dead_code)] // it only describes the form
struct RevokeForm {
    client_id: Option<String>,
    client_secret: Option<String>,
    /// The access or refresh token to revoke.
    token: String,
}

/// Client credentials from HTTP Basic or from the body.
fn client_credentials(headers: &HeaderMap, p: &TokenParams) -> Option<(String, String)> {
    if let Some(basic) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        && let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(basic.trim())
        && let Ok(text) = String::from_utf8(decoded)
        && let Some((id, secret)) = text.split_once(':')
    {
        // RFC 6749 2.3.1: both parts are form-urlencoded.
        let decode = |part: &str| {
            form_urlencoded::parse(format!("v={part}").as_bytes())
                .map(|(_, v)| v.into_owned())
                .next()
        };
        return Some((decode(id)?, decode(secret).unwrap_or_default()));
    }
    Some((p.client_id.clone()?, p.client_secret.clone()?))
}

/// The app whose id and secret these are.
pub(crate) async fn authenticate_client(
    state: &AppState,
    id: &str,
    client_secret: &str,
) -> ApiResult<Option<App>> {
    if id.len() > 128 {
        return Ok(None);
    }
    let app = apps::by_client_id(&state.db.primary, id).await?;
    Ok(app.filter(|a| a.client_secret_hash == secret::hash(client_secret)))
}

/// Scopes asked for, which must lie within the app's.
fn requested_scopes(app: &App, scope: Option<&str>) -> ApiResult<Scopes> {
    let scopes = Scopes::parse(scope.unwrap_or("")).map_err(|_| invalid_scope())?;
    if scopes.within(&Scopes::from_vec(app.scopes.clone())) {
        Ok(scopes)
    } else {
        Err(invalid_scope())
    }
}

/// Creates a token (with a refresh token when it acts for a member) and
/// renders Mastodon's Token entity.
pub(crate) async fn issue(
    state: &AppState,
    app: &App,
    account: Option<i64>,
    scopes: &Scopes,
) -> ApiResult<Value> {
    Ok(issue_with_id(state, app, account, scopes).await?.1)
}

/// [`issue`], also answering the new token's id.
async fn issue_with_id(
    state: &AppState,
    app: &App,
    account: Option<i64>,
    scopes: &Scopes,
) -> ApiResult<(i64, Value)> {
    let access = secret::generate();
    let refresh = account.map(|_| secret::generate());
    let refresh_hash = refresh.as_deref().map(secret::hash);
    let (token_id, created_at) = tokens::insert(
        &state.db.primary,
        &secret::hash(&access),
        refresh_hash.as_deref(),
        app.id,
        account,
        scopes.as_slice(),
    )
    .await?;
    let mut body = json!({
        "access_token": access,
        "token_type": "Bearer",
        "scope": scopes.to_string(),
        "created_at": created_at.timestamp(),
    });
    if let Some(refresh) = refresh {
        body["refresh_token"] = refresh.into();
    }
    Ok((token_id, body))
}

/// Checks a member's sign-in, throttled per account and per address. The
/// answer is the same whether the account exists or the password is wrong.
pub(crate) async fn sign_in(
    state: &AppState,
    login: &str,
    pass: &str,
    ip: &str,
) -> ApiResult<Option<i64>> {
    if login.len() > 320 || pass.len() > 1024 {
        return Ok(None);
    }
    throttle::hit(state, throttle::Limit::sign_in_per_ip(state), ip).await?;
    throttle::hit(state, throttle::Limit::sign_in_per_account(state), login).await?;
    let found = accounts::credentials(&state.db.primary, login).await?;
    if let Some((id, _)) = &found {
        // Username and e-mail share one budget per account.
        throttle::hit(
            state,
            throttle::Limit::sign_in_per_account(state),
            &format!("account:{id}"),
        )
        .await?;
    }
    let stored = found
        .as_ref()
        .map_or_else(|| password::decoy().to_string(), |(_, h)| h.clone());
    let matches = password::verify(pass.to_string(), stored).await;
    Ok(found.filter(|_| matches).map(|(id, _)| id))
}

/// Issues an access token.
#[utoipa::path(post, path = "/oauth/token", tag = "oauth",
    request_body(content = TokenParams, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "A Token"), (status = 400, description = "Refused grant"), (status = 401, description = "Unknown client")))]
async fn token(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Params(p): Params<TokenParams>,
) -> ApiResult<(HeaderMap, Json<Value>)> {
    let (id, client_secret) = client_credentials(&headers, &p).ok_or_else(invalid_client)?;
    let app = authenticate_client(&state, &id, &client_secret)
        .await?
        .ok_or_else(invalid_client)?;
    let body = match p.grant_type.as_deref() {
        Some("client_credentials") => {
            let scopes = requested_scopes(&app, p.scope.as_deref())?;
            issue(&state, &app, None, &scopes).await?
        }
        Some("password") => {
            let scopes = requested_scopes(&app, p.scope.as_deref())?;
            let (Some(login), Some(pass)) = (p.username.as_deref(), p.password.as_deref()) else {
                return Err(oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "username and password are required.",
                ));
            };
            let ip = throttle::client_ip(&state, &headers, Some(peer));
            let account = sign_in(&state, login, pass, &ip)
                .await?
                .ok_or_else(invalid_grant)?;
            issue(&state, &app, Some(account), &scopes).await?
        }
        Some("authorization_code") => {
            let code = p.code.as_deref().ok_or_else(invalid_grant)?;
            let code_hash = secret::hash(code);
            let Some(grant) = tokens::take_code(&state.db.primary, &code_hash, app.id).await?
            else {
                // A code presented twice may have been stolen: its token goes too.
                let mut tx = state.begin().await?;
                let revoked = tokens::revoke_from_reused_code(&mut *tx, &code_hash, app.id).await?;
                if let Some(token_hash) = &revoked {
                    crate::auth::forget_later(&mut tx, token_hash).await?;
                }
                tx.commit().await.map_err(lookbook_core::Error::from)?;
                if let Some(token_hash) = revoked {
                    crate::auth::forget(&state, &token_hash).await;
                }
                return Err(invalid_grant());
            };
            if p.redirect_uri.as_deref() != Some(grant.redirect_uri.as_str()) {
                return Err(invalid_grant());
            }
            match (&grant.code_challenge, p.code_verifier.as_deref()) {
                (Some(challenge), Some(verifier)) if secret::pkce_matches(verifier, challenge) => {}
                (None, None) => {}
                // A missing verifier, a wrong one, or one for a code that had no challenge.
                _ => return Err(invalid_grant()),
            }
            let (token_id, body) = issue_with_id(
                &state,
                &app,
                Some(grant.account_id),
                &Scopes::from_vec(grant.scopes),
            )
            .await?;
            tokens::link_code(&state.db.primary, &code_hash, token_id).await?;
            body
        }
        Some("refresh_token") => {
            let refresh = p.refresh_token.as_deref().ok_or_else(invalid_grant)?;
            let mut tx = state.begin().await?;
            let (account, scopes, old) =
                tokens::take_refresh(&mut *tx, &secret::hash(refresh), app.id)
                    .await?
                    .ok_or_else(invalid_grant)?;
            crate::auth::forget_later(&mut tx, &old).await?;
            tx.commit().await.map_err(lookbook_core::Error::from)?;
            crate::auth::forget(&state, &old).await;
            issue(&state, &app, account, &Scopes::from_vec(scopes)).await?
        }
        _ => {
            return Err(oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server.",
            ));
        }
    };
    let mut out = HeaderMap::new();
    out.insert(
        axum::http::header::CACHE_CONTROL,
        "no-store".parse().expect("static header"),
    );
    Ok((out, Json(body)))
}

/// Revokes a token of the calling client; revoking twice, or an unknown
/// token, is fine.
#[utoipa::path(post, path = "/oauth/revoke", tag = "oauth",
    request_body(content = RevokeForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "Revoked"), (status = 403, description = "Not this client's token")))]
async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(p): Params<TokenParams>,
) -> ApiResult<Json<Value>> {
    let forbidden = || {
        oauth_error(
            StatusCode::FORBIDDEN,
            "unauthorized_client",
            "You are not authorized to revoke this token",
        )
    };
    let (id, client_secret) = client_credentials(&headers, &p).ok_or_else(forbidden)?;
    let app = authenticate_client(&state, &id, &client_secret)
        .await?
        .ok_or_else(forbidden)?;
    let Some(token) = p.token.as_deref() else {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "token is required.",
        ));
    };
    let hash = secret::hash(token);
    let mut tx = state.begin().await?;
    let revoked = tokens::revoke(&mut *tx, &hash, app.id).await?;
    if let Some(access_hash) = &revoked {
        crate::auth::forget_later(&mut tx, access_hash).await?;
    }
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    match revoked {
        Some(access_hash) => crate::auth::forget(&state, &access_hash).await,
        None if tokens::owned_by_other_app(&state.db.primary, &hash, app.id).await? => {
            return Err(forbidden());
        }
        None => {}
    }
    Ok(Json(json!({})))
}

/// RFC 8414 authorization server metadata.
#[utoipa::path(get, path = "/.well-known/oauth-authorization-server", tag = "oauth",
    responses((status = 200, description = "Metadata")))]
async fn metadata(State(state): State<AppState>) -> Json<Value> {
    let base = &state.config.public_url;
    Json(json!({
        "issuer": format!("{base}/"),
        "service_documentation": format!("{base}/api/docs"),
        "authorization_endpoint": format!("{base}/oauth/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "app_registration_endpoint": format!("{base}/api/v1/apps"),
        "revocation_endpoint": format!("{base}/oauth/revoke"),
        "scopes_supported": lookbook_core::auth::scopes::KNOWN,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": ["authorization_code", "client_credentials", "password", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    }))
}
