//! Mail end to end: the API, the worker and a real SMTP server on loopback
//! that the script `tests/python/mail.py` runs and reads.

use lookbook_testkit::nginx::free_port;
use lookbook_testkit::{TestApp, TestEnv};

use crate::mastodon_py::python;

/// A new member is refused until they open the link mailed to them (the
/// mail was due while the SMTP server was down, and arrives once when it
/// comes up); asking again replaces the link, also for a corrected
/// address; "forgot password" answers the same for any address, mails a
/// one-time link, and setting the new password signs every app out.
#[tokio::test(flavor = "multi_thread")]
async fn mail_confirms_addresses_and_resets_passwords() {
    let mut env = TestEnv::new().await;
    let port = free_port();
    let smtp = free_port();
    env.set("LOOKBOOK_BIND", format!("127.0.0.1:{port}"));
    env.set("LOOKBOOK_PUBLIC_URL", format!("http://127.0.0.1:{port}"));
    env.set("SMTP_URL", format!("smtp://127.0.0.1:{smtp}"));
    env.set("MAIL_CONFIRM_EMAIL", "true");
    env.set("OUTBOUND_TIMEOUT_MS", "3000");
    let app = TestApp::spawn_with(env, true).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/mail.py");
    python(script, &[app.address.clone(), smtp.to_string()], "mail: ok").await;
    app.finish().await.unwrap();
}
