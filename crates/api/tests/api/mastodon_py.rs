//! Mastodon.py, unchanged, against a running Lookbook.

use std::process::Command;

use lookbook_testkit::nginx::free_port;
use lookbook_testkit::{TestApp, TestEnv};

/// The Python client registers an app, creates accounts, verifies and updates
/// a profile with an avatar, signs in with the password and code flows,
/// follows, reads relationships and followers, posts a photo (waiting for it
/// with `media_post(synchronous=True)`), comments, favourites, bookmarks,
/// reads the thread, deletes, mutes, blocks and revokes.
#[tokio::test(flavor = "multi_thread")]
async fn mastodon_py_drives_the_account_flows() {
    // The client follows the URLs the server announces, so they must be real.
    let mut env = TestEnv::new().await;
    let port = free_port();
    env.set("LOOKBOOK_BIND", format!("127.0.0.1:{port}"));
    env.set("LOOKBOOK_PUBLIC_URL", format!("http://127.0.0.1:{port}"));
    let app = TestApp::spawn_with(env, true).await;
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/python/mastodon_py_flow.py"
    );
    let address = app.address.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("python3").arg(script).arg(address).output()
    })
    .await
    .unwrap()
    .expect("run python3 (scripts/test installs Mastodon.py)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "Mastodon.py flow failed\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("mastodon.py flow: ok"), "{stdout}");
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
