//! The social graph: follows, locked accounts, blocks, mutes, lists and counts.

use lookbook_testkit::{Member, TestApp};
use reqwest::StatusCode;
use serde_json::Value;

fn ids(body: &Value) -> Vec<String> {
    body.as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

async fn account(app: &TestApp, member: &Member) -> Value {
    app.get_json(&format!("/api/v1/accounts/{}", member.id))
        .await
        .1
}

/// Following shows in the relationship, both lists and both counts, and
/// unfollowing takes it all back.
#[tokio::test(flavor = "multi_thread")]
async fn follow_and_unfollow() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let (status, rel) = app
        .act(
            &ann,
            &format!("/api/v1/accounts/{}/follow", bob.id),
            &[("notify", "1")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rel["following"], true);
    assert_eq!(rel["notifying"], true);
    assert_eq!(rel["showing_reblogs"], true);
    let (_, rels) = app
        .read(
            &bob,
            &format!("/api/v1/accounts/relationships?id[]={}", ann.id),
        )
        .await;
    assert_eq!(rels[0]["followed_by"], true);
    assert_eq!(rels[0]["following"], false);
    assert_eq!(
        ids(&app
            .get_json(&format!("/api/v1/accounts/{}/followers", bob.id))
            .await
            .1),
        vec![ann.id.clone()]
    );
    assert_eq!(
        ids(&app
            .get_json(&format!("/api/v1/accounts/{}/following", ann.id))
            .await
            .1),
        vec![bob.id.clone()]
    );
    assert_eq!(account(&app, &bob).await["followers_count"], 1);
    assert_eq!(account(&app, &ann).await["following_count"], 1);

    // Following again changes options, not counts.
    app.act(
        &ann,
        &format!("/api/v1/accounts/{}/follow", bob.id),
        &[("reblogs", "false")],
    )
    .await;
    assert_eq!(account(&app, &bob).await["followers_count"], 1);

    let (_, rel) = app
        .act(&ann, &format!("/api/v1/accounts/{}/unfollow", bob.id), &[])
        .await;
    assert_eq!(rel["following"], false);
    assert_eq!(account(&app, &bob).await["followers_count"], 0);
    assert_eq!(account(&app, &ann).await["following_count"], 0);
    assert!(
        ids(&app
            .get_json(&format!("/api/v1/accounts/{}/followers", bob.id))
            .await
            .1)
        .is_empty()
    );
}

/// Following oneself, or across a block, is refused; unknown accounts are 404.
#[tokio::test(flavor = "multi_thread")]
async fn follows_that_are_not_allowed() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let (status, body) = app
        .act(&ann, &format!("/api/v1/accounts/{}/follow", ann.id), &[])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "Following your own account is not allowed");
    app.act(&bob, &format!("/api/v1/accounts/{}/block", ann.id), &[])
        .await;
    let (status, _) = app
        .act(&ann, &format!("/api/v1/accounts/{}/follow", bob.id), &[])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .act(&ann, "/api/v1/accounts/123456789/follow", &[])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// A locked account approves followers: a follow is a request until it is
/// authorized; a rejected request leaves no follow.
#[tokio::test(flavor = "multi_thread")]
async fn locked_accounts_approve_followers() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let cat = app.sign_up("cat").await;
    app.request_as(
        reqwest::Method::PATCH,
        &ann.token,
        "/api/v1/accounts/update_credentials",
    )
    .form(&[("locked", "1")])
    .send()
    .await
    .unwrap();
    let (_, rel) = app
        .act(&bob, &format!("/api/v1/accounts/{}/follow", ann.id), &[])
        .await;
    assert_eq!(
        (rel["following"].clone(), rel["requested"].clone()),
        (false.into(), true.into())
    );
    app.act(&cat, &format!("/api/v1/accounts/{}/follow", ann.id), &[])
        .await;
    let (_, requests) = app.read(&ann, "/api/v1/follow_requests").await;
    assert_eq!(ids(&requests), vec![cat.id.clone(), bob.id.clone()]);
    let (_, me) = app.read(&ann, "/api/v1/accounts/verify_credentials").await;
    assert_eq!(me["source"]["follow_requests_count"], 2);

    let (status, rel) = app
        .act(
            &ann,
            &format!("/api/v1/follow_requests/{}/authorize", bob.id),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rel["followed_by"], true);
    let (status, rel) = app
        .act(
            &ann,
            &format!("/api/v1/follow_requests/{}/reject", cat.id),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rel["followed_by"], false);
    assert_eq!(
        ids(&app
            .get_json(&format!("/api/v1/accounts/{}/followers", ann.id))
            .await
            .1),
        vec![bob.id.clone()]
    );
    let (status, _) = app
        .act(
            &ann,
            &format!("/api/v1/follow_requests/{}/authorize", cat.id),
            &[],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "no request left to authorize"
    );

    // Unlocking accepts whoever is still waiting.
    app.act(&cat, &format!("/api/v1/accounts/{}/follow", ann.id), &[])
        .await;
    app.request_as(
        reqwest::Method::PATCH,
        &ann.token,
        "/api/v1/accounts/update_credentials",
    )
    .form(&[("locked", "0")])
    .send()
    .await
    .unwrap();
    let (_, rels) = app
        .read(
            &ann,
            &format!("/api/v1/accounts/relationships?id[]={}", cat.id),
        )
        .await;
    assert_eq!(rels[0]["followed_by"], true);
    assert_eq!(rels[0]["requested_by"], false);
    assert_eq!(account(&app, &ann).await["followers_count"], 2);
}

/// A block ends follows both ways and hides the blocker from the blocked
/// member's view of lists; unblocking does not restore the follows.
#[tokio::test(flavor = "multi_thread")]
async fn blocks_cut_follows_both_ways() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let cat = app.sign_up("cat").await;
    app.act(&ann, &format!("/api/v1/accounts/{}/follow", bob.id), &[])
        .await;
    app.act(&bob, &format!("/api/v1/accounts/{}/follow", ann.id), &[])
        .await;
    app.act(&cat, &format!("/api/v1/accounts/{}/follow", ann.id), &[])
        .await;
    let (_, rel) = app
        .act(&ann, &format!("/api/v1/accounts/{}/block", bob.id), &[])
        .await;
    assert_eq!(rel["blocking"], true);
    assert_eq!(rel["following"], false);
    assert_eq!(rel["followed_by"], false);
    assert_eq!(account(&app, &ann).await["followers_count"], 1);
    assert_eq!(account(&app, &bob).await["followers_count"], 0);
    let (_, rels) = app
        .read(
            &bob,
            &format!("/api/v1/accounts/relationships?id={}", ann.id),
        )
        .await;
    assert_eq!(rels[0]["blocked_by"], true);
    // Bob, blocked, does not see Ann in Cat's following list.
    let (_, following) = app
        .read(&bob, &format!("/api/v1/accounts/{}/following", cat.id))
        .await;
    assert!(ids(&following).is_empty());
    let (_, blocks) = app.read(&ann, "/api/v1/blocks").await;
    assert_eq!(ids(&blocks), vec![bob.id.clone()]);
    let (_, rel) = app
        .act(&ann, &format!("/api/v1/accounts/{}/unblock", bob.id), &[])
        .await;
    assert_eq!(
        (rel["blocking"].clone(), rel["following"].clone()),
        (false.into(), false.into())
    );
}

/// Mutes keep their notification choice and expiry, and list with them.
#[tokio::test(flavor = "multi_thread")]
async fn mutes_carry_their_settings() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let (_, rel) = app
        .act(
            &ann,
            &format!("/api/v1/accounts/{}/mute", bob.id),
            &[("notifications", "false"), ("duration", "3600")],
        )
        .await;
    assert_eq!(rel["muting"], true);
    assert_eq!(rel["muting_notifications"], false);
    let (_, mutes) = app.read(&ann, "/api/v1/mutes").await;
    assert_eq!(ids(&mutes), vec![bob.id.clone()]);
    assert!(mutes[0]["mute_expires_at"].is_string());
    let (status, _) = app
        .act(
            &ann,
            &format!("/api/v1/accounts/{}/mute", bob.id),
            &[("duration", "-1")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, rel) = app
        .act(&ann, &format!("/api/v1/accounts/{}/unmute", bob.id), &[])
        .await;
    assert_eq!(rel["muting"], false);
    assert!(
        app.read(&ann, "/api/v1/mutes")
            .await
            .1
            .as_array()
            .unwrap()
            .is_empty()
    );
}

/// Lists page with max_id and min_id through the Link header, exactly.
#[tokio::test(flavor = "multi_thread")]
async fn follower_lists_page_through_link_headers() {
    let app = TestApp::spawn().await;
    let star = app.sign_up("star").await;
    let mut fans = Vec::new();
    for i in 0..5 {
        let fan = app.sign_up(&format!("fan{i}")).await;
        app.act(&fan, &format!("/api/v1/accounts/{}/follow", star.id), &[])
            .await;
        fans.push(fan.id);
    }
    let newest_first: Vec<String> = fans.iter().rev().cloned().collect();
    let mut seen = Vec::new();
    let mut next = Some(format!("/api/v1/accounts/{}/followers?limit=2", star.id));
    while let Some(path) = next.take() {
        let response = app.get(&path).await;
        let link = response
            .headers()
            .get("link")
            .map(|l| l.to_str().unwrap().to_string());
        let body: Value = response.json().await.unwrap();
        seen.extend(ids(&body));
        next = link.and_then(|l| {
            l.split(", ")
                .find(|part| part.ends_with("rel=\"next\""))
                .map(|part| {
                    part.trim_start_matches('<')
                        .split('>')
                        .next()
                        .unwrap()
                        .replace("http://lookbook.test", "")
                })
        });
    }
    assert_eq!(seen, newest_first);

    // min_id gives the page just newer than a row, newest first.
    let first_page = app
        .get(&format!("/api/v1/accounts/{}/followers?limit=2", star.id))
        .await;
    let link = first_page.headers()["link"].to_str().unwrap().to_string();
    let max_id = link
        .split("max_id=")
        .nth(1)
        .unwrap()
        .split('>')
        .next()
        .unwrap()
        .to_string();
    let (_, newer) = app
        .get_json(&format!(
            "/api/v1/accounts/{}/followers?min_id={max_id}&limit=1",
            star.id
        ))
        .await;
    assert_eq!(ids(&newer), vec![newest_first[0].clone()]);
    let (status, _) = app
        .get_json(&format!(
            "/api/v1/accounts/{}/followers?limit=zero",
            star.id
        ))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// Many members following (then unfollowing) one account at once all
/// succeed and the counts end exact.
#[tokio::test(flavor = "multi_thread")]
async fn concurrent_follows_keep_counts_exact() {
    let app = TestApp::spawn().await;
    let star = app.sign_up("star").await;
    let mut fans = Vec::new();
    for i in 0..40 {
        fans.push(app.sign_up(&format!("fan{i}")).await);
    }
    let follow_path = format!("/api/v1/accounts/{}/follow", star.id);
    let follow_all = fans.iter().map(|fan| app.act(fan, &follow_path, &[]));
    for (status, _) in futures_util::future::join_all(follow_all).await {
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(account(&app, &star).await["followers_count"], 40);
    let unfollow_path = format!("/api/v1/accounts/{}/unfollow", star.id);
    let unfollow_half = fans[..15]
        .iter()
        .map(|fan| app.act(fan, &unfollow_path, &[]));
    for (status, _) in futures_util::future::join_all(unfollow_half).await {
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(account(&app, &star).await["followers_count"], 25);
    assert_eq!(
        app.get_json(&format!("/api/v1/accounts/{}", fans[20].id))
            .await
            .1["following_count"],
        1
    );
}

/// Two members following, blocking and unfollowing each other at the same
/// moment never get a server error and leave a consistent graph.
#[tokio::test(flavor = "multi_thread")]
async fn racing_follows_and_blocks_between_two_members_stay_consistent() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    for _ in 0..5 {
        let ann_follows = format!("/api/v1/accounts/{}/follow", bob.id);
        let bob_follows = format!("/api/v1/accounts/{}/follow", ann.id);
        let ann_blocks = format!("/api/v1/accounts/{}/block", bob.id);
        let ann_unblocks = format!("/api/v1/accounts/{}/unblock", bob.id);
        let (a, b, c) = tokio::join!(
            app.act(&ann, &ann_follows, &[]),
            app.act(&bob, &bob_follows, &[]),
            app.act(&ann, &ann_blocks, &[]),
        );
        for (status, body) in [a, b, c] {
            assert!(
                status == StatusCode::OK || status == StatusCode::FORBIDDEN,
                "{status} {body}"
            );
        }
        // Whatever the order, a block leaves no follow in either direction.
        let (_, rels) = app
            .read(
                &ann,
                &format!("/api/v1/accounts/relationships?id[]={}", bob.id),
            )
            .await;
        assert_eq!(rels[0]["blocking"], true);
        assert_eq!(rels[0]["following"], false);
        assert_eq!(rels[0]["followed_by"], false);
        assert_eq!(account(&app, &ann).await["followers_count"], 0);
        assert_eq!(account(&app, &bob).await["followers_count"], 0);
        app.act(&ann, &ann_unblocks, &[]).await;
    }
}
