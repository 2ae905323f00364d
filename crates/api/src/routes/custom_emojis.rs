//! `GET /api/v1/custom_emojis`: the server's custom emojis, for clients'
//! pickers and for drawing `:shortcode:` in what members write. Anyone may
//! read it; it comes from the list kept in Memcached ([`crate::emojis`]),
//! and anonymous answers are public for the edge's second.

use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::emojis;
use crate::entities::custom_emoji::CustomEmoji;
use crate::error::ApiResult;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(custom_emojis))
}

/// Every custom emoji, by shortcode; those hidden from pickers too, marked
/// `visible_in_picker: false`.
#[utoipa::path(get, path = "/api/v1/custom_emojis", tag = "instance",
    responses(
        (status = 200, description = "The custom emojis, by shortcode", body = [CustomEmoji]),
        (status = 503, description = "The list cannot be read just now", body = crate::error::ErrorBody)))]
async fn custom_emojis(State(state): State<AppState>) -> ApiResult<Json<Vec<CustomEmoji>>> {
    Ok(Json(emojis::all(&state).await?))
}
