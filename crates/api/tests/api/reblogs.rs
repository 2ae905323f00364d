//! Boosts through the API: a boost reaches the booster's followers (not
//! those who turned their boosts off) with the shared post inside, counts,
//! notifies, lists who boosted, and is taken back whole; what may not be
//! boosted is refused, and a boost never shows across a block or outlives
//! the post it shares.

use std::time::Duration;

use lookbook_testkit::client::Member;
use lookbook_testkit::{TestApp, eventually};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::notifications::posted;
use super::statuses::{ids, post};

async fn follow(app: &TestApp, member: &Member, other: &Member, form: &[(&str, &str)]) {
    let path = format!("/api/v1/accounts/{}/follow", other.id);
    let (status, body) = app.act(member, &path, form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// The ids on the member's home timeline, newest first.
async fn home(app: &TestApp, member: &Member) -> Vec<String> {
    let (status, body) = app.read(member, "/api/v1/timelines/home?limit=40").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    ids(&body).into_iter().map(String::from).collect()
}

/// Waits until the member's home shows exactly `expected`.
async fn home_becomes(app: &TestApp, member: &Member, expected: &[&str]) {
    let reached = eventually(Duration::from_secs(15), || async {
        home(app, member).await == expected
    })
    .await;
    let got = home(app, member).await;
    assert!(reached, "home is {got:?}, expected {expected:?}");
}

/// The ids of what a path lists, read as `member`.
async fn listed(app: &TestApp, member: &Member, path: &str) -> Vec<String> {
    let (status, body) = app.read(member, path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    ids(&body).into_iter().map(String::from).collect()
}

/// The reblog notifications the member has: (booster's username, post id).
async fn boost_notes(app: &TestApp, member: &Member) -> Vec<(String, String)> {
    let (status, body) = app
        .read(member, "/api/v1/notifications?types[]=reblog")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array()
        .unwrap()
        .iter()
        .map(|n| {
            assert_eq!(n["type"], "reblog");
            (
                n["account"]["username"].as_str().unwrap().to_string(),
                n["status"]["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn id_of(body: &Value) -> String {
    body["id"].as_str().unwrap().to_string()
}

/// Bob boosts Ann's outfit: Cat, who follows Bob, sees the boost with the
/// outfit inside; Dan, who turned Bob's boosts off, does not; Ann hears of
/// it; the counts, "who boosted" and Bob's profile say so; taking it back
/// undoes each of those.
#[tokio::test(flavor = "multi_thread")]
async fn a_boost_reaches_followers_and_taking_it_back_undoes_it() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let cat = app.sign_up("cat").await;
    let dan = app.sign_up("dan").await;
    follow(&app, &cat, &bob, &[]).await;
    follow(&app, &dan, &bob, &[("reblogs", "false")]).await;
    let outfit = posted(&app, &ann, "Linen suit for the heat #ootd").await;

    let boost_path = format!("/api/v1/statuses/{outfit}/reblog");
    let (status, boost) = app.act(&bob, &boost_path, &[]).await;
    assert_eq!(status, StatusCode::OK, "{boost}");
    let boost_id = id_of(&boost);
    assert_ne!(boost_id, outfit);
    assert_eq!(boost["account"]["id"], bob.id.as_str());
    assert_eq!(boost["reblog"]["id"], outfit.as_str());
    assert_eq!(boost["reblog"]["account"]["id"], ann.id.as_str());
    assert_eq!(boost["reblog"]["reblogs_count"], 1);
    assert_eq!(boost["reblog"]["reblogged"], true);
    assert_eq!(boost["reblogged"], true);
    assert_eq!(boost["content"], "");
    // Boosting again, through the post or through the boost, is the same boost.
    let (status, again) = app.act(&bob, &boost_path, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(id_of(&again), boost_id);
    let (_, again) = app
        .act(&bob, &format!("/api/v1/statuses/{boost_id}/reblog"), &[])
        .await;
    assert_eq!(id_of(&again), boost_id);
    assert_eq!(again["reblog"]["reblogs_count"], 1);

    // A plain post after the boost shows when fan-out has reached Dan.
    let later = posted(&app, &bob, "Packing for Milan").await;
    home_becomes(&app, &cat, &[&later, &boost_id]).await;
    home_becomes(&app, &dan, &[&later]).await;
    let (_, cat_home) = app.read(&cat, "/api/v1/timelines/home").await;
    let shown = &cat_home[1];
    assert_eq!(shown["reblog"]["id"], outfit.as_str());
    assert_eq!(shown["reblog"]["content"], boost["reblog"]["content"]);
    assert_eq!(shown["reblogged"], false);

    assert_eq!(
        boost_notes(&app, &ann).await,
        vec![("bob".to_string(), outfit.clone())]
    );
    let by = format!("/api/v1/statuses/{outfit}/reblogged_by");
    assert_eq!(listed(&app, &cat, &by).await, vec![bob.id.clone()]);
    let by_boost = format!("/api/v1/statuses/{boost_id}/reblogged_by");
    assert_eq!(listed(&app, &cat, &by_boost).await, vec![bob.id.clone()]);
    let (_, seen) = app.read(&cat, &format!("/api/v1/statuses/{outfit}")).await;
    assert_eq!(seen["reblogs_count"], 1);
    assert_eq!(seen["reblogged"], false);
    let profile = format!("/api/v1/accounts/{}/statuses", bob.id);
    assert_eq!(
        listed(&app, &cat, &profile).await,
        vec![later.clone(), boost_id.clone()]
    );
    assert_eq!(
        listed(&app, &cat, &format!("{profile}?exclude_reblogs=true")).await,
        vec![later.clone()]
    );
    // The public timeline shows posts, not boosts.
    let (_, public) = app.get_json("/api/v1/timelines/public?limit=40").await;
    let public: Vec<&str> = ids(&public);
    assert!(public.contains(&outfit.as_str()), "{public:?}");
    assert!(!public.contains(&boost_id.as_str()), "{public:?}");
    // Liking the boost likes the outfit.
    let (status, liked) = app
        .act(&cat, &format!("/api/v1/statuses/{boost_id}/favourite"), &[])
        .await;
    assert_eq!(status, StatusCode::OK, "{liked}");
    assert_eq!(id_of(&liked), outfit);
    assert_eq!(liked["favourites_count"], 1);

    // Taking it back, twice, answers the outfit no longer boosted.
    let unboost = format!("/api/v1/statuses/{outfit}/unreblog");
    for _ in 0..2 {
        let (status, body) = app.act(&bob, &unboost, &[]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(id_of(&body), outfit);
        assert_eq!(body["reblogged"], false);
        assert_eq!(body["reblogs_count"], 0);
    }
    home_becomes(&app, &cat, &[&later]).await;
    assert_eq!(boost_notes(&app, &ann).await, vec![]);
    assert_eq!(listed(&app, &cat, &by).await, Vec::<String>::new());
    assert_eq!(listed(&app, &cat, &profile).await, vec![later.clone()]);
    let (status, _) = app
        .read(&cat, &format!("/api/v1/statuses/{boost_id}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.finish().await.unwrap();
}

/// Others' followers-only and direct posts cannot be boosted, one's own
/// followers-only post can (and stays followers-only, unlisted among who
/// boosted); a boost of a post whose author the reader blocked is not shown
/// to them; deleting a post deletes its boosts, deleting a boost takes it
/// back, and so does unboosting after being blocked by the author; a
/// default of direct boosts to followers.
#[tokio::test(flavor = "multi_thread")]
async fn what_may_not_be_boosted_and_what_a_boost_may_not_show() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let cat = app.sign_up("cat").await;
    let eve = app.sign_up("eve").await;
    follow(&app, &bob, &ann, &[]).await;
    follow(&app, &cat, &bob, &[]).await;

    let (_, private) = post(
        &app,
        &ann,
        json!({"status": "Fitting notes", "visibility": "private"}),
    )
    .await;
    let private = id_of(&private);
    let (status, body) = app
        .act(&bob, &format!("/api/v1/statuses/{private}/reblog"), &[])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body["error"].as_str().unwrap().contains("not allowed"));
    let (status, own) = app
        .act(&ann, &format!("/api/v1/statuses/{private}/reblog"), &[])
        .await;
    assert_eq!(status, StatusCode::OK, "{own}");
    assert_eq!(own["visibility"], "private");
    // A followers-only boost is not listed among who boosted.
    let by = format!("/api/v1/statuses/{private}/reblogged_by");
    assert_eq!(listed(&app, &bob, &by).await, Vec::<String>::new());
    let (_, direct) = post(
        &app,
        &ann,
        json!({"status": "@bob your size?", "visibility": "direct"}),
    )
    .await;
    let (status, _) = app
        .act(
            &bob,
            &format!("/api/v1/statuses/{}/reblog", id_of(&direct)),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let public = posted(&app, &ann, "Street style, Seoul").await;
    let (status, body) = app
        .act(
            &bob,
            &format!("/api/v1/statuses/{public}/reblog"),
            &[("visibility", "direct")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"].as_str().unwrap().contains("visibility"));
    for missing in ["1", "not-an-id"] {
        let (status, _) = app
            .act(&bob, &format!("/api/v1/statuses/{missing}/reblog"), &[])
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    }

    // Cat blocks Eve: Bob's boost of Eve's post is not shown to Cat.
    let eves = posted(&app, &eve, "Vintage denim haul").await;
    let (status, _) = app
        .act(&cat, &format!("/api/v1/accounts/{}/block", eve.id), &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, eve_boost) = app
        .act(&bob, &format!("/api/v1/statuses/{eves}/reblog"), &[])
        .await;
    let eve_boost = id_of(&eve_boost);
    let (_, ann_boost) = app
        .act(&bob, &format!("/api/v1/statuses/{public}/reblog"), &[])
        .await;
    let ann_boost = id_of(&ann_boost);
    home_becomes(&app, &cat, &[&ann_boost]).await;
    let (status, _) = app
        .read(&cat, &format!("/api/v1/statuses/{eve_boost}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .read(&ann, &format!("/api/v1/statuses/{eve_boost}"))
        .await;
    assert_eq!(status, StatusCode::OK);

    // Ann deletes her post: its boost goes with it, from every view.
    let response = app
        .request_as(
            reqwest::Method::DELETE,
            &ann.token,
            &format!("/api/v1/statuses/{public}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (status, _) = app
        .read(&cat, &format!("/api/v1/statuses/{ann_boost}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    home_becomes(&app, &cat, &[]).await;
    let profile = format!("/api/v1/accounts/{}/statuses", bob.id);
    assert_eq!(listed(&app, &ann, &profile).await, vec![eve_boost.clone()]);

    // Bob deletes his boost of Eve's post like a post: Eve's count drops.
    let response = app
        .request_as(
            reqwest::Method::DELETE,
            &bob.token,
            &format!("/api/v1/statuses/{eve_boost}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (_, seen) = app.read(&eve, &format!("/api/v1/statuses/{eves}")).await;
    assert_eq!(seen["reblogs_count"], 0);
    assert_eq!(seen["reblogged"], false);
    assert_eq!(listed(&app, &ann, &profile).await, Vec::<String>::new());

    // Blocked by Eve after boosting her post, Bob still sees his boost on
    // his profile and takes it back.
    let (_, again) = app
        .act(&bob, &format!("/api/v1/statuses/{eves}/reblog"), &[])
        .await;
    let again = id_of(&again);
    let (status, _) = app
        .act(&eve, &format!("/api/v1/accounts/{}/block", bob.id), &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed(&app, &bob, &profile).await, vec![again.clone()]);
    assert_eq!(listed(&app, &ann, &profile).await, vec![again.clone()]);
    // Cat, who blocked Eve, sees none of it.
    assert_eq!(listed(&app, &cat, &profile).await, Vec::<String>::new());
    let (status, body) = app
        .act(&bob, &format!("/api/v1/statuses/{eves}/unreblog"), &[])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(id_of(&body), eves);
    let (_, seen) = app.read(&eve, &format!("/api/v1/statuses/{eves}")).await;
    assert_eq!(seen["reblogs_count"], 0);
    assert_eq!(listed(&app, &bob, &profile).await, Vec::<String>::new());

    // A member whose default is direct boosts to their followers.
    let response = app
        .request_as(
            reqwest::Method::PATCH,
            &cat.token,
            "/api/v1/accounts/update_credentials",
        )
        .form(&[("source[privacy]", "direct")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let fresh = posted(&app, &ann, "Knitwear weekend").await;
    let (status, boost) = app
        .act(&cat, &format!("/api/v1/statuses/{fresh}/reblog"), &[])
        .await;
    assert_eq!(status, StatusCode::OK, "{boost}");
    assert_eq!(boost["visibility"], "private");
    app.finish().await.unwrap();
}
