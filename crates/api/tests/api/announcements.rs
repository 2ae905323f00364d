//! Announcements: published, edited and removed by the operators'
//! command (the real `lookbook-api` binary with the test's settings), read,
//! dismissed and reacted to by members through HTTP, and heard on their
//! live streams.

use std::process::Stdio;
use std::time::Duration;

use chrono::Utc;
use lookbook_testkit::{Member, TestApp, TestEnv};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::process::Command;

use super::notifications::posted;
use super::streaming::next_event;

const BIN: &str = env!("CARGO_BIN_EXE_lookbook-api");

/// Runs `lookbook-api announce ARGS` with the app's settings: the exit
/// code, stdout and stderr.
async fn announce(env: &TestEnv, args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new(BIN);
    cmd.arg("announce")
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.vars())
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("the command finished in time")
        .expect("the command ran");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Publishes an announcement with the command; answers its id.
pub async fn publish(env: &TestEnv, args: &[&str]) -> String {
    let (code, out, err) = announce(env, args).await;
    assert_eq!(code, 0, "{err}");
    out.lines()
        .find(|line| line.parse::<i64>().is_ok())
        .unwrap_or_else(|| panic!("no id printed: {out:?}"))
        .to_string()
}

/// A time `hours` from now, as the command takes it.
fn hours_from_now(hours: i64) -> String {
    (Utc::now() + chrono::Duration::hours(hours)).to_rfc3339()
}

/// The running announcements as `member` sees them (`query` appended).
async fn listed(app: &TestApp, member: &Member, query: &str) -> Vec<Value> {
    let (status, body) = app
        .read(member, &format!("/api/v1/announcements{query}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().unwrap().clone()
}

/// `method` on an announcement's path as `member`: status and body.
async fn call(app: &TestApp, member: &Member, method: Method, path: &str) -> (StatusCode, Value) {
    let response = app
        .request_as(
            method,
            &member.token,
            &format!("/api/v1/announcements/{path}"),
        )
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// (name, count, me) of each reaction.
fn reactions(announcement: &Value) -> Vec<(String, i64, bool)> {
    announcement["reactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let name = r["name"].as_str().unwrap().to_string();
            (
                name,
                r["count"].as_i64().unwrap(),
                r["me"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// Two members read a running announcement (not one that starts later or
/// has ended), its text rendered with its hashtag, mention and linked post;
/// each marks it read on their own; reactions are counted across members,
/// with `me` for each, taken back, capped at eight names; bad names,
/// unknown ids and missing tokens are refused; an edit shows, and a
/// removed announcement is gone.
#[tokio::test(flavor = "multi_thread")]
async fn members_read_dismiss_and_react_to_announcements() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let post = posted(&app, &bob, "Winter coats are in").await;
    let (_, status) = app.read(&bob, &format!("/api/v1/statuses/{post}")).await;
    let post_url = status["url"].as_str().unwrap().to_string();

    let text = format!("Winter #Sale with @ann: see {post_url}");
    let week = hours_from_now(24 * 7);
    let id = publish(&app.env, &[&text, "--ends-at", &week]).await;
    let upcoming = publish(&app.env, &["Soon", "--starts-at", &hours_from_now(1)]).await;
    let ended = publish(&app.env, &["Over", "--ends-at", &hours_from_now(-1)]).await;

    let shown = listed(&app, &ann, "").await;
    assert_eq!(shown.len(), 1, "only the running one: {shown:?}");
    let first = &shown[0];
    assert_eq!(first["id"], id.as_str());
    assert_eq!(first["read"], false);
    assert_eq!(first["published"], true);
    assert_eq!(first["all_day"], false);
    assert!(first["starts_at"].is_null());
    assert!(first["ends_at"].as_str().unwrap().ends_with('Z'));
    let content = first["content"].as_str().unwrap();
    assert!(content.starts_with("<p>Winter "), "{content}");
    assert!(content.contains("/tags/sale\""), "{content}");
    assert!(content.contains("class=\"u-url mention\""), "{content}");
    assert!(
        content.contains(&format!("href=\"{post_url}\"")),
        "{content}"
    );
    assert_eq!(first["mentions"][0]["id"], ann.id.as_str());
    assert_eq!(first["mentions"][0]["acct"], "ann");
    assert_eq!(first["tags"][0]["name"], "sale");
    assert_eq!(first["statuses"][0]["id"], post.as_str());
    assert_eq!(first["statuses"][0]["url"], post_url.as_str());
    assert_eq!(first["emojis"], Value::Array(Vec::new()));
    assert_eq!(first["reactions"], Value::Array(Vec::new()));

    // Without a token, nothing.
    assert_eq!(
        app.get("/api/v1/announcements").await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Dismissing is per member, and again changes nothing.
    let dismiss = format!("{id}/dismiss");
    for _ in 0..2 {
        let (status, body) = call(&app, &ann, Method::POST, &dismiss).await;
        assert_eq!((status, body), (StatusCode::OK, serde_json::json!({})));
    }
    assert!(listed(&app, &ann, "").await.is_empty());
    let with_read = listed(&app, &ann, "?with_dismissed=true").await;
    assert_eq!(with_read.len(), 1);
    assert_eq!(with_read[0]["read"], true);
    assert_eq!(listed(&app, &bob, "").await[0]["read"], false);

    // Reactions, counted across members; adding one again changes nothing.
    let react = |name: &str| format!("{id}/reactions/{name}");
    for (member, name) in [(&ann, "👍"), (&bob, "👍"), (&bob, "👍"), (&bob, "🔥")] {
        let (status, body) = call(&app, member, Method::PUT, &react(name)).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
    }
    let seen_by = |shown: Vec<Value>| reactions(&shown[0]);
    let thumbs = |count, me| ("👍".to_string(), count, me);
    let fire = |me| ("🔥".to_string(), 1, me);
    assert_eq!(
        seen_by(listed(&app, &ann, "?with_dismissed=1").await),
        [thumbs(2, true), fire(false)]
    );
    assert_eq!(
        seen_by(listed(&app, &bob, "").await),
        [thumbs(2, true), fire(true)]
    );

    // A custom emoji's shortcode is a name too, shown with its picture.
    sqlx::query(
        "insert into custom_emojis (shortcode, image_key, width, height)
         values ('blobcat', 'emojis/blobcat.png', 16, 16)",
    )
    .execute(&app.env.db)
    .await
    .unwrap();
    let (status, body) = call(&app, &bob, Method::PUT, &react("blobcat")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let shown = listed(&app, &bob, "").await;
    let blobcat = &shown[0]["reactions"][2];
    assert_eq!(blobcat["name"], "blobcat");
    assert!(
        blobcat["url"]
            .as_str()
            .unwrap()
            .ends_with("emojis/blobcat.png")
    );
    assert_eq!(blobcat["static_url"], blobcat["url"]);
    assert!(shown[0]["reactions"][0].get("url").is_none());

    // What is not one emoji nor a custom emoji is refused, with a reason.
    for bad in ["F", "notanemoji", "👍👍", "%20"] {
        let (status, body) = call(&app, &ann, Method::PUT, &react(bad)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert!(body["error"].as_str().unwrap().contains("emoji"), "{body}");
    }

    // Taking one back, twice.
    for _ in 0..2 {
        let (status, _) = call(&app, &ann, Method::DELETE, &react("👍")).await;
        assert_eq!(status, StatusCode::OK);
    }
    let shown = listed(&app, &ann, "?with_dismissed=true").await;
    assert_eq!(reactions(&shown[0])[0], thumbs(1, false));

    // Eight names at most; a name already there may still be added.
    for name in ["❤️", "🎉", "👀", "✨", "🇯🇵"] {
        let (status, body) = call(&app, &ann, Method::PUT, &react(name)).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
    }
    let (status, body) = call(&app, &ann, Method::PUT, &react("🌟")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("Maximum"),
        "{body}"
    );
    let (status, _) = call(&app, &ann, Method::PUT, &react("🔥")).await;
    assert_eq!(status, StatusCode::OK);

    // Unknown ids, and announcements that do not run, are not found.
    for path in [
        "999/dismiss".to_string(),
        "abc/dismiss".to_string(),
        format!("{upcoming}/dismiss"),
        format!("{ended}/dismiss"),
    ] {
        let (status, _) = call(&app, &ann, Method::POST, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    for path in [
        "999/reactions/👍".to_string(),
        format!("{upcoming}/reactions/👍"),
        format!("{ended}/reactions/👍"),
    ] {
        for method in [Method::PUT, Method::DELETE] {
            let (status, _) = call(&app, &ann, method.clone(), &path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
        }
    }

    // Dismissing and reacting need their scopes.
    let reader = app.sign_up_with("cat", "read").await;
    for (method, path) in [(Method::POST, dismiss.clone()), (Method::PUT, react("👍"))] {
        let (status, _) = call(&app, &reader, method, &path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }

    // An edit shows at once, with a later updated_at.
    let before = listed(&app, &bob, "").await.remove(0);
    let (code, _, err) = announce(&app.env, &["--edit", &id, "Sale extended!"]).await;
    assert_eq!(code, 0, "{err}");
    let after = listed(&app, &bob, "").await.remove(0);
    assert_eq!(after["content"], "<p>Sale extended!</p>");
    assert_eq!(after["published_at"], before["published_at"]);
    assert!(
        after["updated_at"].as_str() > before["updated_at"].as_str(),
        "{before} then {after}"
    );
    assert_eq!(after["mentions"], Value::Array(Vec::new()));
    assert_eq!(reactions(&after).len(), 8);

    // The operators' list has all three, each with its state.
    let (code, list, err) = announce(&app.env, &["--list"]).await;
    assert_eq!(code, 0, "{err}");
    for (id, state) in [(&id, "running"), (&upcoming, "upcoming"), (&ended, "ended")] {
        assert!(
            list.lines()
                .any(|l| l.starts_with(&format!("{id}\t{state}\t"))),
            "{id} {state}: {list}"
        );
    }

    // Removed: gone from every list, and nothing to react to.
    let (code, _, err) = announce(&app.env, &["--remove", &id]).await;
    assert_eq!(code, 0, "{err}");
    assert!(listed(&app, &bob, "?with_dismissed=true").await.is_empty());
    let (status, _) = call(&app, &bob, Method::PUT, &react("👍")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.finish().await.unwrap();
}

/// The command refuses bad input with exit code 2 and a line saying what
/// was wrong, before or after reaching the database.
#[tokio::test(flavor = "multi_thread")]
async fn the_command_refuses_bad_input_with_a_reason() {
    let env = TestEnv::new().await;
    let later = hours_from_now(2);
    let sooner = hours_from_now(1);
    for (args, reason) in [
        (vec![" "], "empty"),
        (
            vec!["Hi", "--starts-at", &later, "--ends-at", &sooner],
            "before it starts",
        ),
        (vec!["Hi", "--starts-at", "next week"], "RFC 3339"),
        (vec!["Hi", "--all-day"], "--all-day"),
        (vec!["--edit", "999", "New"], "no announcement 999"),
        (vec!["--remove", "999"], "no announcement 999"),
        (vec!["--remove"], "usage"),
        (vec![], "usage"),
    ] {
        let (code, _, err) = announce(&env, &args).await;
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(reason), "{args:?}: {err}");
    }
    let (code, out, _) = announce(&env, &["--help"]).await;
    assert_eq!(code, 0);
    assert!(
        out.contains("--starts-at") && out.contains("--remove"),
        "{out}"
    );
    env.cleanup().await;
}

/// A member's own stream hears of a published announcement (as they see
/// it), of reactions to it (with the new count) and of its removal.
#[tokio::test(flavor = "multi_thread")]
async fn announcements_reach_members_streams() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let mut events = app
        .client
        .get(app.url("/api/v1/streaming/user"))
        .bearer_auth(&ann.token)
        .timeout(Duration::from_secs(600))
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    // The subscription is in place once the instance answered; a moment
    // more for Redis to have it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut buffer = String::new();

    let id = publish(&app.env, &["Fitting rooms open late tonight"]).await;
    let data = next_event(&mut events, &mut buffer, "announcement").await;
    let shown: Value = serde_json::from_str(&data).unwrap();
    assert_eq!(shown["id"], id.as_str());
    assert_eq!(shown["read"], false);
    assert_eq!(shown["content"], "<p>Fitting rooms open late tonight</p>");

    let (status, _) = call(&app, &bob, Method::PUT, &format!("{id}/reactions/🎉")).await;
    assert_eq!(status, StatusCode::OK);
    let data = next_event(&mut events, &mut buffer, "announcement.reaction").await;
    let reaction: Value = serde_json::from_str(&data).unwrap();
    assert_eq!(
        reaction,
        serde_json::json!({"name": "🎉", "count": 1, "announcement_id": id})
    );

    let (code, _, err) = announce(&app.env, &["--remove", &id]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        next_event(&mut events, &mut buffer, "announcement.delete").await,
        id
    );
    drop(events);
    app.finish().await.unwrap();
}
