//! Lookbook's fashion extension: item tags on photos
//! (`POST`/`DELETE /api/lookbook/v1/media/:id/items`) and brand pages
//! (`GET /api/lookbook/v1/brands?q=`, `GET /api/lookbook/v1/brands/:slug/statuses`).
//! Product links are stored and shown, never fetched by the server.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use lookbook_core::db::items::{self, CATEGORIES, NewItem};
use lookbook_core::db::media;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::accounts::parse_id;
use crate::AppState;
use crate::auth::{Auth, MaybeAuth};
use crate::cached::{self, Kind};
use crate::error::{ApiError, ApiResult};
use crate::filtering::Context;
use crate::pagination::PageParams;
use crate::params::{Params, QueryParams, flex_i64, flex_string};
use crate::statuses::{item_entity, page as status_page};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(tag_item))
        .routes(routes!(untag_item))
        .routes(routes!(search_brands))
        .routes(routes!(brand_statuses))
}

/// Items one photo may carry.
const ITEMS_MAX: i64 = 20;
const BRAND_MAX: usize = 100;
const NAME_MAX: usize = 200;
const URL_MAX: usize = 2048;

/// The body of `POST /api/lookbook/v1/media/:id/items` (a form or JSON).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = ItemForm)]
struct ItemParams {
    /// The brand's name; its page is made on first use.
    #[schema(required = true, value_type = String)]
    #[serde(default, deserialize_with = "flex_string")]
    brand: Option<String>,
    /// What the item is ("1996 jeans").
    #[schema(required = true, value_type = String)]
    #[serde(default, deserialize_with = "flex_string")]
    name: Option<String>,
    /// One of the categories (tops, outerwear, dresses, bottoms, ...).
    #[schema(required = true, value_type = String)]
    #[serde(default, deserialize_with = "flex_string")]
    category: Option<String>,
    /// An http(s) product page, shown, never fetched.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    url: Option<String>,
    /// The price, a decimal number.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    price: Option<String>,
    /// ISO 4217 code of the price's currency.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    currency: Option<String>,
    /// Where on the photo, from 0 (left) to 1.
    #[schema(required = true, value_type = String)]
    #[serde(default, deserialize_with = "flex_string")]
    x: Option<String>,
    /// Where on the photo, from 0 (top) to 1.
    #[schema(required = true, value_type = String)]
    #[serde(default, deserialize_with = "flex_string")]
    y: Option<String>,
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::Unprocessable(format!("Validation failed: {}", message.into()))
}

/// A required text of 1 to `max` characters.
fn required<'a>(value: &'a Option<String>, field: &str, max: usize) -> ApiResult<&'a str> {
    let text = value.as_deref().map(str::trim).unwrap_or_default();
    if text.is_empty() {
        return Err(invalid(format!("{field} can't be blank")));
    }
    if text.chars().count() > max {
        return Err(invalid(format!(
            "{field} is too long (maximum is {max} characters)"
        )));
    }
    Ok(text)
}

/// A product link: http or https with a host, no spaces or control characters.
fn product_url(raw: &str) -> ApiResult<&str> {
    let url = raw.trim();
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or_else(|| invalid("url must start with http:// or https://"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty()
        || url.len() > URL_MAX
        || url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>')
    {
        return Err(invalid(format!(
            "url must be a web address with a host, at most {URL_MAX} characters, without spaces"
        )));
    }
    Ok(url)
}

/// A price: digits with up to two decimals, below ten billion.
fn price(raw: &str) -> ApiResult<&str> {
    let price = raw.trim();
    let (whole, cents) = price.split_once('.').unwrap_or((price, ""));
    let ok = !whole.is_empty()
        && whole.len() <= 10
        && cents.len() <= 2
        && whole
            .chars()
            .chain(cents.chars())
            .all(|c| c.is_ascii_digit());
    if !ok {
        return Err(invalid("price must be a number such as 129.90"));
    }
    Ok(price)
}

/// A position in the photo, 0 to 1 from the left or the top.
fn position(raw: &Option<String>, axis: &str) -> ApiResult<f32> {
    raw.as_deref()
        .and_then(|v| v.trim().parse::<f32>().ok())
        .filter(|v| (0.0..=1.0).contains(v))
        .ok_or_else(|| invalid(format!("{axis} must be a number from 0 to 1")))
}

/// Drops the cached post the photo belongs to, so it shows the change.
pub async fn forget_post_of(state: &AppState, media_id: i64) -> ApiResult<()> {
    if let Some(status) = media::status_of(&state.db.primary, media_id).await? {
        cached::forget(state, Kind::Status, &[status]).await;
    }
    Ok(())
}

/// Tags an item the member wears in one of their photos.
#[utoipa::path(post, path = "/api/lookbook/v1/media/{id}/items", tag = "lookbook",
    params(("id" = String, Path, description = "Media id")),
    request_body(content = ItemParams, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The item tag"), (status = 404, description = "No such media of the caller's"),
              (status = 422, description = "Invalid item, with the reason")))]
async fn tag_item(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<ItemParams>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:media")?;
    let photo = media::by_id(&state.db.primary, parse_id(&id)?)
        .await?
        .filter(|m| m.account_id == me)
        .ok_or(ApiError::NotFound)?;
    let brand = required(&p.brand, "brand", BRAND_MAX)?;
    if items::slug(brand).is_empty() {
        return Err(invalid("brand needs a letter or a digit"));
    }
    let name = required(&p.name, "name", NAME_MAX)?;
    let category = required(&p.category, "category", NAME_MAX)?.to_ascii_lowercase();
    if !CATEGORIES.contains(&category.as_str()) {
        return Err(invalid(format!(
            "category must be one of {}",
            CATEGORIES.join(", ")
        )));
    }
    let url = p
        .url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
        .map(product_url)
        .transpose()?;
    let price = p
        .price
        .as_deref()
        .filter(|v| !v.trim().is_empty())
        .map(price)
        .transpose()?;
    let currency = p
        .currency
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| {
            (c.len() == 3 && c.chars().all(|c| c.is_ascii_alphabetic()))
                .then(|| c.to_ascii_uppercase())
                .ok_or_else(|| invalid("currency must be a three-letter code such as EUR"))
        })
        .transpose()?;
    if price.is_some() != currency.is_some() {
        return Err(invalid("price and currency go together"));
    }
    let (x, y) = (position(&p.x, "x")?, position(&p.y, "y")?);

    let mut tx = state.begin().await?;
    // Serialises taggings of one photo so the per-photo limit holds.
    media::lock(&mut tx, photo.id).await?;
    if items::count(&mut *tx, photo.id).await? >= ITEMS_MAX {
        return Err(invalid(format!(
            "a photo carries at most {ITEMS_MAX} items"
        )));
    }
    let new = NewItem {
        media_id: photo.id,
        brand_name: brand,
        name,
        category: &category,
        product_url: url,
        price,
        currency: currency.as_deref(),
        x,
        y,
    };
    let item_id = items::insert(&mut tx, &new).await?;
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    forget_post_of(&state, photo.id).await?;
    let mut found = items::of_media(&state.db.primary, &[photo.id]).await?;
    let item = found
        .remove(&photo.id)
        .unwrap_or_default()
        .into_iter()
        .find(|i| i.id == item_id)
        .ok_or(ApiError::NotFound)?;
    Ok(Json(item_entity(&item)))
}

/// Removes an item tag from one of the member's photos.
#[utoipa::path(delete, path = "/api/lookbook/v1/media/{id}/items/{item_id}", tag = "lookbook",
    params(("id" = String, Path, description = "Media id"), ("item_id" = String, Path, description = "Item tag id")),
    responses((status = 200, description = "Removed"), (status = 404, description = "No such item on a photo of the caller's")))]
async fn untag_item(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, item_id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:media")?;
    let photo = media::by_id(&state.db.primary, parse_id(&id)?)
        .await?
        .filter(|m| m.account_id == me)
        .ok_or(ApiError::NotFound)?;
    if !items::delete(&state.db.primary, photo.id, parse_id(&item_id)?).await? {
        return Err(ApiError::NotFound);
    }
    forget_post_of(&state, photo.id).await?;
    Ok(Json(json!({})))
}

#[derive(Debug, Default, Deserialize)]
struct BrandQuery {
    #[serde(default, deserialize_with = "flex_string")]
    q: Option<String>,
    #[serde(default, deserialize_with = "flex_i64")]
    limit: Option<i64>,
}

/// Brands whose name starts with `q`, most tagged first.
#[utoipa::path(get, path = "/api/lookbook/v1/brands", tag = "lookbook",
    params(("q" = String, Query, description = "The start of a brand name", min_length = 1), ("limit" = Option<i64>, Query, description = "At most 40")),
    responses((status = 200, description = "Brands: slug, name, items_count"), (status = 422, description = "q is missing")))]
async fn search_brands(
    State(state): State<AppState>,
    auth: MaybeAuth,
    QueryParams(p): QueryParams<BrandQuery>,
) -> ApiResult<Json<Vec<Value>>> {
    auth.require_if_present("read:search")?;
    let q = required(&p.q, "q", BRAND_MAX)?;
    let max = i64::from(state.config.limits.page_max);
    let limit = p
        .limit
        .unwrap_or(i64::from(state.config.limits.page_default))
        .clamp(1, max);
    let found = items::search_brands(&state.db.primary, q, limit).await?;
    Ok(Json(
        found
            .iter()
            .map(|(b, uses)| json!({ "slug": b.slug, "name": b.name, "items_count": uses }))
            .collect(),
    ))
}

/// Posts whose photos tag the brand, newest first.
#[utoipa::path(get, path = "/api/lookbook/v1/brands/{slug}/statuses", tag = "lookbook",
    params(("slug" = String, Path, description = "Brand slug")),
    responses((status = 200, description = "Statuses, with a Link header"), (status = 404, description = "No such brand")))]
async fn brand_statuses(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(slug): Path<String>,
    QueryParams(page): QueryParams<PageParams>,
) -> ApiResult<(HeaderMap, Json<Vec<Value>>)> {
    auth.require_if_present("read:statuses")?;
    let slug = slug.to_lowercase();
    if items::slug(&slug) != slug {
        return Err(ApiError::NotFound);
    }
    let brand = items::brand_by_slug(&state.db.primary, &slug)
        .await?
        .ok_or(ApiError::NotFound)?;
    let limits = &state.config.limits;
    let bounds = page.bounds(limits.page_default.into(), limits.page_max.into())?;
    let ids = items::brand_statuses(&state.db.primary, brand.id, auth.viewer(), bounds).await?;
    let slug: String = form_urlencoded::byte_serialize(brand.slug.as_bytes()).collect();
    let path = format!("/api/lookbook/v1/brands/{slug}/statuses");
    status_page(
        &state,
        auth.viewer(),
        Some(Context::Public),
        &path,
        &ids,
        &ids,
        bounds.limit,
    )
    .await
}
