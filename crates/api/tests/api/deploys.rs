//! Deploys that drop nothing: under a steady load of reads and writes
//! through nginx, each `lookbook-api` process is restarted in turn as a
//! deploy does it (SIGTERM, drain, start, ready), and no request fails.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use lookbook_testkit::nginx::{Nginx, free_port};
use lookbook_testkit::{Member, TestApp, TestEnv, eventually};
use tokio::process::{Child, Command};
use tokio::sync::Mutex;

const BIN: &str = env!("CARGO_BIN_EXE_lookbook-api");

/// Members sending requests at once, each from its own loopback address
/// (nginx limits requests per address, as it would for people).
const CLIENTS: usize = 24;

/// A `lookbook-api serve` process on `port`.
fn instance(env: &TestEnv, port: u16) -> Child {
    Command::new(BIN)
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.vars())
        .env("LOOKBOOK_BIND", format!("127.0.0.1:{port}"))
        .env("LIMIT_API_PER_TOKEN", "1000000")
        // As deployed (the test environment turns lingering off).
        .env("SHUTDOWN_LINGER_MS", "1000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start lookbook-api")
}

async fn wait_ready(port: u16) {
    let client = reqwest::Client::new();
    let ready = eventually(Duration::from_secs(30), || async {
        client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    })
    .await;
    assert!(ready, "the instance on {port} did not become ready");
}

/// SIGTERM, wait for the drain to end, start again, wait until ready.
async fn restart(child: &mut Child, env: &TestEnv, port: u16) {
    let pid = child.id().expect("a running instance").to_string();
    let signalled = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(signalled.success());
    let status = tokio::time::timeout(Duration::from_secs(40), child.wait())
        .await
        .expect("the instance drained and exited")
        .unwrap();
    assert!(status.success(), "exit status {status}");
    *child = instance(env, port);
    wait_ready(port).await;
}

/// What the clients saw.
#[derive(Debug, Default)]
struct Seen {
    sent: u64,
    failures: Vec<String>,
    /// Posts acknowledged (200), by text.
    posted: Vec<String>,
}

/// Reads the home timeline and posts, alternately, until `stop`.
async fn client(
    nginx: String,
    index: usize,
    member: Member,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Seen>>,
) {
    let http = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 1, 1 + index as u8]))
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut n = 0;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let text = format!("look {} {n}", member.username);
        let (what, result) = if n % 2 == 0 {
            let request = http
                .post(format!("{nginx}/api/v1/statuses"))
                .bearer_auth(&member.token)
                .form(&[("status", text.as_str())]);
            ("post", request.send().await)
        } else {
            let request = http
                .get(format!("{nginx}/api/v1/timelines/home"))
                .bearer_auth(&member.token);
            ("home", request.send().await)
        };
        let mut seen = seen.lock().await;
        seen.sent += 1;
        match result {
            Ok(r) if r.status().is_success() => {
                if what == "post" {
                    seen.posted.push(text);
                }
            }
            Ok(r) => {
                let status = r.status();
                let body = r.text().await.unwrap_or_default();
                seen.failures.push(format!("{what}: {status} {body}"));
            }
            Err(e) => seen.failures.push(format!("{what}: {e}")),
        }
        drop(seen);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Both instances restarted one after the other while members read and
/// post through nginx: every request answered 2xx, no connection error,
/// and every acknowledged post stored exactly once.
#[tokio::test(flavor = "multi_thread")]
async fn restarting_each_instance_in_turn_under_load_drops_no_request() {
    let app = TestApp::spawn().await;
    let mut members = Vec::new();
    for i in 0..CLIENTS {
        members.push(app.sign_up(&format!("deploy{i}")).await);
    }
    let ports = [free_port(), free_port()];
    let mut instances = [instance(&app.env, ports[0]), instance(&app.env, ports[1])];
    for port in ports {
        wait_ready(port).await;
    }
    let nginx = Nginx::start(ports).await;

    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let clients: Vec<_> = members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let (stop, seen) = (stop.clone(), seen.clone());
            tokio::spawn(client(nginx.url(""), i, m.clone(), stop, seen))
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    // As an operator rolls a deploy: the next instance goes as soon as the
    // previous one is ready again.
    for (child, port) in instances.iter_mut().zip(ports) {
        restart(child, &app.env, port).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.await.unwrap();
    }

    let seen = seen.lock().await;
    let stored: Vec<String> =
        sqlx::query_scalar("select text from statuses where text like 'look deploy%'")
            .fetch_all(&app.api.db.primary)
            .await
            .unwrap();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for text in &stored {
        *counts.entry(text.as_str()).or_default() += 1;
    }
    println!(
        "rolling restart: {} requests sent, {} failed; {} posts acknowledged, {} stored",
        seen.sent,
        seen.failures.len(),
        seen.posted.len(),
        stored.len()
    );
    assert!(
        seen.failures.is_empty(),
        "{} of {} requests failed, first: {:?}",
        seen.failures.len(),
        seen.sent,
        &seen.failures[..seen.failures.len().min(5)]
    );
    assert!(seen.sent > 100, "only {} requests were sent", seen.sent);
    for text in &seen.posted {
        assert_eq!(counts.get(text.as_str()), Some(&1), "{text} stored once");
    }
    drop(nginx);
    for mut child in instances {
        let _ = child.kill().await;
    }
    app.finish().await.unwrap();
}
