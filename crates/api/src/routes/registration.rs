//! `POST /api/v1/accounts`: sign-up with an app token, answered with a Token
//! for the new member, or a 422 with Mastodon's `details` codes. When the
//! server asks for confirmation, the member's token works for little but
//! confirming until they open the link mailed to them.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use lookbook_core::auth::{Scopes, password};
use lookbook_core::db::accounts::{self, NewAccount};
use lookbook_core::db::apps;
use lookbook_core::db::mail_tokens::Purpose;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::mail_links;
use crate::params::{Params, flex_bool, flex_string};
use crate::throttle;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(register))
}

/// Usernames no member may take.
const RESERVED: &[&str] = &[
    "admin",
    "administrator",
    "root",
    "support",
    "help",
    "about",
    "api",
    "oauth",
    "settings",
    "lookbook",
    "webmaster",
    "postmaster",
    "hostmaster",
    "abuse",
    "security",
    "staff",
    "moderator",
    "system",
    "explore",
    "brands",
    "media",
    "null",
    "undefined",
];
const USERNAME_MAX: usize = 30;
pub(crate) const PASSWORD_MIN: usize = 8;
pub(crate) const PASSWORD_MAX: usize = 72;
pub(crate) const EMAIL_MAX: usize = 254;

/// The body of `POST /api/v1/accounts` (a form or JSON), sent with an app token.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = SignUpForm)]
pub(crate) struct SignUp {
    /// Letters, digits and underscores, at most 30.
    #[schema(required = true, value_type = String)]
    #[serde(default, deserialize_with = "flex_string")]
    pub(crate) username: Option<String>,
    #[schema(required = true, value_type = String)]
    #[serde(default, deserialize_with = "flex_string")]
    pub(crate) email: Option<String>,
    /// At least 8 characters.
    #[schema(required = true, value_type = String)]
    #[serde(default, deserialize_with = "flex_string")]
    pub(crate) password: Option<String>,
    /// Acceptance of the server's rules; must be true (read as Mastodon reads booleans).
    #[schema(required = true, value_type = String)]
    #[serde(default, deserialize_with = "flex_bool")]
    pub(crate) agreement: Option<bool>,
    /// The member's language, for mail (ISO 639-1).
    #[schema(required = true, value_type = String)]
    #[serde(default, deserialize_with = "flex_string")]
    pub(crate) locale: Option<String>,
}

/// Collects refusals per field, as Mastodon reports them.
#[derive(Default)]
struct Refusals {
    details: Map<String, Value>,
    messages: Vec<String>,
}

impl Refusals {
    fn add(&mut self, field: &str, label: &str, code: &str, description: &str) {
        let entry = self
            .details
            .entry(field.to_string())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(items) = entry {
            items.push(json!({ "error": code, "description": description }));
        }
        self.messages.push(format!("{label} {description}"));
    }

    fn into_result(self) -> ApiResult<()> {
        if self.details.is_empty() {
            return Ok(());
        }
        Err(ApiError::Validation {
            message: format!("Validation failed: {}", self.messages.join(", ")),
            details: Value::Object(self.details),
        })
    }
}

pub(crate) fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn valid_locale(locale: &str) -> bool {
    let mut parts = locale.split(['-', '_']);
    let language = parts.next().unwrap_or("");
    (2..=3).contains(&language.len())
        && language.chars().all(|c| c.is_ascii_alphabetic())
        && parts
            .all(|p| !p.is_empty() && p.len() <= 8 && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

fn check(p: &SignUp) -> ApiResult<()> {
    let mut refusals = Refusals::default();
    match p.username.as_deref().map(str::trim) {
        None | Some("") => refusals.add("username", "Username", "ERR_BLANK", "can't be blank"),
        Some(name) if name.chars().count() > USERNAME_MAX => refusals.add(
            "username",
            "Username",
            "ERR_TOO_LONG",
            "is too long (maximum is 30 characters)",
        ),
        Some(name) if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => refusals.add(
            "username",
            "Username",
            "ERR_INVALID",
            "must contain only letters, numbers and underscores",
        ),
        Some(name) if RESERVED.contains(&name.to_ascii_lowercase().as_str()) => {
            refusals.add("username", "Username", "ERR_RESERVED", "is reserved")
        }
        Some(_) => {}
    }
    match p.email.as_deref().map(str::trim) {
        None | Some("") => refusals.add("email", "E-mail address", "ERR_BLANK", "can't be blank"),
        Some(email) if email.len() > EMAIL_MAX || !valid_email(email) => {
            refusals.add("email", "E-mail address", "ERR_INVALID", "is invalid")
        }
        Some(_) => {}
    }
    match p.password.as_deref() {
        None | Some("") => refusals.add("password", "Password", "ERR_BLANK", "can't be blank"),
        Some(pass) if pass.chars().count() < PASSWORD_MIN => refusals.add(
            "password",
            "Password",
            "ERR_TOO_SHORT",
            "is too short (minimum is 8 characters)",
        ),
        Some(pass) if pass.chars().count() > PASSWORD_MAX => refusals.add(
            "password",
            "Password",
            "ERR_TOO_LONG",
            "is too long (maximum is 72 characters)",
        ),
        Some(_) => {}
    }
    if p.agreement != Some(true) {
        refusals.add("agreement", "Agreement", "ERR_ACCEPTED", "must be accepted");
    }
    if let Some(locale) = p.locale.as_deref()
        && !locale.is_empty()
        && !valid_locale(locale)
    {
        refusals.add(
            "locale",
            "Locale",
            "ERR_INCLUSION",
            "is not included in the list",
        );
    }
    refusals.into_result()
}

/// Checks and stores a new member (signing up from `ip`, through app
/// `app_id` if any) and mails the confirmation link when the server asks
/// for one; the new member's id.
pub(crate) async fn create_account(
    state: &AppState,
    ip: &str,
    p: &SignUp,
    app_id: Option<i64>,
) -> ApiResult<i64> {
    check(p)?;
    throttle::hit(state, throttle::Limit::sign_up_per_ip(state), ip).await?;
    let username = p.username.as_deref().unwrap_or_default().trim();
    let email = p.email.as_deref().unwrap_or_default().trim();
    let password_hash = password::hash(p.password.clone().unwrap_or_default()).await?;
    let locale = p
        .locale
        .as_deref()
        .filter(|l| !l.is_empty())
        .unwrap_or("en");
    let mut tx = state.begin().await?;
    let new = NewAccount {
        username,
        email,
        password_hash: &password_hash,
        locale,
        confirmed: !state.config.mail.confirm_email,
        created_by_app_id: app_id,
    };
    let id = match accounts::insert(&mut tx, &new).await {
        Ok(id) => id,
        Err(lookbook_core::Error::Taken(field)) => {
            let mut refusals = Refusals::default();
            let label = if field == "email" {
                "E-mail address"
            } else {
                "Username"
            };
            refusals.add(field, label, "ERR_TAKEN", "has already been taken");
            return Err(refusals.into_result().expect_err("a refusal was added"));
        }
        Err(other) => return Err(other.into()),
    };
    if state.config.mail.confirm_email {
        mail_links::send(&mut tx, id, Purpose::Confirmation, email).await?;
    }
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    Ok(id)
}

/// Creates a member account; needs an app token (client credentials) with
/// `write:accounts`, and answers with a token for the new member.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts",
    request_body(content = SignUp, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "A Token for the new member"), (status = 422, description = "Refused, with details"),
              (status = 429, description = "Too many sign-ups from this address")))]
async fn register(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    auth: Auth,
    Params(p): Params<SignUp>,
) -> ApiResult<Json<Value>> {
    auth.require("write:accounts")?;
    if auth.grant.account_id.is_some() {
        return Err(ApiError::Forbidden(
            "This method requires a client credentials authentication".into(),
        ));
    }
    let ip = throttle::client_ip(&state, &headers, Some(peer));
    let id = create_account(&state, &ip, &p, Some(auth.grant.app_id)).await?;
    let app = apps::by_id(&state.db.primary, auth.grant.app_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    // The member's token gets the scopes of the app token that signed them up.
    let scopes = Scopes::from_vec(auth.grant.scopes.clone());
    Ok(Json(
        super::oauth::issue(&state, &app, Some(id), &scopes).await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Addresses and locales are checked for shape only.
    #[test]
    fn emails_and_locales_are_checked_for_shape() {
        assert!(valid_email("ann@example.com"));
        assert!(
            !valid_email("ann@example")
                && !valid_email("ann example@x.com")
                && !valid_email("@x.com")
        );
        assert!(valid_locale("en") && valid_locale("pt-BR") && valid_locale("zh_Hant"));
        assert!(!valid_locale("english!") && !valid_locale("e"));
    }
}
