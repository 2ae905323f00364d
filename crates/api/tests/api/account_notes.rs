//! Private notes on accounts.

use lookbook_testkit::TestApp;
use reqwest::StatusCode;

/// A member's note on an account is in their relationship with it, and in
/// nobody else's; an empty note removes it; a note too long and an
/// unknown account are refused.
#[tokio::test(flavor = "multi_thread")]
async fn a_note_is_private_to_its_writer() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let cem = app.sign_up("cem").await;
    let path = format!("/api/v1/accounts/{}/note", bob.id);
    let (status, relationship) = app
        .act(&ann, &path, &[("comment", "Met at the Paris show")])
        .await;
    assert_eq!(status, StatusCode::OK, "{relationship}");
    assert_eq!(relationship["id"], bob.id.as_str());
    assert_eq!(relationship["note"], "Met at the Paris show");
    let lookup = format!("/api/v1/accounts/relationships?id[]={}", bob.id);
    let (_, mine) = app.read(&ann, &lookup).await;
    assert_eq!(mine[0]["note"], "Met at the Paris show");
    let (_, theirs) = app.read(&cem, &lookup).await;
    assert_eq!(theirs[0]["note"], "");

    let long = "x".repeat(2001);
    let (status, body) = app.act(&ann, &path, &[("comment", &long)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (_, mine) = app.read(&ann, &lookup).await;
    assert_eq!(
        mine[0]["note"], "Met at the Paris show",
        "a refused note changed it"
    );
    let (status, _) = app
        .act(
            &ann,
            "/api/v1/accounts/987654321/note",
            &[("comment", "hi")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, cleared) = app.act(&ann, &path, &[("comment", "")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cleared["note"], "");
    let left: i64 = sqlx::query_scalar("select count(*) from account_notes")
        .fetch_one(&app.env.db)
        .await
        .unwrap();
    assert_eq!(left, 0);
}
