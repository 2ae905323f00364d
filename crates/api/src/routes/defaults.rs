//! The images shown for members without an avatar or header, at the paths
//! Mastodon uses for them, so clients never render a broken image.

use axum::http::header;
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

const AVATAR: &[u8] = include_bytes!("../../assets/missing-avatar.png");
const HEADER: &[u8] = include_bytes!("../../assets/missing-header.png");

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(avatar))
        .routes(routes!(header_image))
}

fn png(bytes: &'static [u8]) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        bytes,
    )
}

/// The default avatar.
#[utoipa::path(get, path = "/avatars/original/missing.png", tag = "accounts",
    responses((status = 200, description = "A PNG", content_type = "image/png")))]
async fn avatar() -> impl IntoResponse {
    png(AVATAR)
}

/// The default header.
#[utoipa::path(get, path = "/headers/original/missing.png", tag = "accounts",
    responses((status = 200, description = "A PNG", content_type = "image/png")))]
async fn header_image() -> impl IntoResponse {
    png(HEADER)
}
