//! Reports: a member reports an account and posts of it they may see;
//! the report is kept for the moderators as sent, and what cannot be
//! reported is refused with the reason.

use lookbook_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::json;

use super::notifications::posted;
use super::statuses::{post, send};

/// Bob reports two of Eve's posts as spam: the answer shows the report and
/// Eve's account, and the moderators' table holds it with the posts; his
/// own account, someone else's post, an unknown category and a named rule
/// are refused; blocking Eve first does not keep him from reporting her.
#[tokio::test(flavor = "multi_thread")]
async fn members_report_accounts_and_their_posts() {
    let app = TestApp::spawn().await;
    let bob = app.sign_up("bob").await;
    let eve = app.sign_up("eve").await;
    let ann = app.sign_up("ann").await;
    let first = posted(&app, &eve, "Replica bags, DM me").await;
    let second = posted(&app, &eve, "Cheap followers here").await;
    let (_, hidden) = post(
        &app,
        &eve,
        json!({"status": "followers only", "visibility": "private"}),
    )
    .await;
    let hidden = hidden["id"].as_str().unwrap().to_string();
    let anns = posted(&app, &ann, "Just a nice coat").await;

    let (status, report) = send(
        &app,
        &bob,
        reqwest::Method::POST,
        "/api/v1/reports",
        json!({
            "account_id": eve.id,
            "status_ids": [second, first],
            "comment": "Selling counterfeits",
            "category": "spam",
            "forward": true,
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["category"], "spam");
    assert_eq!(report["comment"], "Selling counterfeits");
    assert_eq!(report["action_taken"], false);
    assert_eq!(report["forwarded"], true);
    assert_eq!(report["target_account"]["id"], eve.id.as_str());
    let mut listed: Vec<String> = report["status_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    listed.sort();
    let mut expected = vec![first.clone(), second.clone()];
    expected.sort();
    assert_eq!(listed, expected);
    let (reporter, target, comment): (i64, i64, String) =
        sqlx::query_as("select account_id, target_account_id, comment from reports")
            .fetch_one(&app.env.db)
            .await
            .unwrap();
    assert_eq!(
        (reporter.to_string(), target.to_string(), comment.as_str()),
        (bob.id.clone(), eve.id.clone(), "Selling counterfeits")
    );
    // A form works too, with the category left to its default.
    let (status, report) = app
        .act(
            &bob,
            "/api/v1/reports",
            &[("account_id", &eve.id), ("status_ids[]", &first)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["category"], "other");

    for (form, expected, reason) in [
        (
            json!({"account_id": bob.id}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "yourself",
        ),
        (json!({}), StatusCode::UNPROCESSABLE_ENTITY, "account_id"),
        (
            json!({"account_id": eve.id, "category": "rude"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "category",
        ),
        (
            json!({"account_id": eve.id, "rule_ids": ["1"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "rules",
        ),
        (
            json!({"account_id": eve.id, "comment": "x".repeat(1001)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "1000",
        ),
        (
            json!({"account_id": eve.id, "status_ids": [anns]}),
            StatusCode::NOT_FOUND,
            "",
        ),
        (json!({"account_id": "12345"}), StatusCode::NOT_FOUND, ""),
    ] {
        let (status, body) = send(
            &app,
            &bob,
            reqwest::Method::POST,
            "/api/v1/reports",
            form.clone(),
        )
        .await;
        assert_eq!(status, expected, "{form}: {body}");
        if !reason.is_empty() {
            assert!(
                body["error"].as_str().unwrap().contains(reason),
                "{form}: {body}"
            );
        }
    }
    // Having blocked Eve first, Bob still reports her posts, even one he
    // could not see.
    let (status, _) = app
        .act(&bob, &format!("/api/v1/accounts/{}/block", eve.id), &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, report) = send(
        &app,
        &bob,
        reqwest::Method::POST,
        "/api/v1/reports",
        json!({"account_id": eve.id, "status_ids": [first, hidden]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["status_ids"].as_array().unwrap().len(), 2);
    let kept: i64 = sqlx::query_scalar("select count(*) from reports")
        .fetch_one(&app.env.db)
        .await
        .unwrap();
    assert_eq!(kept, 3);
    app.finish().await.unwrap();
}
