//! Polls: `GET /api/v1/polls/:id` and voting, `POST /api/v1/polls/:id/votes`.
//! A poll is as visible as its post. Polls are made with a post
//! ([`super::compose`]) and ended by the worker, which tells the voters.

use axum::Json;
use axum::extract::{Path, State};
use lookbook_core::db::polls::{self, Refusal};
use lookbook_core::db::statuses;
use serde::Deserialize;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::accounts::parse_id;
use crate::AppState;
use crate::auth::{Auth, MaybeAuth};
use crate::entities::poll::Poll;
use crate::error::{ApiError, ApiResult};
use crate::params::{Params, flex_list};
use crate::statuses::render;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(show))
        .routes(routes!(vote))
}

/// The body of `POST /api/v1/polls/:id/votes`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = PollVoteForm)]
struct VoteParams {
    /// The positions chosen (`choices[]`), from 0; one unless the poll
    /// allows several.
    #[schema(value_type = Vec<String>, required = true)]
    #[serde(default, deserialize_with = "flex_list")]
    choices: Option<Vec<String>>,
}

/// The poll `raw_id`, if `viewer` may see its post; 404 otherwise.
async fn visible(state: &AppState, viewer: Option<i64>, raw_id: &str) -> ApiResult<polls::Poll> {
    let poll = polls::get(&state.db.primary, parse_id(raw_id)?)
        .await?
        .ok_or(ApiError::NotFound)?;
    statuses::visible(state.reader(viewer).await, poll.status_id, viewer)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(poll)
}

/// The poll as `viewer` sees it, from its post.
async fn shown(
    state: &AppState,
    viewer: Option<i64>,
    poll: &polls::Poll,
) -> ApiResult<Json<Value>> {
    let mut post = render(state, viewer, &[poll.status_id])
        .await?
        .pop()
        .ok_or(ApiError::NotFound)?;
    Ok(Json(post["poll"].take()))
}

/// A poll, with its counts (hidden until it ends when its author asked so)
/// and the caller's vote.
#[utoipa::path(get, path = "/api/v1/polls/{id}", tag = "statuses",
    params(("id" = String, Path, description = "The poll")),
    responses((status = 200, description = "The Poll", body = Poll),
              (status = 404, description = "No such poll the caller may see")))]
async fn show(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    auth.require_if_present("read:statuses")?;
    let viewer = auth.viewer();
    let poll = visible(&state, viewer, &id).await?;
    shown(&state, viewer, &poll).await
}

/// Votes in a poll, once.
#[utoipa::path(post, path = "/api/v1/polls/{id}/votes", tag = "statuses",
    params(("id" = String, Path, description = "The poll")),
    request_body(content = VoteParams, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The Poll with the vote", body = Poll),
              (status = 404, description = "No such poll the caller may see"),
              (status = 422, description = "The choices are not valid, the poll has ended, or the caller voted already")))]
async fn vote(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<VoteParams>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:statuses")?;
    let poll = visible(&state, Some(me), &id).await?;
    let invalid = |why: &str| ApiError::Unprocessable(format!("Validation failed: {why}"));
    let mut choices = p
        .choices
        .unwrap_or_default()
        .iter()
        .map(|c| {
            c.trim()
                .parse::<i32>()
                .ok()
                .filter(|c| *c >= 0 && (*c as usize) < poll.options.len())
                .ok_or_else(|| invalid("choices must be positions of the poll's options"))
        })
        .collect::<ApiResult<Vec<i32>>>()?;
    choices.sort_unstable();
    choices.dedup();
    if choices.is_empty() {
        return Err(invalid("choose at least one option"));
    }
    if choices.len() > 1 && !poll.multiple {
        return Err(invalid("this poll takes one choice"));
    }
    match polls::vote(&state.db.primary, &poll, me, &choices).await? {
        Ok(()) => shown(&state, Some(me), &poll).await,
        Err(Refusal::Ended) => Err(invalid("The poll has already ended")),
        Err(Refusal::AlreadyVoted) => Err(invalid("You have already voted on this poll")),
    }
}
