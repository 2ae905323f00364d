//! Domains a member blocks: `GET|POST|DELETE /api/v1/domain_blocks`.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use lookbook_core::db::domain_blocks;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::pagination::{PageParams, link_header};
use crate::params::{Params, QueryParams, flex_string};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(blocked, block, unblock))
}

/// The body of `POST` and `DELETE /api/v1/domain_blocks` (a form, JSON or the query).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = DomainBlockForm)]
struct DomainParams {
    /// The domain, such as `example.social` (any case; names in their ASCII
    /// `xn--` form).
    #[schema(required = true, value_type = String, max_length = 253,
             pattern = "^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.?$")]
    #[serde(default, deserialize_with = "flex_string")]
    domain: Option<String>,
}

/// The domain asked for, normalized (lowercase, without a trailing dot),
/// or 422 with why.
fn domain(state: &AppState, p: &DomainParams) -> ApiResult<String> {
    let raw = p.domain.as_deref().unwrap_or_default().trim();
    let host = raw.strip_suffix('.').unwrap_or(raw).to_ascii_lowercase();
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let valid = host.len() <= 253 && host.contains('.') && host.split('.').all(label_ok);
    if !valid {
        return Err(ApiError::Unprocessable(format!(
            "Validation failed: '{}' is not a domain (write names in their ASCII xn-- form)",
            raw.chars().take(64).collect::<String>()
        )));
    }
    let own = state.config.domain.split(':').next().unwrap_or_default();
    if host == own {
        return Err(ApiError::Unprocessable(
            "Validation failed: this server's own domain cannot be blocked".into(),
        ));
    }
    Ok(host)
}

/// The domains the caller blocks, newest first.
#[utoipa::path(get, path = "/api/v1/domain_blocks", tag = "blocks",
    responses((status = 200, description = "Domains as strings, with a Link header", body = [String])))]
async fn blocked(
    State(state): State<AppState>,
    auth: Auth,
    QueryParams(page): QueryParams<PageParams>,
) -> ApiResult<(HeaderMap, Json<Vec<String>>)> {
    let me = auth.user_with("read:blocks")?;
    let bounds = page.bounds(100, 200)?;
    let rows = domain_blocks::page(&state.db.primary, me, bounds).await?;
    let (row_ids, domains): (Vec<i64>, Vec<String>) = rows.into_iter().unzip();
    let mut headers = HeaderMap::new();
    if let Some(link) = link_header(
        &state.config.public_url,
        "/api/v1/domain_blocks",
        &row_ids,
        bounds.limit,
    ) {
        headers.insert(axum::http::header::LINK, link);
    }
    Ok((headers, Json(domains)))
}

/// Blocks a domain: nothing from its accounts reaches the caller.
#[utoipa::path(post, path = "/api/v1/domain_blocks", tag = "blocks",
    request_body(content = DomainParams, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "An empty object"),
              (status = 422, description = "Not a domain, or this server's own")))]
async fn block(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<DomainParams>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:blocks")?;
    let domain = domain(&state, &p)?;
    domain_blocks::add(&state.db.primary, me, &domain).await?;
    Ok(Json(json!({})))
}

/// Unblocks a domain.
#[utoipa::path(delete, path = "/api/v1/domain_blocks", tag = "blocks",
    request_body(content = DomainParams, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "An empty object"),
              (status = 422, description = "Not a domain")))]
async fn unblock(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<DomainParams>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:blocks")?;
    let domain = domain(&state, &p)?;
    domain_blocks::remove(&state.db.primary, me, &domain).await?;
    Ok(Json(json!({})))
}
