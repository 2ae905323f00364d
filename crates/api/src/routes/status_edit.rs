//! `PUT /api/v1/statuses/:id`: editing a post (text, content warning,
//! sensitivity, language, photos and their descriptions; a poll stays as
//! posted), keeping each version for its history ([`super::status_history`]).

use axum::Json;
use axum::extract::{Path, State};
use lookbook_core::db::notifications::{self, Kind as NoteKind};
use lookbook_core::db::{conversations, media, polls, status_edits, statuses};
use lookbook_core::posting;
use lookbook_core::stream;
use lookbook_core::tasks::{self, Task};
use lookbook_core::text;
use serde::Deserialize;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::compose::Compose;
use super::media::{check_description, parse_focus};
use crate::AppState;
use crate::auth::Auth;
use crate::cached::{self, Kind};
use crate::error::{ApiError, ApiResult};
use crate::params::{Params, flex_string};
use crate::statuses::render;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(edit))
}

/// A photo's description or focus changed with an edit.
#[derive(Debug, Default, Deserialize)]
struct MediaAttribute {
    #[serde(default, deserialize_with = "flex_string")]
    id: Option<String>,
    #[serde(default, deserialize_with = "flex_string")]
    description: Option<String>,
    #[serde(default, deserialize_with = "flex_string")]
    focus: Option<String>,
}

/// Edits a post: text, content warning, sensitivity, language, photos and
/// their descriptions. Only its author may.
#[utoipa::path(put, path = "/api/v1/statuses/{id}", tag = "statuses",
    request_body(content = Compose, content_type = "application/x-www-form-urlencoded"),
    params(("id" = String, Path, description = "Status id")),
    responses((status = 200, description = "The edited Status"), (status = 404, description = "No such post of the caller's"),
              (status = 422, description = "Invalid edit, with the reason")))]
async fn edit(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<Compose>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:statuses")?;
    let current = crate::statuses::own(&state, me, &id).await?;
    if current.reblog_of_id.is_some() {
        return Err(ApiError::Unprocessable(
            "Validation failed: A boost cannot be edited".into(),
        ));
    }
    let id = current.id;
    let (text, spoiler) = p.texts(&state)?;
    let language = p.language()?;
    // Clients send the poll back with an edit; its choices stay as posted.
    if let Some(asked) = p.poll(&state)? {
        let posted = polls::of_statuses(&state.db.primary, &[id]).await?.pop();
        let why = match posted {
            Some(posted)
                if posted.options == asked.options && posted.multiple == asked.multiple =>
            {
                None
            }
            Some(_) => Some("a poll's choices cannot change once it is posted"),
            None => Some("a poll cannot be added to a post by an edit"),
        };
        if let Some(why) = why {
            return Err(ApiError::Unprocessable(format!("Validation failed: {why}")));
        }
    }
    let media_ids = match &p.media_ids {
        Some(_) => p.media(&state)?,
        None => statuses::media_of(&state.db.primary, &[id])
            .await?
            .remove(&id)
            .unwrap_or_default(),
    };
    if text.trim().is_empty() && media_ids.is_empty() {
        return Err(ApiError::Unprocessable(
            "Validation failed: Text can't be blank".into(),
        ));
    }
    let attributes: Vec<MediaAttribute> = match p.media_attributes.clone() {
        None | Some(Value::Null) => Ok(Vec::new()),
        // `media_attributes[][id]=...` arrives as a list, `[0][id]` as an object.
        Some(Value::Object(map)) => map
            .into_values()
            .map(serde_json::from_value)
            .collect::<Result<_, _>>(),
        Some(other) => serde_json::from_value(other),
    }
    .map_err(|e| ApiError::Unprocessable(format!("invalid media_attributes: {e}")))?;
    if attributes.len() > state.config.limits.media_per_status as usize {
        return Err(ApiError::Unprocessable(
            "media_attributes lists more photos than a post can have".into(),
        ));
    }

    let mut tx = state.begin().await?;
    // Edits of one post (and its deletion) take turns.
    if statuses::lock(&mut tx, id).await? != Some(me) {
        return Err(ApiError::NotFound);
    }
    // The history keeps the post as it was before its first edit.
    status_edits::keep(&mut tx, id, true).await?;
    statuses::update_text(
        &mut tx,
        id,
        &text,
        &spoiler,
        p.sensitive.unwrap_or(current.sensitive),
        language.as_deref().or(current.language.as_deref()),
    )
    .await?;
    posting::attach(&mut tx, id, me, &media_ids).await?;
    for attribute in &attributes {
        let media_id = attribute.id.as_deref().and_then(|i| i.parse::<i64>().ok());
        let Some(media_id) = media_id.filter(|m| media_ids.contains(m)) else {
            return Err(ApiError::Unprocessable(
                "media_attributes must name photos of this post".into(),
            ));
        };
        check_description(&state, attribute.description.as_deref())?;
        let focus = attribute.focus.as_deref().map(parse_focus).transpose()?;
        media::update_details(&mut *tx, media_id, attribute.description.as_deref(), focus).await?;
    }
    statuses::set_tags(&mut tx, id, &text::hashtags(&text)).await?;
    // A direct post's people may change: it leaves the conversations it
    // was filed in and is filed again under who it now mentions.
    let direct = current.visibility == "direct";
    if direct {
        conversations::remove(&mut tx, id).await?;
    }
    let mentioned = statuses::set_mentions(&mut tx, id, &text::mentions(&text)).await?;
    if direct {
        conversations::add(&mut tx, id).await?;
    }
    let mut notified = Vec::new();
    for recipient in mentioned {
        let made =
            notifications::create(&mut tx, recipient, me, NoteKind::Mention, Some(id)).await?;
        notified.extend(made);
    }
    status_edits::keep(&mut tx, id, false).await?;
    // Those who liked, bookmarked or commented hear of the edit from the worker.
    tasks::enqueue(&mut tx, &Task::NotifyEdit { status_id: id }).await?;
    // The link may have changed, or gone with its card.
    if text::first_web_link(&text).is_some() || text::first_web_link(&current.text).is_some() {
        tasks::enqueue(&mut tx, &Task::FetchPreview { status_id: id }).await?;
    }
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    stream::notified(&state.kv, &notified).await;
    cached::forget(&state, Kind::Status, &[id]).await;
    let mut edited = render(&state, Some(me), &[id]).await?;
    edited.pop().map(Json).ok_or(ApiError::NotFound)
}
