//! `GET /tags/:name`: a hashtag's web page, the URL its entity announces:
//! a grid of the newest public posts that use it, each linking to its page.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use lookbook_core::db::relationships::PageBounds;
use lookbook_core::db::tags;
use lookbook_core::db::timelines::{self, PublicFilter};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiResult;
use crate::statuses::render;
use crate::web::{self, Grid, GridPage, Site};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(show))
}

/// Posts in the grid.
const TILES: i64 = 30;

/// A hashtag's public page.
#[utoipa::path(get, path = "/tags/{name}", tag = "web",
    params(("name" = String, Path, description = "The hashtag, without #")),
    responses((status = 200, description = "The page", content_type = "text/html"),
              (status = 304, description = "The page the client holds is current"),
              (status = 404, description = "No public post uses it", content_type = "text/html")))]
async fn show(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let name = name.trim_start_matches('#').to_lowercase();
    let valid = !name.is_empty()
        && name.chars().count() <= 100
        && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    let db = state.reader(None).await;
    if !valid || tags::shown_id(db, &name, None).await?.is_none() {
        return Ok(web::not_found(&state));
    }
    let filter = PublicFilter {
        only_media: false,
        any: vec![name.clone()],
        all: Vec::new(),
        none: Vec::new(),
    };
    let bounds = PageBounds {
        max_id: None,
        since_id: None,
        min_id: None,
        limit: TILES,
    };
    let ids = timelines::public(db, None, &filter, bounds).await?;
    let tiles = web::tiles(&render(&state, None, &ids).await?);
    let base = &state.config.public_url;
    let grid = Grid {
        heading: format!("#{name}"),
        summary: format!("Outfits tagged #{name}"),
        image: tiles
            .iter()
            .find_map(|t| t.photo.as_ref().map(|p| p.share.clone())),
        json: format!("{base}/api/v1/timelines/tag/{name}"),
        tiles,
    };
    let site = Site::new(&state, format!("{base}/tags/{name}"));
    let html = web::html(&GridPage {
        site: &site,
        grid: &grid,
    })?;
    Ok(web::respond(&headers, html))
}
