//! Web Push end to end: the API, the worker and a push service on loopback
//! that plays the browser (`tests/python/web_push.py`).

use lookbook_testkit::nginx::free_port;
use lookbook_testkit::{TestApp, TestEnv};

use crate::mastodon_py::python;

/// Mastodon.py subscribes and decrypts what arrives; a browser-style
/// standard subscription is decrypted with http_ece; every push carries a
/// VAPID token signed with the announced key. A 500 is retried and sent
/// once, a 410 deletes the subscription, alerts and the policy decide what
/// is pushed, and a push service that hangs does not hold up photos (the
/// worker here has few turns: pushes that took them would stall images).
#[tokio::test(flavor = "multi_thread")]
async fn web_push_reaches_the_browser_encrypted_and_signed() {
    let mut env = TestEnv::new().await;
    let port = free_port();
    env.set("LOOKBOOK_BIND", format!("127.0.0.1:{port}"));
    env.set("LOOKBOOK_PUBLIC_URL", format!("http://127.0.0.1:{port}"));
    env.set("LIMIT_API_PER_TOKEN", "1000000");
    env.set("DATABASE_MAX_CONNECTIONS", "6");
    env.set("WORKER_PUSH_CONCURRENCY", "2");
    env.set("OUTBOUND_TIMEOUT_MS", "3000");
    let app = TestApp::spawn_with(env, true).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/web_push.py");
    python(script, std::slice::from_ref(&app.address), "web push: ok").await;
    app.finish().await.unwrap();
}
