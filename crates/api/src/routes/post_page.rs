//! `GET /@:name/:id`: a public post as a web page, the URL its entity
//! announces: the photos in the sizes a screen wants, the caption, item
//! tags, counts and comments, with OpenGraph and Twitter card tags so a
//! link pasted in a messenger shows the outfit. Followers-only and direct
//! posts, and boosts, are not pages.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use lookbook_core::db::statuses;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiResult;
use crate::statuses::render;
use crate::web::{self, Item, Photo, Site};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(show))
}

/// Comments shown under a post.
const COMMENTS_MAX: usize = 40;

#[derive(Template)]
#[template(path = "web/post.html")]
struct PostPage<'a> {
    site: &'a Site,
    post: &'a PostView,
}

/// A post as its page shows it.
struct PostView {
    author_name: String,
    username: String,
    avatar: String,
    profile: String,
    photos: Vec<Photo>,
    spoiler: String,
    /// The caption's HTML as the API serves it (escaped and linked).
    content: String,
    items: Vec<Item>,
    favourites: i64,
    replies: i64,
    reblogs: i64,
    created_at: String,
    day: String,
    summary: String,
    json: String,
    app_link: String,
    comments: Vec<CommentView>,
}

struct CommentView {
    author_name: String,
    username: String,
    avatar: String,
    profile: String,
    content: String,
}

/// Who wrote a rendered post: name (or username), username, avatar, profile URL.
fn author(post: &Value) -> (String, String, String, String) {
    let account = &post["account"];
    let text = |key: &str| account[key].as_str().unwrap_or_default().to_string();
    let username = text("username");
    let name = Some(text("display_name"))
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| username.clone());
    (name, username, text("avatar"), text("url"))
}

/// A public post's page.
#[utoipa::path(get, path = "/@{name}/{id}", tag = "web",
    params(("name" = String, Path, description = "The author's username"),
           ("id" = String, Path, description = "The post")),
    responses((status = 200, description = "The page", content_type = "text/html"),
              (status = 304, description = "The page the client holds is current"),
              (status = 404, description = "No such public post by this member", content_type = "text/html")))]
async fn show(
    State(state): State<AppState>,
    Path((name, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let Some(id) = id.parse::<i64>().ok().filter(|id| *id > 0) else {
        return Ok(web::not_found(&state));
    };
    let Some(post) = render(&state, None, &[id]).await?.pop() else {
        return Ok(web::not_found(&state));
    };
    let public = matches!(post["visibility"].as_str(), Some("public" | "unlisted"));
    let (author_name, username, avatar, profile) = author(&post);
    if !public || post["reblog"].is_object() || !username.eq_ignore_ascii_case(&name) {
        return Ok(web::not_found(&state));
    }
    // A post nobody commented on needs no look for comments: its page
    // reads the caches only.
    let below = if post["replies_count"].as_i64().unwrap_or_default() > 0 {
        statuses::descendants(state.reader(None).await, id, None).await?
    } else {
        Vec::new()
    };
    let comments = render(&state, None, &below[..below.len().min(COMMENTS_MAX)])
        .await?
        .iter()
        .map(|c| {
            let (author_name, username, avatar, profile) = author(c);
            CommentView {
                author_name,
                username,
                avatar,
                profile,
                content: c["content"].as_str().unwrap_or_default().to_string(),
            }
        })
        .collect();
    let created_at = post["created_at"].as_str().unwrap_or_default().to_string();
    let base = &state.config.public_url;
    let view = PostView {
        photos: web::photos(&post),
        items: web::items(&post),
        spoiler: post["spoiler_text"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        content: post["content"].as_str().unwrap_or_default().to_string(),
        favourites: post["favourites_count"].as_i64().unwrap_or_default(),
        replies: post["replies_count"].as_i64().unwrap_or_default(),
        reblogs: post["reblogs_count"].as_i64().unwrap_or_default(),
        day: created_at.chars().take(10).collect(),
        created_at,
        summary: web::summary(&post),
        json: format!("{base}/api/v1/statuses/{id}"),
        app_link: format!("lookbook://statuses/{id}"),
        comments,
        author_name,
        username,
        avatar,
        profile,
    };
    let canonical = post["url"].as_str().unwrap_or_default().to_string();
    let site = Site::new(&state, canonical);
    let html = web::html(&PostPage {
        site: &site,
        post: &view,
    })?;
    Ok(web::respond(&headers, html))
}
