//! Conversations: direct posts arrive in an inbox, one entry per thread
//! and set of people, unread until read, and follow the posts in them when
//! those are deleted.

use lookbook_testkit::TestApp;
use lookbook_testkit::client::Member;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::statuses::{post, send};

async fn direct(app: &TestApp, member: &Member, body: Value) -> String {
    let mut body = body;
    body["visibility"] = json!("direct");
    let (status, posted) = post(app, member, body).await;
    assert_eq!(status, StatusCode::OK, "{posted}");
    posted["id"].as_str().unwrap().to_string()
}

async fn inbox(app: &TestApp, member: &Member) -> Vec<Value> {
    let (status, body) = app.read(member, "/api/v1/conversations").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().unwrap().clone()
}

/// The usernames of the others in a conversation, sorted.
fn people(conversation: &Value) -> Vec<&str> {
    let mut names: Vec<&str> = conversation["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    names
}

/// Ann writes to Bob and Cat; each of them has it unread with the other two,
/// Ann has it read. Bob's answer makes it unread for Ann and moves its
/// newest post. Reading, hiding and another member's ids behave; deleting
/// the answer falls back to the first post, and deleting that removes it.
#[tokio::test(flavor = "multi_thread")]
async fn direct_posts_make_conversations() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let cat = app.sign_up("cat").await;
    let dan = app.sign_up("dan").await;

    let first = direct(&app, &ann, json!({"status": "@bob @cat fitting at ten?"})).await;
    let (_, public) = post(&app, &ann, json!({"status": "@bob a public hello"})).await;
    assert!(public["id"].is_string());
    let bobs = inbox(&app, &bob).await;
    assert_eq!(bobs.len(), 1, "{bobs:?}");
    assert_eq!(bobs[0]["unread"], true);
    assert_eq!(people(&bobs[0]), vec!["ann", "cat"]);
    assert_eq!(bobs[0]["last_status"]["id"], first.as_str());
    assert_eq!(bobs[0]["last_status"]["visibility"], "direct");
    let anns = inbox(&app, &ann).await;
    assert_eq!(
        (anns[0]["unread"].clone(), people(&anns[0])),
        (json!(false), vec!["bob", "cat"])
    );
    assert_eq!(inbox(&app, &cat).await.len(), 1);
    assert!(
        inbox(&app, &dan).await.is_empty(),
        "not mentioned, not in it"
    );

    // Bob answers: Ann's entry is unread again and shows the answer; his own is read.
    let answer = direct(
        &app,
        &bob,
        json!({"status": "@ann @cat ten works", "in_reply_to_id": first}),
    )
    .await;
    let anns = inbox(&app, &ann).await;
    assert_eq!(anns.len(), 1, "one thread, one entry: {anns:?}");
    assert_eq!(
        (
            anns[0]["unread"].clone(),
            anns[0]["last_status"]["id"].clone()
        ),
        (json!(true), json!(answer))
    );
    let bobs = inbox(&app, &bob).await;
    assert_eq!(
        (
            bobs[0]["unread"].clone(),
            bobs[0]["last_status"]["id"].clone()
        ),
        (json!(false), json!(answer))
    );

    // Reading it: Ann's only; Dan cannot read or hide Ann's entry.
    let anns_id = anns[0]["id"].as_str().unwrap().to_string();
    let read = format!("/api/v1/conversations/{anns_id}/read");
    let (status, _) = app.act(&dan, &read, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(
        &app,
        &dan,
        Method::DELETE,
        &format!("/api/v1/conversations/{anns_id}"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, shown) = app.act(&ann, &read, &[]).await;
    assert_eq!(
        (status, shown["unread"].clone()),
        (StatusCode::OK, json!(false))
    );
    assert_eq!(shown["last_status"]["id"], answer.as_str());
    assert_eq!(inbox(&app, &ann).await[0]["unread"], false);
    let (status, _) = app
        .act(&ann, "/api/v1/conversations/nonsense/read", &[])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A second thread pages before the first.
    let other = direct(&app, &cat, json!({"status": "@ann shoes for friday"})).await;
    let response = app
        .get_as(&ann.token, "/api/v1/conversations?limit=1")
        .await;
    let link = response.headers()["link"].to_str().unwrap().to_string();
    let page: Value = response.json().await.unwrap();
    assert_eq!(page[0]["last_status"]["id"], other.as_str());
    assert_eq!(people(&page[0]), vec!["cat"]);
    assert!(link.contains(&format!("max_id={other}")), "{link}");
    let (_, older) = app
        .read(
            &ann,
            &format!("/api/v1/conversations?limit=1&max_id={other}"),
        )
        .await;
    assert_eq!(older[0]["id"], anns_id.as_str());

    // Hiding takes it out of Bob's inbox only.
    let bobs_id = bobs[0]["id"].as_str().unwrap();
    let (status, body) = send(
        &app,
        &bob,
        Method::DELETE,
        &format!("/api/v1/conversations/{bobs_id}"),
        json!({}),
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, json!({})));
    assert!(inbox(&app, &bob).await.is_empty());
    assert_eq!(inbox(&app, &cat).await.len(), 2);

    // Deleting the answer falls back to the first post; deleting that ends it.
    let (status, _) = send(
        &app,
        &bob,
        Method::DELETE,
        &format!("/api/v1/statuses/{answer}"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let cats = inbox(&app, &cat).await;
    let thread: Vec<&Value> = cats
        .iter()
        .filter(|c| people(c) == vec!["ann", "bob"])
        .collect();
    assert_eq!(thread[0]["last_status"]["id"], first.as_str(), "{cats:?}");
    let (status, _) = send(
        &app,
        &ann,
        Method::DELETE,
        &format!("/api/v1/statuses/{first}"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let cats = inbox(&app, &cat).await;
    assert_eq!(cats.len(), 1, "{cats:?}");
    assert_eq!(cats[0]["last_status"]["id"], other.as_str());
    app.finish().await.unwrap();
}

/// A member who blocks the author gets no conversation from them, and one
/// already there leaves the inbox with the block.
#[tokio::test(flavor = "multi_thread")]
async fn blocks_keep_conversations_out() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let eve = app.sign_up("eve").await;
    let bob = app.sign_up("bob").await;
    let path = format!("/api/v1/accounts/{}/block", ann.id);
    let (status, _) = app.act(&eve, &path, &[]).await;
    assert_eq!(status, StatusCode::OK);
    direct(&app, &ann, json!({"status": "@eve @bob sale tomorrow"})).await;
    assert!(inbox(&app, &eve).await.is_empty());
    assert_eq!(inbox(&app, &bob).await.len(), 1);
    let path = format!("/api/v1/accounts/{}/block", ann.id);
    let (status, _) = app.act(&bob, &path, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(inbox(&app, &bob).await.is_empty());
    app.finish().await.unwrap();
}
