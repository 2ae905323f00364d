//! `POST /api/v1/apps` (register a client) and
//! `GET /api/v1/apps/verify_credentials`.

use axum::Json;
use axum::extract::State;
use lookbook_core::auth::{Scopes, secret};
use lookbook_core::db::apps::{self, NewApp};
use serde::Deserialize;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Auth;
use crate::entities;
use crate::error::{ApiError, ApiResult};
use crate::params::{Params, flex_list, flex_string};

/// Longest app name accepted.
const NAME_MAX: usize = 60;
/// Longest redirect URI accepted.
const URI_MAX: usize = 2000;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(verify_credentials))
}

/// The body of `POST /api/v1/apps` (a form or JSON).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = AppForm)]
struct NewAppParams {
    /// The app's name, shown on the sign-in page.
    #[schema(required = true, value_type = String, min_length = 1, max_length = 60,
             pattern = "^[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    #[serde(default, deserialize_with = "flex_string")]
    client_name: Option<String>,
    /// Where the sign-in page may send the code: absolute URIs of visible
    /// ASCII separated by spaces (at most 10, no fragment, no javascript:,
    /// data: or vbscript:, at most 2,000 characters each), or
    /// `urn:ietf:wg:oauth:2.0:oob` to show it.
    #[schema(required = true, value_type = String,
             pattern = "^[ ]*[A-Za-z][A-Za-z0-9+.-]*:[!\"$-~]+([ ]+[A-Za-z][A-Za-z0-9+.-]*:[!\"$-~]+){0,9}[ ]*$")]
    #[serde(default, deserialize_with = "flex_list")]
    redirect_uris: Option<Vec<String>>,
    /// Space-separated scopes the app may ask for; `read` when absent.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    scopes: Option<String>,
    /// The app's home page, http(s); empty is the same as none.
    #[schema(value_type = Option<String>, pattern = "^(https?://[a-z0-9]+(\\.[a-z0-9]+)*(/[a-z0-9]*)?)?$")]
    #[serde(default, deserialize_with = "flex_string")]
    website: Option<String>,
}

fn invalid(message: &str) -> ApiError {
    ApiError::Unprocessable(format!("Validation failed: {message}"))
}

/// Whether `uri` can be redirected to: absolute, no fragment, no script scheme.
fn valid_redirect_uri(uri: &str) -> Result<(), ApiError> {
    if uri.len() > URI_MAX {
        return Err(invalid("Redirect URI is too long"));
    }
    let Some((scheme, rest)) = uri.split_once(':') else {
        return Err(invalid("Redirect URI must be an absolute URI."));
    };
    let scheme_ok = !scheme.is_empty()
        && scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    // Visible ASCII only: anything else cannot go into a Location header.
    if !scheme_ok || rest.is_empty() || !uri.chars().all(|c| c.is_ascii_graphic()) {
        return Err(invalid("Redirect URI must be an absolute URI."));
    }
    if ["javascript", "data", "vbscript"].contains(&scheme.to_ascii_lowercase().as_str()) {
        return Err(invalid("Redirect URI must be a valid URI."));
    }
    if uri.contains('#') {
        return Err(invalid("Redirect URI cannot contain a fragment."));
    }
    Ok(())
}

/// Registers a client application; the only time its secret is shown.
#[utoipa::path(post, path = "/api/v1/apps", tag = "apps",
    request_body(content = NewAppParams, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The app with its credentials"), (status = 422, description = "Invalid")))]
async fn create(
    State(state): State<AppState>,
    Params(p): Params<NewAppParams>,
) -> ApiResult<Json<Value>> {
    let name = p.client_name.unwrap_or_default().trim().to_string();
    if name.is_empty() {
        return Err(invalid("Application name can't be blank"));
    }
    if name.chars().count() > NAME_MAX {
        return Err(invalid(
            "Application name is too long (maximum is 60 characters)",
        ));
    }
    let uris = p.redirect_uris.unwrap_or_default();
    if uris.is_empty() {
        return Err(invalid("Redirect URI can't be blank"));
    }
    if uris.len() > 10 {
        return Err(invalid("Redirect URI: at most 10 are allowed"));
    }
    for uri in &uris {
        valid_redirect_uri(uri)?;
    }
    let scopes = Scopes::parse(p.scopes.as_deref().unwrap_or(""))
        .map_err(|_| invalid("Scopes doesn't match configured on the server."))?;
    let website = p.website.filter(|w| !w.trim().is_empty());
    if let Some(site) = &website
        && (!(site.starts_with("https://") || site.starts_with("http://")) || site.len() > URI_MAX)
    {
        return Err(invalid("Website is invalid"));
    }
    let client_id = secret::generate();
    let client_secret = secret::generate();
    let app = apps::insert(
        &state.db.primary,
        &NewApp {
            name: &name,
            website: website.as_deref(),
            redirect_uris: &uris,
            scopes: scopes.as_slice(),
            client_id: &client_id,
            client_secret_hash: &secret::hash(&client_secret),
        },
    )
    .await?;
    // Clients keep the key they registered with: never hand out an empty one.
    let vapid_key = state.vapid().await?.public_key();
    let mut entity = entities::application(&app, &vapid_key);
    entity["client_id"] = client_id.into();
    entity["client_secret"] = client_secret.into();
    entity["client_secret_expires_at"] = 0.into();
    Ok(Json(entity))
}

/// The app the token belongs to.
#[utoipa::path(get, path = "/api/v1/apps/verify_credentials", tag = "apps",
    responses((status = 200, description = "The app"), (status = 401, description = "Bad token")))]
async fn verify_credentials(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    let app = apps::by_id(&state.db.primary, auth.grant.app_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let vapid_key = state.vapid().await?.public_key();
    Ok(Json(entities::application(&app, &vapid_key)))
}
