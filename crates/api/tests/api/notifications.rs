//! Notifications through the API: made with their cause, taken back with
//! its undoing, never across a block or from a mute, grouped for version 2
//! clients, held back by the policy, and counted from the read marker.

use lookbook_testkit::TestApp;
use lookbook_testkit::client::Member;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::statuses::post;

/// Posts `text` as `member`; answers the post's id.
pub async fn posted(app: &TestApp, member: &Member, text: &str) -> String {
    let (status, body) = post(app, member, json!({ "status": text })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["id"].as_str().unwrap().to_string()
}

/// The member's notifications (version 1) at `query`.
async fn list(app: &TestApp, member: &Member, query: &str) -> Vec<Value> {
    let (status, body) = app
        .read(member, &format!("/api/v1/notifications{query}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().unwrap().clone()
}

/// (type, account username, status id) of each notification.
/// `PATCH /api/v2/notifications/policy` with `form`.
async fn change_policy(app: &TestApp, member: &Member, form: &[(&str, &str)]) -> reqwest::Response {
    app.request_as(
        reqwest::Method::PATCH,
        &member.token,
        "/api/v2/notifications/policy",
    )
    .form(form)
    .send()
    .await
    .unwrap()
}

fn summary(list: &[Value]) -> Vec<(String, String, Option<String>)> {
    list.iter()
        .map(|n| {
            (
                n["type"].as_str().unwrap().to_string(),
                n["account"]["username"].as_str().unwrap().to_string(),
                n["status"]["id"].as_str().map(str::to_string),
            )
        })
        .collect()
}

/// A like, a comment, a mention and a follow each notify the author,
/// newest first, with the post rendered; undoing a like or a follow takes
/// its notification back; another member cannot read them; dismiss and
/// clear remove them.
#[tokio::test(flavor = "multi_thread")]
async fn causes_notify_and_their_undoing_takes_it_back() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let cat = app.sign_up("cat").await;
    let dan = app.sign_up("dan").await;
    let look = posted(&app, &ann, "Monday look #ootd").await;

    let like = format!("/api/v1/statuses/{look}/favourite");
    assert_eq!(app.act(&bob, &like, &[]).await.0, StatusCode::OK);
    // Liking twice is one like, and one notification.
    assert_eq!(app.act(&bob, &like, &[]).await.0, StatusCode::OK);
    let (status, comment) = post(
        &app,
        &bob,
        json!({"status": "Love the coat", "in_reply_to_id": look}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let comment = comment["id"].as_str().unwrap().to_string();
    let mention = posted(&app, &cat, "Styled like @ann today").await;
    let follow = format!("/api/v1/accounts/{}/follow", ann.id);
    assert_eq!(app.act(&dan, &follow, &[]).await.0, StatusCode::OK);
    // Acting on one's own post notifies nobody.
    assert_eq!(app.act(&ann, &like, &[]).await.0, StatusCode::OK);

    let all = list(&app, &ann, "").await;
    assert_eq!(
        summary(&all),
        vec![
            ("follow".into(), "dan".into(), None),
            ("mention".into(), "cat".into(), Some(mention.clone())),
            ("mention".into(), "bob".into(), Some(comment.clone())),
            ("favourite".into(), "bob".into(), Some(look.clone())),
        ]
    );
    // The post is rendered for ann: she liked it herself.
    assert_eq!(all[3]["status"]["favourited"], true);
    assert!(all[0]["created_at"].as_str().unwrap().ends_with('Z'));
    assert!(
        all[3]["group_key"]
            .as_str()
            .unwrap()
            .starts_with("favourite-")
    );

    // Filters.
    let likes = list(&app, &ann, "?types[]=favourite").await;
    assert_eq!(summary(&likes).len(), 1);
    let not_mentions = list(&app, &ann, "?exclude_types[]=mention").await;
    assert_eq!(not_mentions.len(), 2);
    let from_bob = list(&app, &ann, &format!("?account_id={}", bob.id)).await;
    assert_eq!(from_bob.len(), 2);
    let page = list(&app, &ann, "?limit=2").await;
    assert_eq!(page.len(), 2);
    let older = list(
        &app,
        &ann,
        &format!("?max_id={}", page[1]["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(summary(&older), summary(&all[2..]));

    // One at a time, and only one's own.
    let id = all[0]["id"].as_str().unwrap();
    let (status, one) = app.read(&ann, &format!("/api/v1/notifications/{id}")).await;
    assert_eq!(
        (status, one["type"].as_str()),
        (StatusCode::OK, Some("follow"))
    );
    let (status, _) = app.read(&bob, &format!("/api/v1/notifications/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .act(&bob, &format!("/api/v1/notifications/{id}/dismiss"), &[])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Undoing takes the notification back.
    let unlike = format!("/api/v1/statuses/{look}/unfavourite");
    assert_eq!(app.act(&bob, &unlike, &[]).await.0, StatusCode::OK);
    let unfollow = format!("/api/v1/accounts/{}/unfollow", ann.id);
    assert_eq!(app.act(&dan, &unfollow, &[]).await.0, StatusCode::OK);
    let left = list(&app, &ann, "").await;
    assert_eq!(summary(&left), summary(&all[1..3]));
    // Deleting the comment takes its notification with it.
    let (status, _) = app
        .client
        .delete(app.url(&format!("/api/v1/statuses/{comment}")))
        .bearer_auth(&bob.token)
        .send()
        .await
        .map(|r| (r.status(), ()))
        .unwrap();
    assert_eq!(status, StatusCode::OK);
    let left = list(&app, &ann, "").await;
    assert_eq!(summary(&left), summary(&all[1..2]));

    let id = left[0]["id"].as_str().unwrap();
    let (status, _) = app
        .act(&ann, &format!("/api/v1/notifications/{id}/dismiss"), &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(list(&app, &ann, "").await.is_empty());
    assert_eq!(app.act(&bob, &like, &[]).await.0, StatusCode::OK);
    assert_eq!(list(&app, &ann, "").await.len(), 1);
    let (status, _) = app.act(&ann, "/api/v1/notifications/clear", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(list(&app, &ann, "").await.is_empty());
    app.finish().await.unwrap();
}

/// A like from a muted account makes no notification (unless the mute
/// kept notifications); a block takes the blocked member's notifications
/// away and no like can come across it.
#[tokio::test(flavor = "multi_thread")]
async fn no_notification_across_a_block_or_from_a_mute() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let cat = app.sign_up("cat").await;
    let eve = app.sign_up("eve").await;
    let look = posted(&app, &ann, "Linen season").await;
    let like = format!("/api/v1/statuses/{look}/favourite");

    let mute = |who: &Member| format!("/api/v1/accounts/{}/mute", who.id);
    assert_eq!(app.act(&ann, &mute(&cat), &[]).await.0, StatusCode::OK);
    let keep = [("notifications", "false")];
    assert_eq!(app.act(&ann, &mute(&eve), &keep).await.0, StatusCode::OK);
    assert_eq!(app.act(&cat, &like, &[]).await.0, StatusCode::OK);
    assert_eq!(app.act(&eve, &like, &[]).await.0, StatusCode::OK);
    assert_eq!(app.act(&bob, &like, &[]).await.0, StatusCode::OK);
    let (_, counted) = app.read(&ann, &format!("/api/v1/statuses/{look}")).await;
    assert_eq!(counted["favourites_count"], 3, "the likes themselves count");
    assert_eq!(
        summary(&list(&app, &ann, "").await),
        vec![
            ("favourite".into(), "bob".into(), Some(look.clone())),
            ("favourite".into(), "eve".into(), Some(look.clone())),
        ]
    );

    let block = format!("/api/v1/accounts/{}/block", bob.id);
    assert_eq!(app.act(&ann, &block, &[]).await.0, StatusCode::OK);
    assert_eq!(
        summary(&list(&app, &ann, "").await),
        vec![("favourite".into(), "eve".into(), Some(look.clone()))]
    );
    // Across the block the post is not there to like.
    let unlike = format!("/api/v1/statuses/{look}/unfavourite");
    assert_eq!(app.act(&bob, &unlike, &[]).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.act(&bob, &like, &[]).await.0, StatusCode::NOT_FOUND);
    let grouped = grouped(&app, &ann, "").await;
    assert_eq!(grouped["notification_groups"][0]["notifications_count"], 1);
    assert_eq!(list(&app, &ann, "").await.len(), 1);
    app.finish().await.unwrap();
}

/// The member's grouped notifications (version 2) at `query`.
pub async fn grouped(app: &TestApp, member: &Member, query: &str) -> Value {
    let (status, body) = app
        .read(member, &format!("/api/v2/notifications{query}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// Likes of one post are one group ("bob and 4 others"), follows another;
/// the group names its newest accounts, lists them all, shrinks when a
/// like is taken back, counts as unread until the marker passes it, and
/// can be dismissed whole.
#[tokio::test(flavor = "multi_thread")]
async fn likes_of_one_post_are_one_group() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let look = posted(&app, &ann, "Studio drop").await;
    let fans = app.crowd("fan", 6).await;
    for fan in &fans[..5] {
        let like = format!("/api/v1/statuses/{look}/favourite");
        assert_eq!(app.act(fan, &like, &[]).await.0, StatusCode::OK);
    }
    for fan in &fans[4..] {
        let follow = format!("/api/v1/accounts/{}/follow", ann.id);
        assert_eq!(app.act(fan, &follow, &[]).await.0, StatusCode::OK);
    }

    let page = grouped(&app, &ann, "").await;
    let groups = page["notification_groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2, "{page}");
    let (follows, likes) = (&groups[0], &groups[1]);
    assert_eq!(follows["type"], "follow");
    assert_eq!(follows["notifications_count"], 2);
    assert_eq!(likes["type"], "favourite");
    assert_eq!(likes["notifications_count"], 5);
    assert_eq!(likes["status_id"], look.as_str());
    let newest_first: Vec<&str> = fans[..5].iter().rev().map(|f| f.id.as_str()).collect();
    let samples: Vec<&str> = likes["sample_account_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(samples, newest_first);
    // Every account and post named comes once, in full.
    assert_eq!(page["accounts"].as_array().unwrap().len(), 6);
    assert_eq!(page["statuses"][0]["id"], look.as_str());
    assert!(page["accounts"][0]["followers_count"].is_number());

    let key = likes["group_key"].as_str().unwrap().to_string();
    let (status, behind) = app
        .read(&ann, &format!("/api/v2/notifications/{key}/accounts"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(behind.as_array().unwrap().len(), 5);

    let unlike = format!("/api/v1/statuses/{look}/unfavourite");
    assert_eq!(app.act(&fans[4], &unlike, &[]).await.0, StatusCode::OK);
    let (_, one) = app
        .read(&ann, &format!("/api/v2/notifications/{key}"))
        .await;
    assert_eq!(one["notification_groups"][0]["notifications_count"], 4);
    let samples = one["notification_groups"][0]["sample_account_ids"].clone();
    assert!(!samples.as_array().unwrap().contains(&json!(fans[4].id)));

    // Unread: both groups, until the marker reaches the newest.
    let (_, unread) = app.read(&ann, "/api/v2/notifications/unread_count").await;
    assert_eq!(unread["count"], 2);
    let (_, unread) = app.read(&ann, "/api/v1/notifications/unread_count").await;
    assert_eq!(unread["count"], 6);
    let newest = follows["most_recent_notification_id"].as_str().unwrap();
    let mark = [("notifications[last_read_id]", newest)];
    assert_eq!(
        app.act(&ann, "/api/v1/markers", &mark).await.0,
        StatusCode::OK
    );
    let (_, unread) = app.read(&ann, "/api/v2/notifications/unread_count").await;
    assert_eq!(unread["count"], 0);

    let (status, _) = app
        .act(&ann, &format!("/api/v2/notifications/{key}/dismiss"), &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    let page = grouped(&app, &ann, "").await;
    assert_eq!(page["notification_groups"].as_array().unwrap().len(), 1);
    let (status, _) = app
        .read(&ann, &format!("/api/v2/notifications/{key}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.finish().await.unwrap();
}

/// Markers keep the read position per timeline; each write bumps the
/// version, and a write naming a version that moved meanwhile gets 409.
#[tokio::test(flavor = "multi_thread")]
async fn markers_keep_the_read_position() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let (status, none) = app.read(&ann, "/api/v1/markers").await;
    assert_eq!((status, none), (StatusCode::OK, json!({})));

    let write = |id: &'static str| [("home[last_read_id]", id)];
    let (status, first) = app.act(&ann, "/api/v1/markers", &write("100")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["home"]["last_read_id"], "100");
    assert_eq!(first["home"]["version"], 1);
    let (_, second) = app.act(&ann, "/api/v1/markers", &write("200")).await;
    assert_eq!(second["home"]["version"], 2);
    let stale = [("home[last_read_id]", "300"), ("home[version]", "1")];
    let (status, body) = app.act(&ann, "/api/v1/markers", &stale).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, read) = app
        .read(
            &ann,
            "/api/v1/markers?timeline[]=home&timeline[]=notifications",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read["home"]["last_read_id"], "200");
    assert!(read.get("notifications").is_none());

    // JSON, as web clients send it; nothing named moves nothing; a bad id is 422.
    let response = app
        .request_as(reqwest::Method::POST, &ann.token, "/api/v1/markers")
        .json(&json!({"notifications": {"last_read_id": "55"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["notifications"]["version"], 1);
    let (status, nothing) = app.act(&ann, "/api/v1/markers", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(nothing, json!({}));
    let (_, kept) = app.read(&ann, "/api/v1/markers").await;
    assert_eq!(kept["notifications"]["last_read_id"], "55");
    let bad = [("home[last_read_id]", "not-an-id")];
    let (status, _) = app.act(&ann, "/api/v1/markers", &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    app.finish().await.unwrap();
}

/// With the policy filtering strangers, a stranger's like waits as a
/// request; accepting shows it and lets the next one through; a private
/// mention from a stranger is held by default; a bad rule is 422.
#[tokio::test(flavor = "multi_thread")]
async fn the_policy_holds_strangers_back_as_requests() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let cat = app.sign_up("cat").await;
    let (status, policy) = app.read(&ann, "/api/v2/notifications/policy").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(policy["for_not_following"], "accept");
    assert_eq!(policy["for_private_mentions"], "filter");
    assert_eq!(policy["summary"]["pending_requests_count"], 0);

    // A private mention from someone ann does not follow waits.
    let (status, _) = post(
        &app,
        &cat,
        json!({"status": "@ann sample sale tonight", "visibility": "direct"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(list(&app, &ann, "").await.is_empty());

    let change = change_policy(&app, &ann, &[("for_not_following", "filter")]).await;
    assert_eq!(change.status(), StatusCode::OK);
    let bad = change_policy(&app, &ann, &[("for_new_accounts", "maybe")]).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // An empty rule leaves it as it is.
    let kept = change_policy(&app, &ann, &[("for_not_following", "")]).await;
    let kept: Value = kept.json().await.unwrap();
    assert_eq!(kept["for_not_following"], "filter");

    let first = posted(&app, &ann, "Look one").await;
    let second = posted(&app, &ann, "Look two").await;
    let like = |id: &str| format!("/api/v1/statuses/{id}/favourite");
    assert_eq!(app.act(&bob, &like(&first), &[]).await.0, StatusCode::OK);
    assert!(list(&app, &ann, "").await.is_empty());
    let (_, requests) = app.read(&ann, "/api/v1/notifications/requests").await;
    let requests = requests.as_array().unwrap().clone();
    assert_eq!(requests.len(), 2, "{requests:?}");
    let from_bob = requests
        .iter()
        .find(|r| r["account"]["id"] == bob.id.as_str())
        .unwrap();
    assert_eq!(from_bob["notifications_count"], "1");
    assert_eq!(from_bob["last_status"]["id"], first.as_str());
    let (_, policy) = app.read(&ann, "/api/v2/notifications/policy").await;
    assert_eq!(policy["summary"]["pending_requests_count"], 2);
    let held = list(&app, &ann, "?include_filtered=true").await;
    assert_eq!(held.len(), 2);

    let id = from_bob["id"].as_str().unwrap();
    let (status, _) = app
        .act(
            &ann,
            &format!("/api/v1/notifications/requests/{id}/accept"),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.act(&bob, &like(&second), &[]).await.0, StatusCode::OK);
    let shown = summary(&list(&app, &ann, "").await);
    assert_eq!(
        shown,
        vec![
            ("favourite".into(), "bob".into(), Some(second.clone())),
            ("favourite".into(), "bob".into(), Some(first.clone())),
        ]
    );
    // Dismissing cat's request drops what it held; naming none is refused.
    let (status, refused) = app
        .act(&ann, "/api/v1/notifications/requests/dismiss", &[])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused["error"].as_str().unwrap().contains("id[]"));
    let (status, _) = app
        .act(
            &ann,
            "/api/v1/notifications/requests/dismiss",
            &[("id[]", cat.id.as_str())],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, requests) = app.read(&ann, "/api/v1/notifications/requests").await;
    assert_eq!(requests, json!([]));
    let (status, _) = app
        .act(
            &ann,
            &format!("/api/v1/notifications/requests/{id}/accept"),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.finish().await.unwrap();
}
