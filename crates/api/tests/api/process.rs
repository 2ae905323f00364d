//! The `lookbook-api` binary as operators run it: start-up checks, the
//! migrate step, and the SIGTERM drain.

use std::process::{Output, Stdio};
use std::time::Duration;

use lookbook_testkit::env::with_database;
use lookbook_testkit::nginx::free_port;
use lookbook_testkit::{TestEnv, eventually};
use reqwest::StatusCode;
use sqlx::{Connection, Executor, PgConnection};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_lookbook-api");

/// The binary with exactly `env`'s variables (nothing inherited but PATH).
fn command(env: &TestEnv, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.vars())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

async fn run(mut cmd: Command) -> Output {
    tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("the binary finished in time")
        .expect("the binary ran")
}

/// A missing or malformed setting stops start-up with one line naming it.
#[tokio::test(flavor = "multi_thread")]
async fn a_bad_setting_stops_start_up_with_one_line_naming_it() {
    let mut env = TestEnv::new().await;
    env.set("DATABASE_URL", "");
    let out = run(command(&env, &["serve"])).await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim(),
        "configuration error: DATABASE_URL is missing"
    );
    env.cleanup().await;

    let mut env = TestEnv::new().await;
    env.set("LIMIT_PAGE_MAX", "lots");
    let out = run(command(&env, &["serve"])).await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("LIMIT_PAGE_MAX") && stderr.contains("lots"),
        "{stderr}"
    );
    env.cleanup().await;
}

/// A connection URL that is not one, or an argument the binary does not
/// know, stops it at once with a message that names the culprit.
#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_url_or_an_unknown_argument_is_named() {
    let mut env = TestEnv::new().await;
    let good_url = env.var("DATABASE_URL").to_string();
    env.set("DATABASE_URL", "notaurl");
    let out = run(command(&env, &["serve"])).await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
    assert_eq!(
        stderr.matches("relative URL without a base").count(),
        1,
        "{stderr}"
    );

    env.set("DATABASE_URL", good_url);
    let out = run(command(&env, &["serve", "--bogus"])).await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--bogus") && stderr.contains("usage"),
        "{stderr}"
    );
    env.cleanup().await;
}

/// `migrate` creates a database that does not exist yet, brings it to the
/// current schema, and running it again changes nothing.
#[tokio::test(flavor = "multi_thread")]
async fn migrate_creates_and_sets_up_a_missing_database_and_is_repeatable() {
    let mut env = TestEnv::new().await;
    let blank = format!("{}_blank", env.db_name);
    let admin_url = with_database(env.var("DATABASE_URL"), "postgres");
    let mut admin = PgConnection::connect(&admin_url).await.unwrap();
    let blank_url = with_database(env.var("DATABASE_URL"), &blank);
    env.set("DATABASE_URL", blank_url.clone());

    for round in 0..2 {
        let out = run(command(&env, &["migrate"])).await;
        assert!(
            out.status.success(),
            "round {round}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut conn = PgConnection::connect(&blank_url).await.unwrap();
    let applied: i64 = sqlx::query_scalar("select count(*) from _sqlx_migrations where success")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(applied as usize, lookbook_core::db::MIGRATOR.iter().count());
    let id: i64 =
        sqlx::query_scalar("insert into outbox (kind, payload) values ('x', '{}') returning id")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert!(id > 0);
    conn.close().await.unwrap();
    admin
        .execute(format!(r#"drop database "{blank}" with (force)"#).as_str())
        .await
        .unwrap();
    env.cleanup().await;
}

async fn start(env: &TestEnv) -> (Child, String) {
    let mut child = command(env, &["serve"])
        .spawn()
        .expect("start lookbook-api");
    let base = format!("http://{}", env.var("LOOKBOOK_BIND"));
    let client = reqwest::Client::new();
    let up = eventually(Duration::from_secs(20), || async {
        client.get(format!("{base}/healthz")).send().await.is_ok()
    })
    .await;
    if !up {
        let _ = child.start_kill();
        panic!("lookbook-api did not start");
    }
    (child, base)
}

/// On SIGTERM a request already in flight still gets its full answer, new
/// connections are refused, and the process exits cleanly soon after.
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_drains_in_flight_requests_then_exits() {
    let mut env = TestEnv::new().await;
    let s3 = env.proxy("S3_ENDPOINT").await;
    let port = free_port();
    env.set("LOOKBOOK_BIND", format!("127.0.0.1:{port}"));
    let (mut child, base) = start(&env).await;

    // Make readiness slow (S3 answers after 1.2 s), and start one such request.
    s3.set_latency(Duration::from_millis(1200));
    let in_flight = tokio::spawn({
        let url = format!("{base}/readyz");
        async move { reqwest::get(url).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pid = child.id().expect("a running child").to_string();
    let signalled = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(signalled.success());

    let response = in_flight
        .await
        .unwrap()
        .expect("the in-flight request got an answer");
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["checks"]["s3"], "ok", "{body}");

    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exited within the shutdown timeout")
        .unwrap();
    assert!(status.success(), "exit status {status}");
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err(),
        "still accepting connections after shutdown"
    );
    env.cleanup().await;
}

/// The password in a connection URL (`scheme://user:password@host`).
fn url_password(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let userinfo = rest.split_once('@').map_or("", |(userinfo, _)| userinfo);
    userinfo
        .split_once(':')
        .map_or("", |(_, password)| password)
}

/// Everything an instance holds, printed with `{:?}` as a careless log line
/// or a panic would, shows neither the database password nor the S3 key.
#[tokio::test(flavor = "multi_thread")]
async fn debug_output_of_a_running_instance_shows_no_secret() {
    let env = TestEnv::new().await;
    let state = lookbook_api::state::AppState::connect(env.config())
        .await
        .unwrap();
    let text = format!("{state:?} {state:#?}");
    let password = url_password(env.var("DATABASE_URL"));
    assert!(!password.is_empty(), "the test database has a password");
    assert!(!text.contains(&format!(":{password}@")), "{text}");
    let key = env.var("S3_SECRET_ACCESS_KEY");
    assert!(!text.contains(key), "{text}");
    assert!(text.contains("Secret(***)"), "{text}");
    env.cleanup().await;
}
