//! Mastodon.py, unchanged, against a running Lookbook.

use std::process::Command;

use lookbook_testkit::nginx::{Nginx, free_port};
use lookbook_testkit::{TestApp, TestEnv};
use lookbook_worker::emoji::Emojis;

use super::announcements::publish;
use super::custom_emojis::emoji;
use super::media::jpeg;

/// The Python client registers an app, creates accounts, verifies and updates
/// a profile with an avatar, signs in with the password and code flows,
/// follows, reads relationships and followers, posts a photo (waiting for it
/// with `media_post(synchronous=True)`), comments, favourites, bookmarks,
/// reads the thread, deletes, mutes, blocks and revokes; it also lists the
/// custom emojis and uses one, schedules, moves and cancels a post, and
/// reads, reacts to and dismisses an announcement.
#[tokio::test(flavor = "multi_thread")]
async fn mastodon_py_drives_the_account_flows() {
    // The client follows the URLs the server announces, so they must be real.
    let mut env = TestEnv::new().await;
    let port = free_port();
    env.set("LOOKBOOK_BIND", format!("127.0.0.1:{port}"));
    env.set("LOOKBOOK_PUBLIC_URL", format!("http://127.0.0.1:{port}"));
    let app = TestApp::spawn_with(env, true).await;
    // What the operators publish with their commands: an announcement and
    // a custom emoji.
    publish(&app.env, &["Welcome to the autumn edit :lookbook:"]).await;
    let dir = std::env::temp_dir().join(format!("lookbook-emoji-{port}"));
    std::fs::create_dir_all(&dir).unwrap();
    let picture = dir.join("lookbook.jpg");
    std::fs::write(&picture, jpeg(96, 96)).unwrap();
    let emojis = Emojis::connect(&app.env.config()).await.unwrap();
    emojis
        .add(&emoji("lookbook", &picture, Some("brand"), false))
        .await
        .unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/python/mastodon_py_flow.py"
    );
    let stdout = python(
        script,
        std::slice::from_ref(&app.address),
        "mastodon.py flow: ok",
    )
    .await;
    // The avatar it uploaded becomes a processed JPEG in the bucket.
    assert!(stdout.contains("avatar: "), "{stdout}");
    let storage = app.env.storage();
    let processed = lookbook_testkit::eventually(std::time::Duration::from_secs(15), || async {
        let keys = storage.list("avatars/").await.unwrap();
        keys.len() == 1 && keys[0].ends_with(".jpg")
    })
    .await;
    assert!(processed, "no processed avatar in the bucket");
}

/// Mastodon.py, unchanged, listens to a member's user stream through one
/// nginx and instance while the others like, comment, mention and follow
/// through another nginx and instance; it hears the notifications and a
/// followed member's post, then reads the notifications one by one and
/// grouped, moves the marker, dismisses and clears them.
#[tokio::test(flavor = "multi_thread")]
async fn mastodon_py_reads_notifications_and_streams_across_instances() {
    let (listen_port, act_port) = (free_port(), free_port());
    let listen = Nginx::start([listen_port, listen_port]).await;
    let act = Nginx::start([act_port, act_port]).await;
    let mut env = TestEnv::new().await;
    env.set("LOOKBOOK_BIND", format!("127.0.0.1:{listen_port}"));
    // The client finds the streaming API where the instance says it is.
    env.set("LOOKBOOK_PUBLIC_URL", listen.url(""));
    env.set("LIMIT_API_PER_TOKEN", "1000000");
    let app = TestApp::spawn_with(env, true).await;
    let mut config = app.env.config();
    config.bind = format!("127.0.0.1:{act_port}").parse().unwrap();
    let other = lookbook_api::Application::build(config).await.unwrap();
    tokio::spawn(other.run_until_stopped(std::future::pending()));

    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/python/mastodon_py_notifications.py"
    );
    python(
        script,
        &[listen.url(""), act.url("")],
        "mastodon.py notifications: ok",
    )
    .await;
    app.finish().await.unwrap();
}

/// Runs a Python client script with `args` and asserts it succeeded and
/// printed its `done` line; answers what it printed.
pub async fn python(script: &'static str, args: &[String], done: &str) -> String {
    let args = args.to_vec();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("python3").arg(script).args(args).output()
    })
    .await
    .unwrap()
    .expect("run python3 (scripts/test installs Mastodon.py, http_ece and schemathesis)");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{script} failed\n{stdout}\n{stderr}");
    assert!(stdout.contains(done), "{stdout}");
    stdout
}
