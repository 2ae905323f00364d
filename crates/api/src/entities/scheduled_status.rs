//! The ScheduledStatus entity: a post waiting for its time, with what was
//! asked for (`params`) and the photos reserved for it.

use lookbook_core::db::media::Media;
use lookbook_core::db::scheduled_statuses::Scheduled;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::time;
use crate::AppState;
use crate::routes::media::entity as media_entity;

/// A scheduled post as Mastodon shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduledStatus {
    pub id: String,
    pub scheduled_at: String,
    pub params: ScheduledParams,
    /// The photos, in the post's order.
    #[schema(value_type = Vec<Object>)]
    pub media_attachments: Vec<Value>,
}

/// What the post will be.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduledParams {
    pub text: String,
    pub poll: Option<ScheduledPoll>,
    pub media_ids: Option<Vec<String>>,
    pub sensitive: bool,
    pub spoiler_text: String,
    pub visibility: String,
    pub in_reply_to_id: Option<String>,
    pub language: Option<String>,
    pub application_id: Option<String>,
    /// Always null: the time is the entity's own `scheduled_at`.
    #[schema(value_type = Option<String>)]
    pub scheduled_at: Option<()>,
    #[schema(value_type = Option<String>)]
    pub idempotency: Option<()>,
    pub with_rate_limit: bool,
}

/// A poll as asked for; its length counts from publication.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduledPoll {
    pub options: Vec<String>,
    /// Seconds, as a string.
    pub expires_in: String,
    pub multiple: bool,
    pub hide_totals: bool,
}

impl ScheduledStatus {
    /// `media` holds at least the post's photos, in any order.
    pub fn new(state: &AppState, scheduled: &Scheduled, media: &[Media]) -> ScheduledStatus {
        let p = &scheduled.params;
        let attachments = p
            .media_ids
            .iter()
            .filter_map(|id| media.iter().find(|m| m.id == *id))
            .map(|m| media_entity(state, m))
            .collect();
        let ids = |ids: &[i64]| ids.iter().map(i64::to_string).collect::<Vec<_>>();
        ScheduledStatus {
            id: scheduled.id.to_string(),
            scheduled_at: time(scheduled.scheduled_at),
            params: ScheduledParams {
                text: p.text.clone(),
                poll: p.poll.as_ref().map(|poll| ScheduledPoll {
                    options: poll.options.clone(),
                    expires_in: poll.expires_in.to_string(),
                    multiple: poll.multiple,
                    hide_totals: poll.hide_totals,
                }),
                media_ids: (!p.media_ids.is_empty()).then(|| ids(&p.media_ids)),
                sensitive: p.sensitive,
                spoiler_text: p.spoiler_text.clone(),
                visibility: p.visibility.clone(),
                in_reply_to_id: p.in_reply_to_id.map(|id| id.to_string()),
                language: p.language.clone(),
                application_id: p.application_id.map(|id| id.to_string()),
                scheduled_at: None,
                idempotency: None,
                with_rate_limit: false,
            },
            media_attachments: attachments,
        }
    }
}
