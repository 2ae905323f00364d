//! Timelines through the API: home (fan-out, rebuild, large accounts merged
//! at read time, removals), public and hashtag timelines, followed hashtags.

use std::time::Duration;

use lookbook_core::feeds;
use lookbook_core::kv::Kv;
use lookbook_testkit::{Member, TestApp, TestEnv, eventually};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::statuses::{ids, post};

async fn say(app: &TestApp, member: &Member, text: &str) -> String {
    let (status, body) = post(app, member, json!({ "status": text })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["id"].as_str().unwrap().to_string()
}

async fn follow(app: &TestApp, member: &Member, other: &Member) {
    let (status, body) = app
        .act(
            member,
            &format!("/api/v1/accounts/{}/follow", other.id),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn home(app: &TestApp, member: &Member, query: &str) -> (Vec<String>, Option<String>) {
    let response = app
        .get_as(&member.token, &format!("/api/v1/timelines/home{query}"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let link = response
        .headers()
        .get("link")
        .map(|l| l.to_str().unwrap().to_string());
    let body: Value = response.json().await.unwrap();
    (ids(&body).into_iter().map(String::from).collect(), link)
}

/// Waits until the member's home shows exactly `expected` (newest first).
async fn home_becomes(app: &TestApp, member: &Member, expected: &[&String]) {
    let expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    let reached = eventually(Duration::from_secs(15), || async {
        home(app, member, "?limit=40").await.0 == expected
    })
    .await;
    let (got, _) = home(app, member, "?limit=40").await;
    assert!(reached, "home is {got:?}, expected {expected:?}");
}

fn kv(app: &TestApp) -> Kv {
    Kv::connect(&app.env.config().redis, Duration::from_secs(5)).unwrap()
}

/// Home holds the member's posts and those of whom they follow, newest
/// first, pages exactly with Link headers, and survives losing its feed.
#[tokio::test(flavor = "multi_thread")]
async fn home_shows_followed_posts_pages_exactly_and_is_rebuilt() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let cat = app.sign_up("cat").await;
    let eve = app.sign_up("eve").await;
    // Ann's feed exists from her first read; later posts are fanned out to it.
    assert_eq!(home(&app, &ann, "").await.0, Vec::<String>::new());
    follow(&app, &ann, &bob).await;
    follow(&app, &ann, &cat).await;
    let a1 = say(&app, &ann, "ann 1").await;
    let b1 = say(&app, &bob, "bob 1").await;
    let _e1 = say(&app, &eve, "eve, not followed").await;
    let c1 = say(&app, &cat, "cat 1").await;
    let b2 = say(&app, &bob, "bob 2").await;
    let _private = post(
        &app,
        &eve,
        json!({"status": "eve private", "visibility": "private"}),
    )
    .await;
    home_becomes(&app, &ann, &[&b2, &c1, &b1, &a1]).await;

    // Two at a time; a post arriving between pages does not shift the next page.
    let (first, link) = home(&app, &ann, "?limit=2").await;
    assert_eq!(first, vec![b2.clone(), c1.clone()]);
    let link = link.unwrap();
    assert!(link.contains(&format!("max_id={c1}")), "{link}");
    let c2 = say(&app, &cat, "cat 2").await;
    let (second, _) = home(&app, &ann, &format!("?limit=2&max_id={c1}")).await;
    assert_eq!(second, vec![b1.clone(), a1.clone()]);
    let newer = eventually(Duration::from_secs(15), || async {
        home(&app, &ann, &format!("?min_id={b2}")).await.0 == vec![c2.clone()]
    })
    .await;
    assert!(
        newer,
        "the post after the first page is not offered as newer"
    );
    let (since, _) = home(&app, &ann, &format!("?since_id={b1}&limit=2")).await;
    assert_eq!(since, vec![c2.clone(), b2.clone()]);

    // The feed is gone (evicted, flushed): the same page comes back at once.
    feeds::forget(&kv(&app), ann.id.parse().unwrap())
        .await
        .unwrap();
    let (rebuilt, _) = home(&app, &ann, "?limit=40").await;
    assert_eq!(rebuilt, vec![c2, b2, c1, b1, a1]);
    app.finish().await.unwrap();
}

/// An account above the fan-out threshold is merged in when read, in the
/// same order fan-out would give; unfollow, mute, block and delete take
/// entries out, also from the feed in Redis.
#[tokio::test(flavor = "multi_thread")]
async fn large_accounts_merge_and_removals_take_entries_out() {
    let mut env = TestEnv::new().await;
    env.set("FEED_FANOUT_MAX_FOLLOWERS", "1");
    let app = TestApp::spawn_with(env, true).await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let brand = app.sign_up("brand").await;
    let small = app.sign_up("small").await;
    assert!(home(&app, &ann, "").await.0.is_empty());
    follow(&app, &ann, &brand).await;
    follow(&app, &bob, &brand).await;
    follow(&app, &ann, &small).await;
    let s1 = say(&app, &small, "small 1").await;
    let d1 = say(&app, &brand, "drop 1").await;
    let s2 = say(&app, &small, "small 2").await;
    let d2 = say(&app, &brand, "drop 2").await;
    home_becomes(&app, &ann, &[&d2, &s2, &d1, &s1]).await;
    // The brand (two followers, over the threshold of one) was not fanned out.
    let idle = eventually(Duration::from_secs(15), || async {
        app.unfinished_tasks().await.is_empty()
    })
    .await;
    assert!(idle, "the worker did not finish its tasks");
    let store = kv(&app);
    let ann_id: i64 = ann.id.parse().unwrap();
    let in_feed = feeds::range(&store, ann_id, None, None, false, 40)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        in_feed,
        vec![s2.parse::<i64>().unwrap(), s1.parse().unwrap()]
    );
    let (page, _) = home(&app, &ann, &format!("?limit=2&max_id={s2}")).await;
    assert_eq!(page, vec![d1.clone(), s1.clone()]);

    // Deleting a post takes it out of the timeline and the feed.
    let response = app
        .request_as(
            reqwest::Method::DELETE,
            &small.token,
            &format!("/api/v1/statuses/{s2}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    home_becomes(&app, &ann, &[&d2, &d1, &s1]).await;
    // Muting and unfollowing take an account's posts out. (The worker
    // first finishes fanning out: a fan-out still running when a member
    // unfollows can put a post back into the feed, which readers then skip.)
    let idle = eventually(Duration::from_secs(15), || async {
        app.unfinished_tasks().await.is_empty()
    })
    .await;
    assert!(idle, "the worker did not finish its tasks");
    let (status, _) = app
        .act(&ann, &format!("/api/v1/accounts/{}/mute", brand.id), &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    home_becomes(&app, &ann, &[&s1]).await;
    let (status, _) = app
        .act(
            &ann,
            &format!("/api/v1/accounts/{}/unfollow", small.id),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    home_becomes(&app, &ann, &[]).await;
    let emptied = eventually(Duration::from_secs(15), || async {
        feeds::range(&store, ann_id, None, None, false, 40)
            .await
            .unwrap()
            == Some(vec![])
    })
    .await;
    let left = feeds::range(&store, ann_id, None, None, false, 40)
        .await
        .unwrap();
    assert!(
        emptied,
        "the feed in Redis still holds removed posts: {left:?}"
    );
    // A block works both ways: the brand's posts leave Bob's home.
    home_becomes(&app, &bob, &[&d2, &d1]).await;
    let (status, _) = app
        .act(&brand, &format!("/api/v1/accounts/{}/block", bob.id), &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    home_becomes(&app, &bob, &[]).await;
    app.finish().await.unwrap();
}

/// The public timeline shows public posts only, minus comments on others'
/// posts; hashtag timelines honour any/all/none; a followed hashtag brings
/// posts of strangers home.
#[tokio::test(flavor = "multi_thread")]
async fn public_and_hashtag_timelines() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let denim = say(&app, &ann, "raw #denim").await;
    let both = say(&app, &ann, "#denim and #boots").await;
    let boots = say(&app, &bob, "just #boots").await;
    let (_, private) = post(
        &app,
        &ann,
        json!({"status": "#denim for friends", "visibility": "private"}),
    )
    .await;
    let (_, comment) = post(
        &app,
        &bob,
        json!({"status": "nice #denim", "in_reply_to_id": denim}),
    )
    .await;
    assert!(private["id"].is_string() && comment["id"].is_string());

    let (status, public) = app.get_json("/api/v1/timelines/public").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        ids(&public),
        vec![boots.as_str(), both.as_str(), denim.as_str()]
    );
    let (_, remote) = app.get_json("/api/v1/timelines/public?remote=true").await;
    assert_eq!(remote, json!([]));
    let (_, tagged) = app.get_json("/api/v1/timelines/tag/Denim").await;
    assert_eq!(ids(&tagged), vec![both.as_str(), denim.as_str()]);
    let (_, any) = app
        .get_json("/api/v1/timelines/tag/denim?any[]=boots")
        .await;
    assert_eq!(
        ids(&any),
        vec![boots.as_str(), both.as_str(), denim.as_str()]
    );
    let (_, all) = app
        .get_json("/api/v1/timelines/tag/denim?all[]=boots")
        .await;
    assert_eq!(ids(&all), vec![both.as_str()]);
    let (status, unknown) = app.get_json("/api/v1/timelines/tag/neverused").await;
    assert_eq!((status, unknown), (StatusCode::OK, json!([])));
    let (_, unknown_all) = app
        .get_json("/api/v1/timelines/tag/denim?all[]=neverused")
        .await;
    assert_eq!(unknown_all, json!([]));
    let (_, none) = app
        .get_json("/api/v1/timelines/tag/denim?none[]=boots")
        .await;
    assert_eq!(ids(&none), vec![denim.as_str()]);

    // Muted authors leave the viewer's public timeline.
    let (status, _) = app
        .act(&ann, &format!("/api/v1/accounts/{}/mute", bob.id), &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, muted) = app.read(&ann, "/api/v1/timelines/public").await;
    assert_eq!(ids(&muted), vec![both.as_str(), denim.as_str()]);

    // Cat follows #boots without following anyone: boots posts reach her home.
    let cat = app.sign_up("cat").await;
    let (status, tag) = app.act(&cat, "/api/v1/tags/boots/follow", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tag["following"], true);
    home_becomes(&app, &cat, &[&boots, &both]).await;
    // Unlisted posts stay out of discovery: not home through a hashtag, not
    // found by a stranger's search.
    let (_, unlisted) = post(
        &app,
        &bob,
        json!({"status": "quietly #boots", "visibility": "unlisted"}),
    )
    .await;
    let later = say(&app, &bob, "more #boots").await;
    home_becomes(&app, &cat, &[&later, &boots, &both]).await;
    // A feed rebuilt from the database keeps it out as well.
    feeds::forget(&kv(&app), cat.id.parse().unwrap())
        .await
        .unwrap();
    let (rebuilt, _) = home(&app, &cat, "").await;
    assert_eq!(rebuilt, vec![later.clone(), boots.clone(), both.clone()]);
    let (_, found) = app
        .read(&cat, "/api/v2/search?q=quietly&type=statuses")
        .await;
    assert_eq!(found["statuses"], json!([]), "{found}");
    let (_, own) = app
        .read(&bob, "/api/v2/search?q=quietly&type=statuses")
        .await;
    assert_eq!(own["statuses"][0]["id"], unlisted["id"]);
    // The next page of a filtered timeline is filtered the same way.
    let response = app
        .get("/api/v1/timelines/tag/denim?any[]=boots&limit=1")
        .await;
    let link = response.headers()["link"].to_str().unwrap().to_string();
    assert!(link.contains("any%5B%5D=boots&limit=1&max_id="), "{link}");
    let (_, followed) = app.read(&cat, "/api/v1/followed_tags").await;
    assert_eq!(followed[0]["name"], "boots");
    let (status, shown) = app.read(&cat, "/api/v1/tags/boots").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown["following"], true);
    // Its week: seven days, today first. It was counted when Cat followed
    // the tag (two public posts by two members) and is kept a while, so
    // the posts since do not show yet.
    let week = shown["history"].as_array().unwrap();
    assert_eq!(week.len(), 7, "{shown}");
    assert_eq!(
        (&week[0]["uses"], &week[0]["accounts"]),
        (&json!("2"), &json!("2"))
    );
    assert_eq!(
        (&week[1]["uses"], &week[1]["accounts"]),
        (&json!("0"), &json!("0"))
    );
    let today: i64 = week[0]["day"].as_str().unwrap().parse().unwrap();
    let yesterday: i64 = week[1]["day"].as_str().unwrap().parse().unwrap();
    assert_eq!((today % 86_400, today - yesterday), (0, 86_400));
    assert_eq!(followed[0]["history"], shown["history"]);
    let (status, _) = app.get_json("/api/v1/tags/neverused").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, tag) = app.act(&cat, "/api/v1/tags/boots/unfollow", &[]).await;
    assert_eq!(tag["following"], false);
    home_becomes(&app, &cat, &[]).await;
    app.finish().await.unwrap();
}
