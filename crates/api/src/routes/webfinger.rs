//! `GET /.well-known/webfinger` and `GET /.well-known/host-meta`: how apps
//! and other servers find a member of this server from `name@domain` (or
//! their profile URL): the profile page to open. Lookbook does not
//! federate, so no ActivityPub actor is announced.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use lookbook_core::db::accounts;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::links::{self, Target};
use crate::params::{QueryParams, flex_string};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(webfinger))
        .routes(routes!(host_meta))
}

#[derive(Debug, Default, Deserialize)]
struct WebfingerParams {
    #[serde(default, deserialize_with = "flex_string")]
    resource: Option<String>,
}

/// A JSON Resource Descriptor (RFC 7033).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Jrd {
    subject: String,
    aliases: Vec<String>,
    links: Vec<JrdLink>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JrdLink {
    rel: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    href: String,
}

/// The username `resource` names on this server: `acct:name@domain`,
/// `name@domain`, or a profile URL.
fn username(domain: &str, resource: &str) -> Option<String> {
    let resource = resource.trim();
    if let Some(Target::Account(name)) = links::parse(domain, resource) {
        return Some(name);
    }
    let acct = resource.strip_prefix("acct:").unwrap_or(resource);
    let acct = acct.strip_prefix('@').unwrap_or(acct);
    let (name, host) = acct.split_once('@')?;
    let valid = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    (valid && host.eq_ignore_ascii_case(domain)).then(|| name.to_string())
}

/// Where a member of this server is: their profile page.
#[utoipa::path(get, path = "/.well-known/webfinger", tag = "accounts",
    params(("resource" = String, Query, description = "acct:name@domain, or a profile URL")),
    responses((status = 200, description = "The member's JRD", body = Jrd, content_type = "application/jrd+json"),
              (status = 400, description = "No resource"),
              (status = 404, description = "No such member here")))]
async fn webfinger(
    State(state): State<AppState>,
    QueryParams(p): QueryParams<WebfingerParams>,
) -> ApiResult<Response> {
    let resource = p
        .resource
        .filter(|r| !r.trim().is_empty())
        .ok_or_else(|| ApiError::BadRequest("resource is required".into()))?;
    let domain = &state.config.domain;
    let name = username(domain, &resource).ok_or(ApiError::NotFound)?;
    let account = accounts::by_username(&state.db.primary, &name)
        .await?
        .ok_or(ApiError::NotFound)?;
    let base = &state.config.public_url;
    let profile = format!("{base}/@{}", account.username);
    let jrd = Jrd {
        subject: format!("acct:{}@{domain}", account.username),
        aliases: vec![
            profile.clone(),
            format!("{base}/users/{}", account.username),
        ],
        links: vec![JrdLink {
            rel: "http://webfinger.net/rel/profile-page",
            kind: "text/html",
            href: profile,
        }],
    };
    let body = serde_json::to_string(&jrd).unwrap_or_default();
    Ok((
        [
            (header::CONTENT_TYPE, "application/jrd+json; charset=utf-8"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response())
}

/// Where WebFinger is, for clients that ask (RFC 6415).
#[utoipa::path(get, path = "/.well-known/host-meta", tag = "accounts",
    responses((status = 200, description = "The XRD", content_type = "application/xrd+xml")))]
async fn host_meta(State(state): State<AppState>) -> Response {
    let template = format!(
        "{}/.well-known/webfinger?resource={{uri}}",
        state.config.public_url
    );
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">
  <Link rel="lrdd" template="{}"/>
</XRD>
"#,
        crate::entities::escape(&template)
    );
    (
        [
            (header::CONTENT_TYPE, "application/xrd+xml; charset=utf-8"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        xml,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::username;

    /// acct: URIs, bare addresses and profile URLs of this domain name a member.
    #[test]
    fn resources_name_members_of_this_domain() {
        let d = "look.example";
        assert_eq!(username(d, "acct:ann@look.example").as_deref(), Some("ann"));
        assert_eq!(username(d, "@ann@Look.Example").as_deref(), Some("ann"));
        assert_eq!(
            username(d, "https://look.example/@ann").as_deref(),
            Some("ann")
        );
        assert_eq!(username(d, "acct:ann@elsewhere.example"), None);
        assert_eq!(username(d, "acct:ann"), None);
        assert_eq!(username(d, "acct:a-b@look.example"), None);
    }
}
