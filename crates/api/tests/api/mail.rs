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
/// there is news, and none once they clicked the unsubscribe link; each
/// digest is DKIM-signed, unsubscribe link included.
#[tokio::test(flavor = "multi_thread")]
async fn members_away_get_a_digest_they_can_unsubscribe_from() {
    // The operator's DKIM key (the test checks signatures with its public half).
    let key = std::env::temp_dir().join(format!("lookbook-dkim-{}.pem", std::process::id()));
    let made = std::process::Command::new("python3")
        .arg("-c")
        .arg(DKIM_KEY)
        .arg(&key)
        .status()
        .expect("run python3");
    assert!(made.success(), "could not make a DKIM key");
    let key_file = key.to_string_lossy().into_owned();
    let (app, smtp) = with_smtp(&[
        // Long enough for the others to act before ann counts as away.
        ("MAIL_DIGEST_AFTER_MS", "6000"),
        ("MAIL_DIGEST_SWEEP_MS", "300"),
        ("DKIM_PRIVATE_KEY_FILE", &key_file),
        ("DKIM_SELECTOR", "mail"),
    ])
    .await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/mail_digest.py");
    let args = [
        app.address.clone(),
        smtp.to_string(),
        "6".to_string(),
        key_file,
    ];
    python(script, &args, "mail digest: ok").await;
    app.finish().await.unwrap();
    let _ = std::fs::remove_file(&key);
}

/// Writes a new 2048-bit RSA key, PEM (PKCS #8), to the file named by argv[1].
const DKIM_KEY: &str = "import sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
open(sys.argv[1], 'wb').write(key.private_bytes(serialization.Encoding.PEM,
    serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))";
