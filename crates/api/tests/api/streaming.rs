//! The streaming API: server-sent events and the WebSocket, with events
//! caused on one instance (or by the worker) reaching a client connected to
//! another, through Redis.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use lookbook_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use super::notifications::posted;

/// How long an event may take to arrive on a busy machine.
const WAIT: Duration = Duration::from_secs(30);

/// A second API instance on the same services; answers its address.
async fn second_instance(app: &TestApp) -> String {
    let second = lookbook_api::Application::build(app.env.config())
        .await
        .unwrap();
    let address = format!("127.0.0.1:{}", second.port());
    tokio::spawn(second.run_until_stopped(std::future::pending()));
    address
}

/// Reads server-sent events until one named `name` comes; answers its data.
pub async fn next_event(
    response: &mut reqwest::Response,
    buffer: &mut String,
    name: &str,
) -> String {
    let found = tokio::time::timeout(WAIT, async {
        loop {
            while let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                let mut event = None;
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event = Some(v.trim().to_string());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if event.as_deref() == Some(name) {
                    return data;
                }
            }
            let chunk = response.chunk().await.unwrap().expect("the stream ended");
            buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await;
    found.unwrap_or_else(|_| panic!("no {name} event within {WAIT:?}; got {buffer:?}"))
}

/// A member listening on one instance hears, as they happen on the other:
/// a like of their post (a `notification` with the post in it), a new post
/// of someone they follow (an `update`, put together by the worker's
/// fan-out) and its deletion (`delete` with the id).
#[tokio::test(flavor = "multi_thread")]
async fn server_sent_events_cross_instances() {
    let app = TestApp::spawn().await;
    let other = second_instance(&app).await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let follow = format!("/api/v1/accounts/{}/follow", bob.id);
    assert_eq!(app.act(&ann, &follow, &[]).await.0, StatusCode::OK);
    let look = posted(&app, &ann, "Tailoring day").await;

    let mut events = app
        .client
        .get(format!("http://{other}/api/v1/streaming/user"))
        .bearer_auth(&ann.token)
        .timeout(Duration::from_secs(600))
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    assert!(
        events.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    // The subscription is in place once the instance answered; a moment
    // more for Redis to have it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut buffer = String::new();

    let like = format!("/api/v1/statuses/{look}/favourite");
    assert_eq!(app.act(&bob, &like, &[]).await.0, StatusCode::OK);
    let data = next_event(&mut events, &mut buffer, "notification").await;
    let notification: Value = serde_json::from_str(&data).unwrap();
    assert_eq!(notification["type"], "favourite");
    assert_eq!(notification["account"]["id"], bob.id.as_str());
    assert_eq!(notification["status"]["id"], look.as_str());

    let new = posted(&app, &bob, "Fresh fit").await;
    let data = next_event(&mut events, &mut buffer, "update").await;
    let update: Value = serde_json::from_str(&data).unwrap();
    assert_eq!(update["id"], new.as_str());
    assert_eq!(update["account"]["username"], "bob");

    let deleted = app
        .client
        .delete(app.url(&format!("/api/v1/statuses/{new}")))
        .bearer_auth(&bob.token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::OK);
    assert_eq!(next_event(&mut events, &mut buffer, "delete").await, new);
    drop(events);
    app.finish().await.unwrap();
}

/// Waits for the next event message on a socket.
async fn next_message<S>(socket: &mut S) -> Value
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let message = tokio::time::timeout(WAIT, async {
        loop {
            match socket.next().await.expect("the socket closed").unwrap() {
                Message::Text(text) => return serde_json::from_str::<Value>(&text).unwrap(),
                _ => continue,
            }
        }
    })
    .await;
    message.unwrap_or_else(|_| panic!("no message within {WAIT:?}"))
}

/// One WebSocket, token in the subprotocol as a browser sends it, carries
/// several streams: notifications from the start, a hashtag subscribed
/// later; each message names its stream, its event and a JSON payload.
/// Unknown streams and commands get an error message, not a closed socket.
#[tokio::test(flavor = "multi_thread")]
async fn one_websocket_carries_several_streams() {
    let app = TestApp::spawn().await;
    let other = second_instance(&app).await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let look = posted(&app, &ann, "Denim on denim").await;

    let url = format!("ws://{other}/api/v1/streaming?stream=user:notification");
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("sec-websocket-protocol", ann.token.parse().unwrap());
    let (mut socket, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        ann.token.as_str()
    );
    socket
        .send(Message::text(
            json!({"type": "subscribe", "stream": "hashtag", "tag": "OOTD"}).to_string(),
        ))
        .await
        .unwrap();
    socket
        .send(Message::text(
            json!({"type": "subscribe", "stream": "nonsense"}).to_string(),
        ))
        .await
        .unwrap();
    let error = next_message(&mut socket).await;
    assert_eq!(error["error"], "Unknown stream type");
    tokio::time::sleep(Duration::from_millis(300)).await;

    let like = format!("/api/v1/statuses/{look}/favourite");
    assert_eq!(app.act(&bob, &like, &[]).await.0, StatusCode::OK);
    let message = next_message(&mut socket).await;
    assert_eq!(message["stream"], json!(["user:notification"]));
    assert_eq!(message["event"], "notification");
    let payload: Value = serde_json::from_str(message["payload"].as_str().unwrap()).unwrap();
    assert_eq!(payload["type"], "favourite");

    let tagged = posted(&app, &bob, "Street style #ootd").await;
    let message = next_message(&mut socket).await;
    assert_eq!(message["stream"], json!(["hashtag", "OOTD"]));
    assert_eq!(message["event"], "update");
    let payload: Value = serde_json::from_str(message["payload"].as_str().unwrap()).unwrap();
    assert_eq!(payload["id"], tagged.as_str());

    // Unsubscribed, the hashtag is quiet; the next thing heard is a like.
    socket
        .send(Message::text(
            json!({"type": "unsubscribe", "stream": "hashtag", "tag": "OOTD"}).to_string(),
        ))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    posted(&app, &bob, "More #ootd").await;
    let second = posted(&app, &ann, "Second look").await;
    let like = format!("/api/v1/statuses/{second}/favourite");
    assert_eq!(app.act(&bob, &like, &[]).await.0, StatusCode::OK);
    let message = next_message(&mut socket).await;
    assert_eq!(message["event"], "notification", "{message}");
    socket.close(None).await.unwrap();
    app.finish().await.unwrap();
}

/// Bad requests get clear answers: a stream that needs a member without a
/// token (401), an unknown stream or a plain GET where a socket is
/// expected (400), a bad token (401); the health check answers OK.
#[tokio::test(flavor = "multi_thread")]
async fn streaming_refuses_what_it_cannot_serve() {
    let app = TestApp::spawn().await;
    let (status, _) = app.get_json("/api/v1/streaming/user").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let response = app
        .client
        .get(app.url("/api/v1/streaming/user"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let (status, body) = app.get_json("/api/v1/streaming").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = app.get_json("/api/v1/streaming/hashtag").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let url = format!("ws://127.0.0.1:{}/api/v1/streaming?stream=user", app.port);
    let refused = tokio_tungstenite::connect_async(url).await;
    assert!(
        refused.is_err(),
        "a user stream without a token must be refused"
    );
    let health = app.get("/api/v1/streaming/health").await;
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(health.text().await.unwrap(), "OK");
    app.finish().await.unwrap();
}

/// A stream outlives its request, so it asks again whether its token still
/// works: revoking the token (signing out, or a password reset) closes its
/// server-sent events and its WebSocket within seconds.
#[tokio::test(flavor = "multi_thread")]
async fn revoking_a_token_closes_its_streams() {
    let app = TestApp::spawn_with(lookbook_testkit::TestEnv::new().await, true).await;
    let ann = app.sign_up("ann").await;
    let client = app.register_client("read").await;
    let granted = app.password_grant(&client, "ann", &ann.password).await;
    let token = granted["access_token"].as_str().unwrap().to_string();

    let mut events = app
        .client
        .get(app.url("/api/v1/streaming/user"))
        .bearer_auth(&token)
        .timeout(Duration::from_secs(600))
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    let url = app
        .url("/api/v1/streaming?stream=user")
        .replacen("http://", "ws://", 1);
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("sec-websocket-protocol", token.parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();

    assert_eq!(app.revoke(&client, &token).await.status(), StatusCode::OK);
    let ended = tokio::time::timeout(WAIT, async {
        while let Some(chunk) = events.chunk().await.unwrap() {
            // Keep-alive comments may come first.
            assert!(!chunk.is_empty());
        }
    })
    .await;
    assert!(
        ended.is_ok(),
        "the event stream of a revoked token stayed open"
    );
    let closed = tokio::time::timeout(WAIT, async {
        let mut said_why = false;
        while let Some(Ok(message)) = socket.next().await {
            match message {
                Message::Text(text) => said_why |= text.contains("revoked"),
                Message::Close(_) => break,
                _ => {}
            }
        }
        said_why
    })
    .await;
    assert_eq!(
        closed,
        Ok(true),
        "the socket of a revoked token stayed open, or did not say why"
    );
    app.finish().await.unwrap();
}
