//! masto.js, the client library of Phanpy and Elk, unchanged, against a
//! running Lookbook.

use std::process::Command;

use lookbook_testkit::nginx::free_port;
use lookbook_testkit::{TestApp, TestEnv};

/// masto.js registers an app and signs two members up (multipart, as it
/// sends them), uploads a photo and waits for it to be processed, posts it
/// (as multipart), and reads the like another member gives it as a
/// notification, one by one and grouped.
#[tokio::test(flavor = "multi_thread")]
async fn masto_js_signs_up_posts_a_photo_and_reads_a_notification() {
    // The client follows the URLs the server announces, so they must be real.
    let mut env = TestEnv::new().await;
    let port = free_port();
    env.set("LOOKBOOK_BIND", format!("127.0.0.1:{port}"));
    env.set("LOOKBOOK_PUBLIC_URL", format!("http://127.0.0.1:{port}"));
    let app = TestApp::spawn_with(env, true).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/js/masto_flow.mjs");
    let base = app.address.clone();
    let out =
        tokio::task::spawn_blocking(move || Command::new("node").arg(script).arg(base).output())
            .await
            .unwrap()
            .expect("run node (scripts/test installs Node.js and masto.js)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{script} failed\n{stdout}\n{stderr}");
    assert!(stdout.contains("masto.js flow: ok"), "{stdout}");
    app.finish().await.unwrap();
}
