//! Direct-to-S3 uploads for large photos over weak mobile networks:
//! `POST /api/lookbook/v1/uploads` hands out a presigned PUT with the type and
//! exact size signed in; the client sends the file straight to S3 (resuming
//! or retrying there as it likes), then `POST /api/lookbook/v1/uploads/:id/complete`
//! checks the object and hands it to the worker. The result is an ordinary
//! MediaAttachment, processed like any other.

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use lookbook_core::auth::secret;
use lookbook_core::db::media::{self, NewMedia};
use lookbook_core::db::uploads::{self, NewUpload};
use lookbook_core::tasks::{self, Task};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::accounts::parse_id;
use super::media::{check_description, entity, parse_focus};
use crate::AppState;
use crate::auth::Auth;
use crate::entities::time;
use crate::error::{ApiError, ApiResult};
use crate::params::{Params, flex_i64, flex_string};
use crate::throttle::{self, Limit};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start))
        .routes(routes!(complete))
}

/// How long a presigned URL stays usable.
const EXPIRY: Duration = Duration::from_secs(15 * 60);

/// The types a photo may have, with the file extension its key gets.
const TYPES: &[(&str, &str)] = &[
    ("image/jpeg", "jpg"),
    ("image/png", "png"),
    ("image/webp", "webp"),
    ("image/gif", "gif"),
];

#[derive(Debug, Default, Deserialize)]
struct StartParams {
    #[serde(default, deserialize_with = "flex_string")]
    content_type: Option<String>,
    #[serde(default, deserialize_with = "flex_i64")]
    size: Option<i64>,
    #[serde(default, deserialize_with = "flex_string")]
    description: Option<String>,
    #[serde(default, deserialize_with = "flex_string")]
    focus: Option<String>,
}

/// Starts a direct upload: answers where and how to PUT the file.
#[utoipa::path(post, path = "/api/lookbook/v1/uploads", tag = "lookbook",
    params(("content_type" = String, Query, description = "image/jpeg, image/png, image/webp or image/gif", pattern = "^image/(jpeg|png|webp|gif)$"),
           ("size" = i64, Query, description = "The file's exact size in bytes", minimum = 1)),
    responses((status = 200, description = "id, upload_url, method, headers to send, expires_at"),
              (status = 413, description = "Larger than the photo limit"), (status = 422, description = "Invalid type or size")))]
async fn start(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<StartParams>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:media")?;
    throttle::hit(&state, Limit::media_uploads(&state), &me.to_string()).await?;
    let content_type = p.content_type.as_deref().map(str::trim).unwrap_or_default();
    let Some((content_type, ext)) = TYPES
        .iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(content_type))
    else {
        return Err(ApiError::Unprocessable(
            "content_type must be image/jpeg, image/png, image/webp or image/gif".into(),
        ));
    };
    let max = state.config.limits.photo_bytes;
    let size = match p.size {
        Some(n) if n >= 1 && n as u64 <= max => n,
        Some(n) if n >= 1 => {
            return Err(ApiError::TooLarge(format!(
                "file is larger than {max} bytes"
            )));
        }
        _ => {
            return Err(ApiError::Unprocessable(
                "size must be the file's size in bytes".into(),
            ));
        }
    };
    check_description(&state, p.description.as_deref())?;
    let focus = p
        .focus
        .as_deref()
        .map(parse_focus)
        .transpose()?
        .unwrap_or((0.0, 0.0));
    let key = format!("originals/media/{me}/{}.{ext}", secret::generate());
    let (url, headers) = state
        .storage
        .presign_put(&key, content_type, size as u64, EXPIRY)
        .await?;
    let expires_at = Utc::now() + EXPIRY;
    let new = NewUpload {
        account_id: me,
        object_key: &key,
        content_type,
        file_size: size,
        description: p.description.as_deref(),
        focus,
        expires_at,
    };
    let id = uploads::insert(&state.db.primary, &new).await?;
    let headers: Map<String, Value> = headers
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    Ok(Json(json!({
        "id": id.to_string(),
        "upload_url": url,
        "method": "PUT",
        "headers": headers,
        "expires_at": time(expires_at),
    })))
}

/// Finishes a direct upload: the object must be in S3 with the size
/// announced; it becomes a MediaAttachment the worker processes. Completing
/// again answers the same attachment.
#[utoipa::path(post, path = "/api/lookbook/v1/uploads/{id}/complete", tag = "lookbook",
    params(("id" = String, Path, description = "Upload id")),
    responses((status = 202, description = "A MediaAttachment, url null while processing"),
              (status = 404, description = "No such upload of the caller's"),
              (status = 422, description = "The file is not in S3 yet, or not the size announced")))]
async fn complete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let me = auth.user_with("write:media")?;
    let id = parse_id(&id)?;
    // S3 is asked before the row is locked, so a slow S3 holds no
    // database connection; the row is then checked again under its lock.
    let found = uploads::by_id(&state.db.primary, id)
        .await?
        .filter(|u| u.account_id == me)
        .ok_or(ApiError::NotFound)?;
    let head = match found.media_id {
        Some(_) => None,
        None => state.storage.head(&found.object_key).await?,
    };
    let mut tx = state.begin().await?;
    let upload = uploads::lock(&mut tx, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let media_id = match upload.media_id {
        Some(media_id) => media_id,
        None if upload.swept_at.is_some() => {
            return Err(ApiError::Unprocessable(
                "the upload expired and its file was removed; start a new one".into(),
            ));
        }
        None => {
            let Some((size, _)) = head else {
                let reason = if upload.expires_at < Utc::now() {
                    "the upload expired before the file arrived; start a new one"
                } else {
                    "the file has not arrived yet: PUT it to upload_url first"
                };
                return Err(ApiError::Unprocessable(reason.into()));
            };
            if size != upload.file_size as u64 {
                return Err(ApiError::Unprocessable(format!(
                    "the file has {size} bytes, not the {} announced",
                    upload.file_size
                )));
            }
            let new = NewMedia {
                account_id: me,
                original_key: &upload.object_key,
                content_type: &upload.content_type,
                file_size: upload.file_size,
                description: upload.description.as_deref(),
                focus: (upload.focus_x, upload.focus_y),
            };
            let media_id = media::insert(&mut *tx, &new).await?;
            tasks::enqueue(&mut tx, &Task::ProcessMedia { media_id }).await?;
            uploads::complete(&mut tx, upload.id, media_id).await?;
            media_id
        }
    };
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    let item = media::by_id(&state.db.primary, media_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((StatusCode::ACCEPTED, Json(entity(&state, &item))))
}
