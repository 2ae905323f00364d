//! Lists through the API: a member groups accounts they follow, reads
//! their posts in the list's timeline with the comments its replies policy
//! lets through, keeps an exclusive list's members out of home, and loses
//! an account from their lists by unfollowing it.

use std::time::Duration;

use lookbook_testkit::client::Member;
use lookbook_testkit::{TestApp, eventually};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::notifications::posted;
use super::statuses::{ids, post, send};

async fn follow(app: &TestApp, member: &Member, other: &Member) {
    let path = format!("/api/v1/accounts/{}/follow", other.id);
    let (status, body) = app.act(member, &path, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn listed(app: &TestApp, member: &Member, path: &str) -> Vec<String> {
    let (status, body) = app.read(member, path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    ids(&body).into_iter().map(String::from).collect()
}

async fn members(app: &TestApp, member: &Member, list: &str, change: Method, who: &[&Member]) {
    let ids: Vec<&str> = who.iter().map(|m| m.id.as_str()).collect();
    let path = format!("/api/v1/lists/{list}/accounts");
    let (status, body) = send(app, member, change, &path, json!({ "account_ids": ids })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({}));
}

async fn comment(app: &TestApp, member: &Member, on: &str, text: &str) -> String {
    let (status, body) = post(app, member, json!({"status": text, "in_reply_to_id": on})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["id"].as_str().unwrap().to_string()
}

/// Ann makes a list of stylists she follows: its timeline shows their
/// posts and boosts, comments by its replies policy, nothing of anyone
/// else; made exclusive, it keeps them out of her home; its accounts are
/// listed and changed; unfollowing takes an account out; only Ann sees it.
#[tokio::test(flavor = "multi_thread")]
async fn a_list_shows_its_members_posts() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let cat = app.sign_up("cat").await;
    let dan = app.sign_up("dan").await;
    follow(&app, &ann, &bob).await;
    follow(&app, &ann, &cat).await;

    let (status, list) = send(
        &app,
        &ann,
        Method::POST,
        "/api/v1/lists",
        json!({"title": "Stylists"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["title"], "Stylists");
    assert_eq!(list["replies_policy"], "list");
    assert_eq!(list["exclusive"], false);
    let id = list["id"].as_str().unwrap().to_string();
    for (body, reason) in [
        (json!({"title": "  "}), "blank"),
        (
            json!({"title": "X", "replies_policy": "everyone"}),
            "replies_policy",
        ),
    ] {
        let (status, answer) = send(&app, &ann, Method::POST, "/api/v1/lists", body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert!(
            answer["error"].as_str().unwrap().contains(reason),
            "{answer}"
        );
    }

    members(&app, &ann, &id, Method::POST, &[&bob]).await;
    let path = format!("/api/v1/lists/{id}/accounts");
    let (status, answer) = send(
        &app,
        &ann,
        Method::POST,
        &path,
        json!({"account_ids": [dan.id]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("follow"),
        "{answer}"
    );
    let (status, _) = send(
        &app,
        &ann,
        Method::POST,
        &path,
        json!({"account_ids": ["42"]}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(listed(&app, &ann, &path).await, vec![bob.id.clone()]);
    assert_eq!(
        listed(&app, &ann, &format!("{path}?limit=0")).await,
        vec![bob.id.clone()]
    );
    let holding = format!("/api/v1/accounts/{}/lists", bob.id);
    assert_eq!(listed(&app, &ann, &holding).await, vec![id.clone()]);
    assert_eq!(listed(&app, &ann, "/api/v1/lists").await, vec![id.clone()]);
    // Nobody else sees Ann's list, or reads through it.
    for path in [
        format!("/api/v1/lists/{id}"),
        format!("/api/v1/timelines/list/{id}"),
        path.clone(),
    ] {
        let (status, _) = app.read(&bob, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(
        listed(&app, &bob, "/api/v1/lists").await,
        Vec::<String>::new()
    );

    let cats = posted(&app, &cat, "Wide-leg trousers, three ways").await;
    let bobs = posted(&app, &bob, "Autumn layering guide").await;
    let own_thread = comment(&app, &bob, &bobs, "Part two: scarves").await;
    let on_cat = comment(&app, &bob, &cats, "Great proportions").await;
    let _dans = posted(&app, &dan, "Not in the list").await;
    let (_, boost) = app
        .act(&bob, &format!("/api/v1/statuses/{cats}/reblog"), &[])
        .await;
    let boost = boost["id"].as_str().unwrap().to_string();
    let timeline = format!("/api/v1/timelines/list/{id}");
    // Cat is not in the list: Bob's comment on her post stays out.
    assert_eq!(
        listed(&app, &ann, &timeline).await,
        vec![boost.clone(), own_thread.clone(), bobs.clone()]
    );
    let (status, changed) = send(
        &app,
        &ann,
        Method::PUT,
        &format!("/api/v1/lists/{id}"),
        json!({"replies_policy": "followed", "title": "Stylists I trust"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["title"], "Stylists I trust");
    assert_eq!(changed["replies_policy"], "followed");
    let all = vec![
        boost.clone(),
        on_cat.clone(),
        own_thread.clone(),
        bobs.clone(),
    ];
    assert_eq!(listed(&app, &ann, &timeline).await, all);
    assert_eq!(
        listed(&app, &ann, &format!("{timeline}?limit=2")).await,
        all[..2].to_vec()
    );
    assert_eq!(
        listed(&app, &ann, &format!("{timeline}?max_id={on_cat}")).await,
        all[2..].to_vec()
    );
    assert_eq!(
        listed(&app, &ann, &format!("{timeline}?min_id={own_thread}")).await,
        all[..2].to_vec()
    );
    // Muting Cat hides Bob's boost of her post; the page it leaves empty
    // still leads on to the next.
    let (status, _) = app
        .act(&ann, &format!("/api/v1/accounts/{}/mute", cat.id), &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    let response = app.get_as(&ann.token, &format!("{timeline}?limit=1")).await;
    let link = response.headers()["link"].to_str().unwrap().to_string();
    assert_eq!(response.json::<Value>().await.unwrap(), json!([]));
    assert!(link.contains(&format!("max_id={boost}")), "{link}");
    assert_eq!(
        listed(&app, &ann, &format!("{timeline}?limit=1&max_id={boost}")).await,
        vec![on_cat.clone()]
    );
    let (status, _) = app
        .act(&ann, &format!("/api/v1/accounts/{}/unmute", cat.id), &[])
        .await;
    assert_eq!(status, StatusCode::OK);

    // Exclusive: Bob's posts leave Ann's home, Cat's stay.
    let home_is = |expected: Vec<String>| {
        let app = &app;
        let ann = &ann;
        async move {
            let reached = eventually(Duration::from_secs(15), || async {
                listed(app, ann, "/api/v1/timelines/home?limit=40").await == expected
            })
            .await;
            let got = listed(app, ann, "/api/v1/timelines/home?limit=40").await;
            assert!(reached, "home is {got:?}, expected {expected:?}");
        }
    };
    // Bob's boost of Cat's post stands for it in home: the post shows once.
    home_is(vec![
        boost.clone(),
        on_cat.clone(),
        own_thread.clone(),
        bobs.clone(),
    ])
    .await;
    let (status, _) = send(
        &app,
        &ann,
        Method::PUT,
        &format!("/api/v1/lists/{id}"),
        json!({"exclusive": true}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    home_is(vec![cats.clone()]).await;

    // Unfollowing Bob takes him out of the list; the list stays.
    members(&app, &ann, &id, Method::POST, &[&cat]).await;
    let (status, _) = app
        .act(&ann, &format!("/api/v1/accounts/{}/unfollow", bob.id), &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed(&app, &ann, &path).await, vec![cat.id.clone()]);
    assert_eq!(listed(&app, &ann, &holding).await, Vec::<String>::new());
    assert_eq!(listed(&app, &ann, &timeline).await, vec![cats.clone()]);
    members(&app, &ann, &id, Method::DELETE, &[&cat]).await;
    assert_eq!(listed(&app, &ann, &timeline).await, Vec::<String>::new());

    let response = app
        .request_as(Method::DELETE, &ann.token, &format!("/api/v1/lists/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({}));
    let (status, _) = app.read(&ann, &timeline).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        listed(&app, &ann, "/api/v1/lists").await,
        Vec::<String>::new()
    );
    app.finish().await.unwrap();
}
