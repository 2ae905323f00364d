//! Photos: `POST /api/v2/media` (202 while the worker processes),
//! `GET /api/v1/media/:id` (206 processing, 200 ready, 422 failed),
//! `PUT /api/v1/media/:id` (description and focus). Uploads stream to S3 in
//! parts with the size limit enforced as they arrive; the server picks every
//! object key.

use std::time::Duration;

use axum::Json;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use lookbook_core::auth::secret;
use lookbook_core::db::media::{self, Media, NewMedia};
use lookbook_core::tasks::{self, Task};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::accounts::{parse_id, sniff_image};
use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::params::{self, Params, flex_string};
use crate::throttle::{self, Limit};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload))
        .routes(routes!(upload_and_wait))
        // The photo is held to its size as it streams in, the whole body to
        // MAX_BODY_BYTES; every other body to MAX_FORM_BYTES.
        .layer(DefaultBodyLimit::disable())
        .routes(routes!(show, update))
}

/// The multipart body of `POST /api/v2/media` and `/api/v1/media`; what
/// [`receive`] reads.
#[derive(utoipa::ToSchema)]
#[schema(as = MediaUploadForm)]
#[allow(dead_code)] // it only describes the form
struct MediaUploadForm {
    /// The photo: JPEG, PNG, GIF (first frame) or WebP, told by its bytes,
    /// at most the photo size limit.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// The photo's description for those who cannot see it (alt text).
    description: Option<String>,
    /// The focal point, `x,y`, each from -1 to 1.
    focus: Option<String>,
}

/// Mastodon's MediaAttachment entity, plus a `lookbook` object with what
/// Mastodon has no field for (clients ignore unknown fields): the dominant
/// colours and the WebP variants.
pub fn entity(state: &AppState, item: &Media) -> Value {
    let url = |name: &str| {
        item.variants
            .get(name)
            .and_then(Value::as_str)
            .map(|key| state.storage.url(key))
    };
    let webp: serde_json::Map<String, Value> = ["original", "1080", "640", "320"]
        .into_iter()
        .filter_map(|name| Some((name.to_string(), url(&format!("{name}.webp"))?.into())))
        .collect();
    let mut lookbook = serde_json::Map::new();
    lookbook.insert("colors".into(), item.colors.clone());
    lookbook.insert("webp".into(), Value::Object(webp));
    json!({
        "id": item.id.to_string(),
        "type": "image",
        "url": url("1080"),
        "preview_url": url("320"),
        "remote_url": Value::Null,
        "preview_remote_url": Value::Null,
        "text_url": Value::Null,
        "meta": item.meta,
        "description": item.description,
        "blurhash": item.blurhash,
        "lookbook": lookbook,
    })
}

/// `x,y` with each in -1..1, as Mastodon takes focus.
pub fn parse_focus(text: &str) -> ApiResult<(f32, f32)> {
    let invalid =
        || ApiError::Unprocessable("focus must be two numbers from -1.0 to 1.0, as \"x,y\"".into());
    let (x, y) = text.split_once(',').ok_or_else(invalid)?;
    let x: f32 = x.trim().parse().map_err(|_| invalid())?;
    let y: f32 = y.trim().parse().map_err(|_| invalid())?;
    if !(-1.0..=1.0).contains(&x) || !(-1.0..=1.0).contains(&y) {
        return Err(invalid());
    }
    Ok((x, y))
}

pub fn check_description(state: &AppState, description: Option<&str>) -> ApiResult<()> {
    let max = state.config.limits.alt_text_chars as usize;
    if description.is_some_and(|d| d.chars().count() > max) {
        return Err(ApiError::Unprocessable(format!(
            "description is too long (maximum is {max} characters)"
        )));
    }
    Ok(())
}

/// The caller's media, or 404 (another member's media does not exist for them).
async fn own(state: &AppState, me: i64, id: &str) -> ApiResult<Media> {
    let item = media::by_id(&state.db.primary, parse_id(id)?)
        .await?
        .ok_or(ApiError::NotFound)?;
    if item.account_id != me {
        return Err(ApiError::NotFound);
    }
    Ok(item)
}

/// Uploads a photo; processing happens in the worker.
#[utoipa::path(post, path = "/api/v2/media", tag = "media",
    request_body(content = MediaUploadForm, content_type = "multipart/form-data"),
    responses((status = 202, description = "A MediaAttachment, url null while processing"),
              (status = 413, description = "Larger than the photo limit"), (status = 422, description = "Not a supported image")))]
async fn upload(
    State(state): State<AppState>,
    auth: Auth,
    form: Multipart,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let me = auth.user_with("write:media")?;
    let item = receive(&state, me, form).await?;
    Ok((StatusCode::ACCEPTED, Json(entity(&state, &item))))
}

/// Uploads a photo and waits for the worker, up to a bound: 200 when ready,
/// 422 with the reason when it failed, 202 when it is still processing.
#[utoipa::path(post, path = "/api/v1/media", tag = "media",
    request_body(content = MediaUploadForm, content_type = "multipart/form-data"),
    responses((status = 200, description = "The processed MediaAttachment"), (status = 202, description = "Still processing after the wait"),
              (status = 413, description = "Larger than the photo limit"), (status = 422, description = "Not a supported image, or processing failed")))]
async fn upload_and_wait(
    State(state): State<AppState>,
    auth: Auth,
    form: Multipart,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let me = auth.user_with("write:media")?;
    let item = receive(&state, me, form).await?;
    let deadline = tokio::time::Instant::now() + SYNC_WAIT;
    loop {
        let current = media::by_id(&state.db.primary, item.id)
            .await?
            .ok_or(ApiError::NotFound)?;
        match current.state.as_str() {
            "ready" => return Ok((StatusCode::OK, Json(entity(&state, &current)))),
            "failed" => return Err(failed(current)),
            _ if tokio::time::Instant::now() >= deadline => {
                return Ok((StatusCode::ACCEPTED, Json(entity(&state, &current))));
            }
            _ => tokio::time::sleep(SYNC_POLL).await,
        }
    }
}

/// How long `POST /api/v1/media` waits for processing.
const SYNC_WAIT: Duration = Duration::from_secs(20);
const SYNC_POLL: Duration = Duration::from_millis(100);

fn failed(item: Media) -> ApiError {
    ApiError::Unprocessable(format!(
        "processing failed: {}",
        item.failure.unwrap_or_else(|| "unknown reason".into())
    ))
}

/// Streams the multipart upload to S3 and records it; the worker is asked
/// to process it.
async fn receive(state: &AppState, me: i64, mut form: Multipart) -> ApiResult<Media> {
    throttle::hit(state, Limit::media_uploads(state), &me.to_string()).await?;
    let bad = |e: axum::extract::multipart::MultipartError| {
        ApiError::BadRequest(format!("malformed multipart body: {e}"))
    };
    let max = state.config.limits.photo_bytes;
    let mut fields = serde_json::Map::new();
    let mut stored: Option<(String, &'static str, u64)> = None;
    while let Some(mut field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        if name != "file" {
            let text = field.text().await.map_err(bad)?;
            params::check_text(&text)?;
            params::insert(&mut fields, &name, Value::String(text))?;
            continue;
        }
        if stored.is_some() {
            return Err(ApiError::Unprocessable("send one file per upload".into()));
        }
        // The first bytes decide the type; the name and declared type are ignored.
        let mut head = Vec::new();
        while head.len() < 16 {
            match field.chunk().await.map_err(bad)? {
                Some(chunk) => head.extend_from_slice(&chunk),
                None => break,
            }
        }
        let (ext, content_type) = sniff_image(&head).ok_or_else(|| {
            ApiError::Unprocessable("file is not a supported image (JPEG, PNG, GIF or WebP)".into())
        })?;
        let key = format!("originals/media/{me}/{}.{ext}", secret::generate());
        let mut upload = state.storage.begin_upload(&key, content_type);
        let mut chunk = Some(bytes::Bytes::from(head));
        while let Some(bytes) = chunk {
            if upload.total + bytes.len() as u64 > max {
                state.storage.abort(upload).await;
                return Err(ApiError::TooLarge(format!(
                    "file is larger than {max} bytes"
                )));
            }
            if let Err(err) = state.storage.feed(&mut upload, &bytes).await {
                state.storage.abort(upload).await;
                return Err(err.into());
            }
            chunk = field.chunk().await.map_err(bad)?;
        }
        let size = state.storage.finish(upload).await?;
        stored = Some((key, content_type, size));
    }
    let Some((key, content_type, size)) = stored else {
        return Err(ApiError::Unprocessable("file is missing".into()));
    };
    let details: Details = serde_json::from_value(Value::Object(fields))
        .map_err(|e| ApiError::Unprocessable(format!("invalid parameters: {e}")))?;
    check_description(state, details.description.as_deref())?;
    let focus = details
        .focus
        .as_deref()
        .map(parse_focus)
        .transpose()?
        .unwrap_or((0.0, 0.0));
    let mut tx = state.begin().await?;
    let new = NewMedia {
        account_id: me,
        original_key: &key,
        content_type,
        file_size: i64::try_from(size).unwrap_or(i64::MAX),
        description: details.description.as_deref(),
        focus,
    };
    let id = media::insert(&mut *tx, &new).await?;
    tasks::enqueue(&mut tx, &Task::ProcessMedia { media_id: id }).await?;
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    media::by_id(&state.db.primary, id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// The body of `PUT /api/v1/media/:id` (a form or JSON).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = MediaForm)]
struct Details {
    /// The photo's description for those who cannot see it (alt text).
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    description: Option<String>,
    /// The focal point, `x,y`, each from -1 to 1.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "flex_string")]
    focus: Option<String>,
}

/// One of the caller's photos: 206 while processing, 200 when ready, 422
/// with the reason when processing failed.
#[utoipa::path(get, path = "/api/v1/media/{id}", tag = "media",
    params(("id" = String, Path, description = "Media id")),
    responses((status = 200, description = "Ready"), (status = 206, description = "Still processing"),
              (status = 404, description = "No such media of the caller's"), (status = 422, description = "Processing failed")))]
async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let me = auth.user_with("write:media")?;
    let item = own(&state, me, &id).await?;
    match item.state.as_str() {
        "ready" => Ok((StatusCode::OK, Json(entity(&state, &item)))),
        "failed" => Err(failed(item)),
        _ => Ok((StatusCode::PARTIAL_CONTENT, Json(entity(&state, &item)))),
    }
}

/// Changes a photo's description (alt text) or focus.
#[utoipa::path(put, path = "/api/v1/media/{id}", tag = "media",
    params(("id" = String, Path, description = "Media id")),
    request_body(content = Details, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The MediaAttachment"), (status = 404, description = "No such media of the caller's")))]
async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<Details>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:media")?;
    let item = own(&state, me, &id).await?;
    check_description(&state, p.description.as_deref())?;
    let focus = p.focus.as_deref().map(parse_focus).transpose()?;
    media::update_details(&state.db.primary, item.id, p.description.as_deref(), focus).await?;
    super::items::forget_post_of(&state, item.id).await?;
    let item = media::by_id(&state.db.primary, item.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(entity(&state, &item)))
}
