//! Server-sent events, one stream per request: `/api/v1/streaming/user`,
//! `/user/notification`, `/public`, `/public/local`, `/public/remote`, their
//! `/media` forms, `/hashtag?tag=` and `/hashtag/local?tag=`. Events are
//! `event: <name>` and `data: <payload>` lines; an idle stream gets a
//! `:thump` comment every 30 seconds. A client that falls behind by a full
//! queue is cut off.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream as FutureStream};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{HEARTBEAT_SECS, REVALIDATE_SECS, Stream, render_for};
use crate::AppState;
use crate::auth::MaybeAuth;
use crate::error::ApiResult;
use crate::params::QueryParams;
use crate::streaming::ws::Query;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(user))
        .routes(routes!(user_notification))
        .routes(routes!(public))
        .routes(routes!(public_local))
        .routes(routes!(public_remote))
        .routes(routes!(public_media))
        .routes(routes!(public_local_media))
        .routes(routes!(hashtag))
        .routes(routes!(hashtag_local))
}

/// The events of one stream, for as long as the client listens.
fn events(
    state: AppState,
    auth: MaybeAuth,
    stream: Stream,
) -> impl FutureStream<Item = Result<SseEvent, Infallible>> {
    let connection = state.hub.connect();
    stream.subscribe(&state, &connection);
    let me = auth.viewer();
    let token = auth.0;
    let checked = tokio::time::Instant::now();
    let kick = connection.kick.clone();
    let draining = tokio::time::interval(Duration::from_secs(1));
    let guard = Disconnect {
        state: state.clone(),
        id: connection.id,
    };
    stream::unfold(
        (state, connection, kick, draining, guard, token, checked),
        move |(state, mut connection, kick, mut draining, guard, token, mut checked)| async move {
            loop {
                tokio::select! {
                    delivery = connection.deliveries.recv() => {
                        let delivery = delivery?;
                        let Some(out) = render_for(&state, me, &delivery).await else { continue };
                        let event = SseEvent::default().event(out.event).data(out.payload);
                        let next = (state, connection, kick, draining, guard, token, checked);
                        return Some((Ok(event), next));
                    }
                    _ = kick.notified() => return None,
                    _ = draining.tick() => {
                        if state.is_draining() {
                            return None;
                        }
                        if let Some(auth) = &token
                            && checked.elapsed() >= Duration::from_secs(REVALIDATE_SECS)
                        {
                            checked = tokio::time::Instant::now();
                            if !auth.still_valid(&state).await {
                                return None;
                            }
                        }
                    }
                }
            }
        },
    )
}

/// Forgets the connection when the response is dropped (the client left).
struct Disconnect {
    state: AppState,
    id: u64,
}

impl Drop for Disconnect {
    fn drop(&mut self) {
        self.state.hub.disconnect(self.id);
    }
}

fn open(state: AppState, auth: MaybeAuth, name: &str, tag: Option<&str>) -> ApiResult<Response> {
    let stream = Stream::parse(name, tag, auth.0.as_ref())?;
    let keep_alive = KeepAlive::new()
        .interval(Duration::from_secs(HEARTBEAT_SECS))
        .text("thump");
    let mut response = Sse::new(events(state, auth, stream))
        .keep_alive(keep_alive)
        .into_response();
    // nginx must pass each event on at once, not fill a buffer first.
    response.headers_mut().insert(
        "x-accel-buffering",
        axum::http::HeaderValue::from_static("no"),
    );
    Ok(response)
}

/// The member's home timeline and notifications.
#[utoipa::path(get, path = "/api/v1/streaming/user", tag = "streaming",
    responses((status = 200, description = "Events: update, delete, status.update, notification, announcement, announcement.reaction, announcement.delete", content_type = "text/event-stream"),
              (status = 401, description = "Not signed in")))]
async fn user(State(state): State<AppState>, auth: MaybeAuth) -> ApiResult<Response> {
    open(state, auth, "user", None)
}

/// The member's notifications only.
#[utoipa::path(get, path = "/api/v1/streaming/user/notification", tag = "streaming",
    responses((status = 200, description = "Events: notification", content_type = "text/event-stream"),
              (status = 401, description = "Not signed in")))]
async fn user_notification(State(state): State<AppState>, auth: MaybeAuth) -> ApiResult<Response> {
    open(state, auth, "user:notification", None)
}

/// Every public post.
#[utoipa::path(get, path = "/api/v1/streaming/public", tag = "streaming",
    responses((status = 200, description = "Events: update, delete, status.update", content_type = "text/event-stream")))]
async fn public(State(state): State<AppState>, auth: MaybeAuth) -> ApiResult<Response> {
    open(state, auth, "public", None)
}

/// Every public post of this server (all of them).
#[utoipa::path(get, path = "/api/v1/streaming/public/local", tag = "streaming",
    responses((status = 200, description = "Events: update, delete, status.update", content_type = "text/event-stream")))]
async fn public_local(State(state): State<AppState>, auth: MaybeAuth) -> ApiResult<Response> {
    open(state, auth, "public:local", None)
}

/// Public posts from other servers: none come here.
#[utoipa::path(get, path = "/api/v1/streaming/public/remote", tag = "streaming",
    responses((status = 200, description = "No events", content_type = "text/event-stream")))]
async fn public_remote(State(state): State<AppState>, auth: MaybeAuth) -> ApiResult<Response> {
    open(state, auth, "public:remote", None)
}

/// Public posts with photos.
#[utoipa::path(get, path = "/api/v1/streaming/public/media", tag = "streaming",
    responses((status = 200, description = "Events: update, delete, status.update", content_type = "text/event-stream")))]
async fn public_media(State(state): State<AppState>, auth: MaybeAuth) -> ApiResult<Response> {
    open(state, auth, "public:media", None)
}

/// Public posts of this server with photos.
#[utoipa::path(get, path = "/api/v1/streaming/public/local/media", tag = "streaming",
    responses((status = 200, description = "Events: update, delete, status.update", content_type = "text/event-stream")))]
async fn public_local_media(State(state): State<AppState>, auth: MaybeAuth) -> ApiResult<Response> {
    open(state, auth, "public:local:media", None)
}

/// Public posts with a hashtag.
#[utoipa::path(get, path = "/api/v1/streaming/hashtag", tag = "streaming",
    params(("tag" = String, Query, description = "The hashtag")),
    responses((status = 200, description = "Events: update, delete, status.update", content_type = "text/event-stream"),
              (status = 400, description = "No tag")))]
async fn hashtag(
    State(state): State<AppState>,
    auth: MaybeAuth,
    QueryParams(q): QueryParams<Query>,
) -> ApiResult<Response> {
    open(state, auth, "hashtag", q.tag.as_deref())
}

/// Public posts of this server with a hashtag.
#[utoipa::path(get, path = "/api/v1/streaming/hashtag/local", tag = "streaming",
    params(("tag" = String, Query, description = "The hashtag")),
    responses((status = 200, description = "Events: update, delete, status.update", content_type = "text/event-stream"),
              (status = 400, description = "No tag")))]
async fn hashtag_local(
    State(state): State<AppState>,
    auth: MaybeAuth,
    QueryParams(q): QueryParams<Query>,
) -> ApiResult<Response> {
    open(state, auth, "hashtag:local", q.tag.as_deref())
}
