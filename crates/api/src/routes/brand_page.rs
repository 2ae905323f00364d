//! `GET /brands/:slug`: a brand's web page: a grid of the newest public
//! posts whose photos tag its items, each linking to its page.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use lookbook_core::db::items;
use lookbook_core::db::relationships::PageBounds;
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

/// A brand's public page.
#[utoipa::path(get, path = "/brands/{slug}", tag = "web",
    params(("slug" = String, Path, description = "The brand, as its slug (`acne-studios`)")),
    responses((status = 200, description = "The page", content_type = "text/html"),
              (status = 304, description = "The page the client holds is current"),
              (status = 404, description = "No public post tags the brand", content_type = "text/html")))]
async fn show(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let slug = slug.to_lowercase();
    if items::slug(&slug) != slug {
        return Ok(web::not_found(&state));
    }
    let db = state.reader(None).await;
    let Some(brand) = items::brand_by_slug(db, &slug).await? else {
        return Ok(web::not_found(&state));
    };
    let bounds = PageBounds {
        max_id: None,
        since_id: None,
        min_id: None,
        limit: TILES,
    };
    let ids = items::brand_statuses(db, brand.id, None, bounds).await?;
    let tiles = web::tiles(&render(&state, None, &ids).await?);
    let base = &state.config.public_url;
    let escaped: String = form_urlencoded::byte_serialize(brand.slug.as_bytes()).collect();
    let grid = Grid {
        heading: brand.name.clone(),
        summary: format!("Looks wearing {}", brand.name),
        image: tiles
            .iter()
            .find_map(|t| t.photo.as_ref().map(|p| p.share.clone())),
        json: format!("{base}/api/lookbook/v1/brands/{escaped}/statuses"),
        tiles,
    };
    let site = Site::new(&state, format!("{base}/brands/{escaped}"));
    let html = web::html(&GridPage {
        site: &site,
        grid: &grid,
    })?;
    Ok(web::respond(&headers, html))
}
