//! Authentication as extractors: [`Auth`] requires a valid token,
//! [`MaybeAuth`] accepts requests without one (but not with a bad one).
//!
//! Tokens come as `Authorization: Bearer ...` (or an `access_token` query
//! parameter). Their grants are cached in Redis by the token's hash for a few
//! minutes; revoking deletes the cache entry, so a revoked token stops working
//! at once on every instance. With Redis down, lookups go to PostgreSQL.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, Uri};
use lookbook_core::auth::{Scopes, cached, secret};
use lookbook_core::db::mail_preferences;
use lookbook_core::db::tokens::{self, TokenGrant};
use lookbook_core::tasks::Task;

use crate::AppState;
use crate::error::ApiError;

/// A request made with a valid, unrevoked token.
#[derive(Debug, Clone)]
pub struct Auth {
    pub grant: TokenGrant,
    scopes: Scopes,
    /// The token's SHA-256, to ask again whether it still works.
    token_hash: Vec<u8>,
}

impl Auth {
    /// Refuses with 403 unless the token has `scope` (or a scope covering it).
    pub fn require(&self, scope: &str) -> Result<(), ApiError> {
        if self.scopes.allows(scope) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "This action is outside the authorized scopes".into(),
            ))
        }
    }

    /// Whether the token has `scope` (or a scope covering it).
    pub fn allows(&self, scope: &str) -> bool {
        self.scopes.allows(scope)
    }

    /// The member the token acts for; an app-only token gets 422 and a
    /// member who has not confirmed their address 403, as in Mastodon.
    pub fn user(&self) -> Result<i64, ApiError> {
        let account = self.member()?;
        if self.grant.unconfirmed {
            return Err(ApiError::Forbidden(
                "Your login is missing a confirmed e-mail address".into(),
            ));
        }
        Ok(account)
    }

    /// The member the token acts for, confirmed or not (for confirming).
    pub fn member(&self) -> Result<i64, ApiError> {
        self.grant.account_id.ok_or_else(|| {
            ApiError::Unprocessable("This method requires an authenticated user".into())
        })
    }

    /// Whether the token still works (it may have been revoked, or its
    /// member's password reset, since the request began): for streams,
    /// which outlive their request. With PostgreSQL and Redis both away it
    /// cannot tell, and says yes rather than close every stream.
    pub async fn still_valid(&self, state: &AppState) -> bool {
        match lookup_hash(state, &self.token_hash).await {
            Ok(Some(grant)) => !grant.revoked,
            Ok(None) => false,
            Err(_) => true,
        }
    }

    /// `require(scope)` then `user()`.
    pub fn user_with(&self, scope: &str) -> Result<i64, ApiError> {
        self.require(scope)?;
        self.user()
    }
}

/// A request that may carry a token; a token that is present must be valid.
#[derive(Debug, Clone)]
pub struct MaybeAuth(pub Option<Auth>);

impl MaybeAuth {
    /// With a token, refuses unless it has `scope`; without one, allows.
    pub fn require_if_present(&self, scope: &str) -> Result<(), ApiError> {
        self.0.as_ref().map_or(Ok(()), |a| a.require(scope))
    }

    /// The viewer's account, if signed in with a token that may read accounts.
    pub fn viewer(&self) -> Option<i64> {
        self.0.as_ref().and_then(|a| a.user().ok())
    }
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match MaybeAuth::from_request_parts(parts, state).await? {
            MaybeAuth(Some(auth)) => Ok(auth),
            MaybeAuth(None) => Err(ApiError::Unauthorized("The access token is invalid".into())),
        }
    }
}

impl FromRequestParts<AppState> for MaybeAuth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = bearer(parts) else {
            return Ok(MaybeAuth(None));
        };
        let auth = authenticate(state, &token).await?;
        // A member sending anything but a read may be about to write.
        if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS)
            && let Some(account) = auth.grant.account_id
        {
            state.writing(account).await;
        }
        Ok(MaybeAuth(Some(auth)))
    }
}

/// The grant of a token, or 401 for one that is unknown or revoked.
pub async fn authenticate(state: &AppState, token: &str) -> Result<Auth, ApiError> {
    let grant = lookup(state, token)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("The access token is invalid".into()))?;
    if grant.revoked {
        return Err(ApiError::Unauthorized(
            "The access token was revoked".into(),
        ));
    }
    let scopes = Scopes::from_vec(grant.scopes.clone());
    Ok(Auth {
        grant,
        scopes,
        token_hash: secret::hash(token),
    })
}

/// The token from the Authorization header or the `access_token` parameter.
fn bearer(parts: &Parts) -> Option<String> {
    bearer_of(&parts.headers, &parts.uri)
}

/// The token a request carries, read as the extractors read it.
pub fn bearer_of(headers: &HeaderMap, uri: &Uri) -> Option<String> {
    if let Some(value) = headers.get(axum::http::header::AUTHORIZATION) {
        let value = value.to_str().ok()?;
        let (scheme, token) = value.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_string());
    }
    form_urlencoded::parse(uri.query()?.as_bytes())
        .find(|(k, _)| k == "access_token")
        .map(|(_, v)| v.into_owned())
}

/// Finds a token's grant: Redis first, then PostgreSQL (caching what it finds).
async fn lookup(state: &AppState, token: &str) -> Result<Option<TokenGrant>, ApiError> {
    if token.len() > 256 {
        return Ok(None);
    }
    lookup_hash(state, &secret::hash(token)).await
}

/// [`lookup`] by the token's hash.
async fn lookup_hash(state: &AppState, hash: &[u8]) -> Result<Option<TokenGrant>, ApiError> {
    let hash = hash.to_vec();
    if let Some(grant) = cached::get(&state.kv, &hash).await {
        return Ok(Some(grant));
    }
    let grant = tokens::by_hash(&state.db.primary, &hash).await?;
    if let Some(grant) = &grant {
        cached::put(&state.kv, &hash, grant).await;
        // The member is here (noted at most once per cached lookup, and
        // written at most once an hour): digest mail waits for their
        // absence. Off the request's path.
        if let (Some(account), false) = (grant.account_id, grant.revoked) {
            let db = state.db.primary.clone();
            tokio::spawn(async move {
                if let Err(error) = mail_preferences::touch(&db, account).await {
                    tracing::debug!(%error, "could not note a member's activity");
                }
            });
        }
    }
    Ok(grant)
}

/// Writes, in the transaction that revokes a token, the task that marks it
/// revoked in the cache: durable, where [`forget`] is immediate.
pub async fn forget_later(tx: &mut sqlx::PgConnection, token_hash: &[u8]) -> Result<(), ApiError> {
    let task = Task::ForgetToken {
        token_hash: cached::hex(token_hash),
    };
    lookbook_core::tasks::enqueue(tx, &task).await?;
    Ok(())
}

/// Marks a token revoked in the cache (after revoking it in the database,
/// in a transaction that also wrote a `forget_token` task, which repeats
/// this from the worker should Redis be away now), so every instance
/// refuses it at once, even one that just read it.
pub async fn forget(state: &AppState, token_hash: &[u8]) {
    if let Err(err) = cached::mark_revoked(&state.kv, &state.db.primary, token_hash).await {
        tracing::warn!(error = %err, "could not mark a revoked token in the cache; the worker will");
    }
}
