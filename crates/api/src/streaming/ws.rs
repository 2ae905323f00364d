//! The WebSocket: `GET /api/v1/streaming` (`stream=`, `tag=` to start with
//! one), then `{"type": "subscribe" | "unsubscribe", "stream": ..., "tag": ...}`
//! messages. Each event is sent as `{"stream": [...], "event": ...,
//! "payload": ...}`. The token comes in the `Authorization` header, the
//! `access_token` parameter or `Sec-WebSocket-Protocol` (browsers). Idle
//! sockets get a ping every 30 seconds; a socket that does not take what is
//! sent within 10 seconds, or falls behind by a full queue, is closed.

use std::time::Duration;

use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{OriginalUri, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::{HEARTBEAT_SECS, REVALIDATE_SECS, Stream, render_for};
use crate::AppState;
use crate::auth::{Auth, authenticate, bearer_of};
use crate::error::{ApiError, ApiResult};
use crate::params::QueryParams;

/// How long one send may take before the client counts as gone.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// The query of a connection.
#[derive(Debug, Default, Deserialize)]
pub struct Query {
    #[serde(default)]
    pub stream: Option<String>,
    #[serde(default)]
    pub tag: Option<String>,
}

/// A client's message on the socket.
#[derive(Debug, Deserialize)]
struct Command {
    #[serde(rename = "type")]
    kind: String,
    stream: String,
    #[serde(default)]
    tag: Option<String>,
}

/// The token a WebSocket request carries: header, parameter, or the
/// subprotocol a browser may only send it as.
async fn auth_of(
    state: &AppState,
    headers: &HeaderMap,
    uri: &axum::http::Uri,
) -> ApiResult<Option<(Auth, bool)>> {
    if let Some(token) = bearer_of(headers, uri) {
        return Ok(Some((authenticate(state, &token).await?, false)));
    }
    let protocol = headers
        .get(axum::http::header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(',').next().unwrap_or_default().trim().to_string())
        .filter(|v| !v.is_empty());
    match protocol {
        Some(token) => Ok(Some((authenticate(state, &token).await?, true))),
        None => Ok(None),
    }
}

/// Opens a WebSocket for live events.
#[utoipa::path(get, path = "/api/v1/streaming", tag = "streaming",
    params(("stream" = Option<String>, Query, description = "A stream to start with: user, user:notification, public, public:local, public:media, hashtag, hashtag:local"),
           ("tag" = Option<String>, Query, description = "The hashtag, for hashtag streams"),
           ("access_token" = Option<String>, Query, description = "The token, when no header can carry it")),
    responses((status = 101, description = "Switching to the WebSocket protocol"),
              (status = 400, description = "Not a WebSocket request, or an unknown stream"),
              (status = 401, description = "A bad token, or none for a stream that needs one")))]
pub async fn socket(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    QueryParams(query): QueryParams<Query>,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let upgrade = upgrade.map_err(|e| {
        ApiError::BadRequest(format!("this endpoint takes WebSocket connections: {e}"))
    })?;
    let auth = auth_of(&state, &headers, &uri).await?;
    let first = match query.stream.as_deref().filter(|s| !s.is_empty()) {
        Some(name) => Some(Stream::parse(
            name,
            query.tag.as_deref(),
            auth.as_ref().map(|(a, _)| a),
        )?),
        None => None,
    };
    let mut upgrade = upgrade
        .read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
        .max_message_size(64 * 1024)
        .max_frame_size(64 * 1024);
    if let Some((_, true)) = &auth {
        // The token came as the subprotocol: the handshake must name it back.
        let offered: Vec<String> = headers
            .get(axum::http::header::SEC_WEBSOCKET_PROTOCOL)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(',').map(|p| p.trim().to_string()).collect())
            .unwrap_or_default();
        upgrade = upgrade.protocols(offered);
    }
    let auth = auth.map(|(a, _)| a);
    Ok(upgrade.on_upgrade(move |socket| run(state, auth, first, socket)))
}

async fn send(socket: &mut WebSocket, message: Message) -> bool {
    matches!(
        tokio::time::timeout(SEND_TIMEOUT, socket.send(message)).await,
        Ok(Ok(()))
    )
}

fn error_message(text: &str) -> Message {
    Message::Text(Utf8Bytes::from(json!({ "error": text }).to_string()))
}

async fn run(state: AppState, auth: Option<Auth>, first: Option<Stream>, mut socket: WebSocket) {
    let mut connection = state.hub.connect();
    let me = auth.as_ref().and_then(|a| a.user().ok());
    let mut streams: Vec<Stream> = Vec::new();
    if let Some(stream) = first {
        stream.subscribe(&state, &connection);
        streams.push(stream);
    }
    let mut heartbeat = tokio::time::interval(Duration::from_secs(HEARTBEAT_SECS));
    heartbeat.tick().await;
    let mut revalidate = tokio::time::interval(Duration::from_secs(REVALIDATE_SECS));
    revalidate.tick().await;
    let kick = connection.kick.clone();
    loop {
        tokio::select! {
            delivery = connection.deliveries.recv() => {
                let Some(delivery) = delivery else { break };
                let Some(out) = render_for(&state, me, &delivery).await else { continue };
                let text = json!({"stream": out.stream, "event": out.event, "payload": out.payload});
                if !send(&mut socket, Message::Text(Utf8Bytes::from(text.to_string()))).await {
                    break;
                }
            }
            incoming = socket.recv() => {
                let Some(Ok(message)) = incoming else { break };
                let Message::Text(text) = message else {
                    if matches!(message, Message::Close(_)) { break }
                    continue;
                };
                let Ok(command) = serde_json::from_str::<Command>(text.as_str()) else {
                    if !send(&mut socket, error_message("Unknown message")).await { break }
                    continue;
                };
                match Stream::parse(&command.stream, command.tag.as_deref(), auth.as_ref()) {
                    Ok(stream) if command.kind == "subscribe" => {
                        stream.subscribe(&state, &connection);
                        if !streams.contains(&stream) {
                            streams.push(stream);
                        }
                    }
                    Ok(stream) if command.kind == "unsubscribe" => {
                        stream.unsubscribe(&state, &connection);
                        streams.retain(|s| *s != stream);
                    }
                    Ok(_) => {
                        if !send(&mut socket, error_message("Unknown message type")).await { break }
                    }
                    Err(e) => {
                        if !send(&mut socket, error_message(&e.to_string())).await { break }
                    }
                }
            }
            _ = heartbeat.tick() => {
                if state.is_draining() {
                    let _ = send(&mut socket, Message::Close(None)).await;
                    break;
                }
                if !send(&mut socket, Message::Ping(Default::default())).await {
                    break;
                }
            }
            _ = revalidate.tick(), if auth.is_some() => {
                if let Some(auth) = &auth
                    && !auth.still_valid(&state).await
                {
                    let _ = send(&mut socket, error_message("The access token was revoked")).await;
                    let _ = send(&mut socket, Message::Close(None)).await;
                    break;
                }
            }
            _ = kick.notified() => {
                tracing::info!(connection = connection.id, "live events: client too slow; closing");
                break;
            }
        }
    }
    state.hub.disconnect(connection.id);
}
