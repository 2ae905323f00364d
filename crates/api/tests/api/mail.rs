//! Mail end to end: the API, the worker and a real SMTP server on loopback
//! that the script `tests/python/mail.py` runs and reads.

use lookbook_testkit::nginx::free_port;
use lookbook_testkit::{TestApp, TestEnv};

use crate::mastodon_py::python;

/// An app and a worker whose links name the address they serve, mailing to
/// a port the test's SMTP server will listen on (returned).
async fn with_smtp(vars: &[(&str, &str)]) -> (TestApp, u16) {
    let mut env = TestEnv::new().await;
    let port = free_port();
    let smtp = free_port();
    env.set("LOOKBOOK_BIND", format!("127.0.0.1:{port}"));
    env.set("LOOKBOOK_PUBLIC_URL", format!("http://127.0.0.1:{port}"));
    env.set("SMTP_URL", format!("smtp://127.0.0.1:{smtp}"));
    for (name, value) in vars {
        env.set(name, *value);
    }
    (TestApp::spawn_with(env, true).await, smtp)
}

/// A new member is refused until they open the link mailed to them (the
/// mail was due while the SMTP server was down, and arrives once when it
/// comes up); asking again replaces the link, also for a corrected
/// address; "forgot password" answers the same for any address, mails a
/// one-time link, and setting the new password signs every app out.
#[tokio::test(flavor = "multi_thread")]
async fn mail_confirms_addresses_and_resets_passwords() {
    let (app, smtp) = with_smtp(&[("MAIL_CONFIRM_EMAIL", "true")]).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/mail.py");
    python(script, &[app.address.clone(), smtp.to_string()], "mail: ok").await;
    app.finish().await.unwrap();
}

/// A member away for a while gets one digest of the notification types
/// they chose ("Ana and 1 other liked your post"), then one more only when
/// there is news, and none once they clicked the unsubscribe link.
#[tokio::test(flavor = "multi_thread")]
async fn members_away_get_a_digest_they_can_unsubscribe_from() {
    let (app, smtp) = with_smtp(&[
        // Long enough for the others to act before ann counts as away.
        ("MAIL_DIGEST_AFTER_MS", "6000"),
        ("MAIL_DIGEST_SWEEP_MS", "300"),
    ])
    .await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/mail_digest.py");
    let args = [app.address.clone(), smtp.to_string(), "6".to_string()];
    python(script, &args, "mail digest: ok").await;
    app.finish().await.unwrap();
}
