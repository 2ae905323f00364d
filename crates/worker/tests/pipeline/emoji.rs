//! `lookbook-worker emoji` as operators run it: the binary, its output and
//! its exit codes, against the real database and S3.

use std::path::PathBuf;
use std::process::Output;

use lookbook_testkit::TestEnv;
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_lookbook-worker");

/// Runs `lookbook-worker emoji ARGS` on `env`'s services.
async fn emoji(env: &TestEnv, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("emoji")
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.vars())
        .output()
        .await
        .expect("run lookbook-worker")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A 200x100 PNG with a transparent half, in a directory of its own.
fn picture(dir: &std::path::Path) -> PathBuf {
    let image = image::RgbaImage::from_fn(200, 100, |x, _| {
        image::Rgba([30, 90, 200, if x < 100 { 255 } else { 0 }])
    });
    let path = dir.join("wave.png");
    image.save(&path).unwrap();
    path
}

/// Adding prints what was added and is idempotent; listing shows the
/// category and visibility; bad shortcodes exit 2 and unusable files 3,
/// each with the reason; removing twice is fine.
#[tokio::test(flavor = "multi_thread")]
async fn operators_add_list_and_remove_emojis_from_the_command_line() {
    let env = TestEnv::new().await;
    let dir = std::env::temp_dir().join(format!("lbt-emoji-cli-{}", env.tag));
    std::fs::create_dir_all(&dir).unwrap();
    let file = picture(&dir);
    let file = file.to_str().unwrap();

    let out = emoji(
        &env,
        &["add", "wave", file, "--category", "Greetings", "--hidden"],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("added :wave: (128x64) "),
        "{}",
        stdout(&out)
    );
    let out = emoji(
        &env,
        &["add", "wave", file, "--category=Greetings", "--hidden"],
    )
    .await;
    assert!(
        stdout(&out).contains("unchanged :wave:"),
        "{}",
        stdout(&out)
    );

    let out = emoji(&env, &["list"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let listed = stdout(&out);
    assert!(
        listed.contains("wave\t128x64\tGreetings\thidden\t"),
        "{listed}"
    );
    assert!(listed.contains("1 custom emoji(s)"), "{listed}");
    let stored: i64 =
        sqlx::query_scalar("select count(*) from custom_emojis where not visible_in_picker")
            .fetch_one(&env.db)
            .await
            .unwrap();
    assert_eq!(stored, 1);

    let out = emoji(&env, &["add", "no-dashes", file]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not a custom emoji shortcode"),
        "{}",
        stderr(&out)
    );
    let notes = dir.join("notes.txt");
    std::fs::write(&notes, "not a picture").unwrap();
    let out = emoji(&env, &["add", "notes", notes.to_str().unwrap()]).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("cannot be a custom emoji"),
        "{}",
        stderr(&out)
    );
    let missing = dir.join("missing.png");
    let out = emoji(&env, &["add", "gone", missing.to_str().unwrap()]).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("cannot read"), "{}", stderr(&out));
    let out = emoji(&env, &["rename", "wave"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("usage:"), "{}", stderr(&out));

    let out = emoji(&env, &["remove", "wave"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("removed :wave:"), "{}", stdout(&out));
    let out = emoji(&env, &["remove", "wave"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("nothing to remove"),
        "{}",
        stdout(&out)
    );
    let out = emoji(&env, &["list"]).await;
    assert!(
        stdout(&out).contains("0 custom emoji(s)"),
        "{}",
        stdout(&out)
    );
    assert!(env.storage().list("emojis/").await.unwrap().is_empty());

    let _ = std::fs::remove_dir_all(&dir);
    env.cleanup().await;
}
