//! `GET /@:name`: a member's profile as a web page, the URL their account
//! announces: who they are, their counts, and a grid of their public posts
//! (newest first), each linking to its page.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use lookbook_core::db::accounts;
use lookbook_core::db::relationships::PageBounds;
use lookbook_core::db::statuses::{self, AccountFilter};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiResult;
use crate::statuses::{authors, render};
use crate::web::{self, Site, Tile};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(show))
}

/// Posts in the grid.
const TILES: i64 = 30;

#[derive(Template)]
#[template(path = "web/profile.html")]
struct ProfilePage<'a> {
    site: &'a Site,
    profile: &'a ProfileView,
}

struct ProfileView {
    name: String,
    username: String,
    avatar: String,
    /// The bio's HTML as the API serves it (escaped).
    note: String,
    summary: String,
    posts: i64,
    followers: i64,
    following: i64,
    json: String,
    tiles: Vec<Tile>,
}

/// A member's public profile page.
#[utoipa::path(get, path = "/@{name}", tag = "web",
    params(("name" = String, Path, description = "The member's username (or name@domain of this server)")),
    responses((status = 200, description = "The page", content_type = "text/html"),
              (status = 304, description = "The page the client holds is current"),
              (status = 404, description = "No such member", content_type = "text/html")))]
async fn show(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let domain = &state.config.domain;
    let name = match name.split_once('@') {
        Some((name, host)) if host.eq_ignore_ascii_case(domain) => name.to_string(),
        Some(_) => return Ok(web::not_found(&state)),
        None => name,
    };
    let db = state.reader(None).await;
    let Some(account) = accounts::by_username(db, &name).await? else {
        return Ok(web::not_found(&state));
    };
    let Some(entity) = authors(&state, &[account.id]).await?.remove(&account.id) else {
        return Ok(web::not_found(&state));
    };
    let filter = AccountFilter {
        only_media: false,
        exclude_replies: true,
        exclude_reblogs: true,
        tagged: None,
    };
    let bounds = PageBounds {
        max_id: None,
        since_id: None,
        min_id: None,
        limit: TILES,
    };
    let ids = statuses::by_account(db, account.id, None, &filter, bounds).await?;
    let tiles = web::tiles(&render(&state, None, &ids).await?);
    let text = |key: &str| entity[key].as_str().unwrap_or_default().to_string();
    let username = text("username");
    let note = text("note");
    let summary = Some(crate::filtering::plain(&note))
        .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| format!("Outfits by @{username}"));
    let view = ProfileView {
        name: Some(text("display_name"))
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| username.clone()),
        avatar: text("avatar"),
        note,
        summary,
        posts: entity["statuses_count"].as_i64().unwrap_or_default(),
        followers: entity["followers_count"].as_i64().unwrap_or_default(),
        following: entity["following_count"].as_i64().unwrap_or_default(),
        json: format!("{}/api/v1/accounts/{}", state.config.public_url, account.id),
        tiles,
        username,
    };
    let site = Site::new(&state, text("url"));
    let html = web::html(&ProfilePage {
        site: &site,
        profile: &view,
    })?;
    Ok(web::respond(&headers, html))
}
