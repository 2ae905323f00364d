//! `GET /api/v1/statuses/:id/history`: the versions of a post, oldest
//! first — the original and every edit — for whoever may see the post.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use lookbook_core::db::{media, status_edits};
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::accounts::parse_id;

use crate::AppState;
use crate::auth::MaybeAuth;
use crate::entities::status_edit::StatusEdit;
use crate::error::ApiResult;
use crate::statuses::{content_html, render_visible};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(history))
}

/// The versions of a post, oldest first: the original and each edit (one
/// version, as it stands, for a post never edited).
#[utoipa::path(get, path = "/api/v1/statuses/{id}/history", tag = "statuses",
    params(("id" = String, Path, description = "Status id")),
    responses((status = 200, description = "The StatusEdits, oldest first", body = [StatusEdit]),
              (status = 404, description = "No such post the caller may see")))]
async fn history(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<StatusEdit>>> {
    auth.require_if_present("read:statuses")?;
    let id = parse_id(&id)?;
    let current = render_visible(&state, auth.viewer(), id).await?;
    let versions = status_edits::of_status(&state.db.primary, id).await?;
    if versions.is_empty() {
        let at = current["edited_at"]
            .as_str()
            .or(current["created_at"].as_str())
            .unwrap_or_default();
        return Ok(Json(vec![StatusEdit {
            content: current["content"].as_str().unwrap_or_default().to_string(),
            spoiler_text: current["spoiler_text"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            sensitive: current["sensitive"].as_bool().unwrap_or(false),
            created_at: at.to_string(),
            account: current["account"].clone(),
            poll: None,
            media_attachments: current["media_attachments"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
            emojis: Vec::new(),
        }]));
    }
    // Mentions link as they do in the post now.
    let mentioned: Vec<(i64, String)> = current["mentions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| {
            let id = m["id"].as_str()?.parse().ok()?;
            Some((id, m["username"].as_str()?.to_string()))
        })
        .collect();
    let mut ids: Vec<i64> = versions.iter().flat_map(|v| v.media_ids.clone()).collect();
    ids.sort_unstable();
    ids.dedup();
    let photos: HashMap<i64, media::Media> = media::by_ids(&state.db.primary, &ids)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let base = &state.config.public_url;
    let edits = versions
        .into_iter()
        .map(|v| StatusEdit {
            content: content_html(base, &v.text, &mentioned),
            spoiler_text: v.spoiler_text,
            sensitive: v.sensitive,
            created_at: crate::entities::time(v.created_at),
            account: current["account"].clone(),
            poll: None,
            media_attachments: v
                .media_ids
                .iter()
                .zip(&v.media_descriptions)
                .filter_map(|(id, description)| {
                    let mut entity = super::media::entity(&state, photos.get(id)?);
                    entity["description"] = match description.as_str() {
                        "" => Value::Null,
                        text => text.into(),
                    };
                    Some(entity)
                })
                .collect(),
            emojis: Vec::new(),
        })
        .collect();
    Ok(Json(edits))
}
