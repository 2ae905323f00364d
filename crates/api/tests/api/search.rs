//! `GET /api/v2/search` through the API: accounts and hashtags by prefix,
//! posts by their words, paging, and what each caller may see of them.

use lookbook_testkit::{Member, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::statuses::{ids, post, send};

/// `GET /api/v2/search` with these parameters, as `member` or anonymously.
async fn search(
    app: &TestApp,
    member: Option<&Member>,
    params: &[(&str, &str)],
) -> (StatusCode, Value) {
    let request = match member {
        Some(m) => app.request_as(Method::GET, &m.token, "/api/v2/search"),
        None => app.client.get(app.url("/api/v2/search")),
    };
    let response = request.query(params).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The names of a list of hashtags, or the usernames of a list of accounts.
fn names(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v[field].as_str().unwrap().to_string())
        .collect()
}

async fn say(app: &TestApp, member: &Member, text: &str, visibility: &str) -> String {
    let (status, body) = post(
        app,
        member,
        json!({ "status": text, "visibility": visibility }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["id"].as_str().unwrap().to_string()
}

async fn act(app: &TestApp, member: &Member, other: &Member, verb: &str) {
    let path = format!("/api/v1/accounts/{}/{verb}", other.id);
    let (status, body) = app.act(member, &path, &[]).await;
    assert_eq!(status, StatusCode::OK, "{verb}: {body}");
}

/// Found post ids for `q`, as `member`.
async fn found_posts(app: &TestApp, member: Option<&Member>, q: &str) -> Vec<String> {
    let (status, body) = search(app, member, &[("q", q), ("type", "statuses")]).await;
    assert_eq!(status, StatusCode::OK, "{q}: {body}");
    ids(&body["statuses"])
        .into_iter()
        .map(String::from)
        .collect()
}

/// Accounts by username and display-name prefix, hashtags by prefix (with
/// `following`), posts by words and phrases ranked before recency, and
/// `type` keeping to one list.
#[tokio::test(flavor = "multi_thread")]
async fn accounts_hashtags_and_posts_are_found() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("annika").await;
    let bob = app.sign_up("bob").await;
    let (status, body) = send(
        &app,
        &bob,
        Method::PATCH,
        "/api/v1/accounts/update_credentials",
        json!({ "display_name": "Tailor Bob" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let many = say(&app, &ann, "Linen linen linen, all #SummerLook", "public").await;
    let phrase = say(&app, &bob, "A linen blazer for the office", "public").await;
    let other = say(&app, &bob, "Blazer of wool, #summerlookbook", "public").await;
    let (status, body) = app.act(&bob, "/api/v1/tags/summerlook/follow", &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, all) = search(&app, Some(&bob), &[("q", "ann")]).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(names(&all["accounts"], "username"), ["annika"]);
    assert_eq!(all["accounts"][0]["id"], ann.id.as_str());
    assert_eq!(all["statuses"], json!([]));
    assert_eq!(all["hashtags"], json!([]));
    let (_, by_name) = search(&app, Some(&ann), &[("q", "@tailor")]).await;
    assert_eq!(names(&by_name["accounts"], "username"), ["bob"]);

    let (_, tags) = search(&app, Some(&bob), &[("q", "#Summer")]).await;
    let shown: Vec<(Value, Value, Value)> = tags["hashtags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].clone(), t["url"].clone(), t["following"].clone()))
        .collect();
    assert_eq!(
        shown,
        vec![
            (
                json!("summerlook"),
                json!("http://lookbook.test/tags/summerlook"),
                json!(true)
            ),
            (
                json!("summerlookbook"),
                json!("http://lookbook.test/tags/summerlookbook"),
                json!(false)
            ),
        ]
    );
    assert_eq!(
        tags["hashtags"][0]["history"].as_array().unwrap().len(),
        7,
        "{tags}"
    );
    let (_, anonymous) = search(&app, None, &[("q", "summerlook")]).await;
    assert_eq!(
        names(&anonymous["hashtags"], "name"),
        ["summerlook", "summerlookbook"]
    );
    assert!(anonymous["hashtags"][0].get("following").is_none());

    // The post saying "linen" three times ranks above the newer one saying it once.
    assert_eq!(
        found_posts(&app, Some(&ann), "LINEN").await,
        [many.as_str(), phrase.as_str()]
    );
    assert_eq!(
        found_posts(&app, Some(&ann), "\"linen blazer\"").await,
        [phrase.as_str()]
    );
    assert_eq!(
        found_posts(&app, Some(&ann), "blazer -wool").await,
        [phrase.as_str()]
    );
    assert_eq!(
        found_posts(&app, Some(&ann), "#summerlook").await,
        [many.as_str()]
    );
    let (_, statuses) = search(&app, Some(&ann), &[("q", "blazer")]).await;
    assert_eq!(
        ids(&statuses["statuses"]),
        [other.as_str(), phrase.as_str()]
    );
    assert_eq!(statuses["statuses"][0]["account"]["id"], bob.id.as_str());
    assert_eq!(statuses["statuses"][0]["favourited"], false);

    // `type` keeps to one list; `account_id` to one author's posts.
    let (_, only_tags) = search(
        &app,
        Some(&bob),
        &[("q", "summerlook"), ("type", "hashtags")],
    )
    .await;
    assert_eq!(only_tags["accounts"], json!([]));
    assert_eq!(only_tags["statuses"], json!([]));
    assert_eq!(only_tags["hashtags"].as_array().unwrap().len(), 2);
    let (_, only_bob) = search(
        &app,
        Some(&ann),
        &[
            ("q", "linen"),
            ("type", "statuses"),
            ("account_id", &bob.id),
        ],
    )
    .await;
    assert_eq!(ids(&only_bob["statuses"]), [phrase.as_str()]);
    app.finish().await.unwrap();
}

/// `limit` and `offset` page each list; `following` keeps to followed
/// accounts; without a token `offset` and `resolve` are refused.
#[tokio::test(flavor = "multi_thread")]
async fn limit_offset_and_following_page_and_narrow() {
    let app = TestApp::spawn().await;
    let mut members = Vec::new();
    for name in ["pager1", "pager2", "pager3"] {
        members.push(app.sign_up(name).await);
    }
    let me = &members[0];
    let mut posts = Vec::new();
    for n in 1..=3 {
        posts.push(say(&app, me, &format!("pagetest #pg{n}"), "public").await);
    }
    let page = |offset: &'static str| [("q", "p"), ("limit", "2"), ("offset", offset)];
    let (status, first) = search(&app, Some(me), &page("0")).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(names(&first["accounts"], "username"), ["pager1", "pager2"]);
    assert_eq!(names(&first["hashtags"], "name"), ["pg1", "pg2"]);
    let (_, second) = search(&app, Some(me), &page("2")).await;
    assert_eq!(names(&second["accounts"], "username"), ["pager3"]);
    assert_eq!(names(&second["hashtags"], "name"), ["pg3"]);

    let words = |offset: &'static str| [("q", "pagetest"), ("limit", "2"), ("offset", offset)];
    let (_, first) = search(&app, Some(me), &words("0")).await;
    assert_eq!(
        ids(&first["statuses"]),
        [posts[2].as_str(), posts[1].as_str()]
    );
    let (_, second) = search(&app, Some(me), &words("2")).await;
    assert_eq!(ids(&second["statuses"]), [posts[0].as_str()]);
    // More than 40 is read as 40.
    let (status, _) = search(&app, Some(me), &[("q", "p"), ("limit", "1000")]).await;
    assert_eq!(status, StatusCode::OK);

    act(&app, me, &members[2], "follow").await;
    let (_, followed) = search(&app, Some(me), &[("q", "pager"), ("following", "true")]).await;
    assert_eq!(names(&followed["accounts"], "username"), ["pager3"]);

    for params in [
        [("q", "pager"), ("offset", "1")],
        [("q", "pager"), ("resolve", "true")],
    ] {
        let (status, body) = search(&app, None, &params).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{params:?}: {body}");
        assert!(body["error"].is_string());
    }
    let (status, _) = search(&app, None, &[("q", "pager"), ("offset", "0")]).await;
    assert_eq!(status, StatusCode::OK);
    app.finish().await.unwrap();
}

/// A followers-only post is found by a follower and by those it mentions,
/// not by a stranger, and nobody signed out finds any post at all.
#[tokio::test(flavor = "multi_thread")]
async fn followers_only_posts_are_found_only_by_those_who_may_see_them() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let fan = app.sign_up("fan").await;
    let stranger = app.sign_up("stranger").await;
    let friend = app.sign_up("friend").await;
    act(&app, &fan, &ann, "follow").await;
    let public = say(&app, &ann, "Velvet coat, public", "public").await;
    let private = say(&app, &ann, "Velvet gloves, followers only", "private").await;
    let direct = say(&app, &ann, "Velvet for @friend only", "direct").await;

    assert_eq!(
        found_posts(&app, Some(&ann), "velvet").await,
        [direct.as_str(), private.as_str(), public.as_str()]
    );
    assert_eq!(
        found_posts(&app, Some(&fan), "velvet").await,
        [private.as_str(), public.as_str()]
    );
    assert_eq!(
        found_posts(&app, Some(&friend), "velvet").await,
        [direct.as_str(), public.as_str()]
    );
    assert_eq!(
        found_posts(&app, Some(&stranger), "velvet").await,
        [public.as_str()]
    );
    assert!(found_posts(&app, None, "velvet").await.is_empty());
    // Anonymous callers still find accounts and hashtags.
    let (_, anonymous) = search(&app, None, &[("q", "ann")]).await;
    assert_eq!(names(&anonymous["accounts"], "username"), ["ann"]);
    app.finish().await.unwrap();
}

/// Nothing is found across a block, in either direction, and a muted
/// author's posts are left out while their account can still be found.
#[tokio::test(flavor = "multi_thread")]
async fn blocks_hide_both_ways_and_mutes_hide_posts() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let cat = app.sign_up("cat").await;
    let by_ann = say(&app, &ann, "Corduroy trousers", "public").await;
    let by_bob = say(&app, &bob, "Corduroy jacket", "public").await;
    let by_cat = say(&app, &cat, "Corduroy cap", "public").await;
    act(&app, &bob, &ann, "block").await;
    act(&app, &cat, &ann, "mute").await;

    assert_eq!(
        found_posts(&app, Some(&bob), "corduroy").await,
        [by_cat.as_str(), by_bob.as_str()]
    );
    assert_eq!(
        found_posts(&app, Some(&ann), "corduroy").await,
        [by_cat.as_str(), by_ann.as_str()]
    );
    assert_eq!(
        found_posts(&app, Some(&cat), "corduroy").await,
        [by_cat.as_str(), by_bob.as_str()]
    );
    let (_, seen_by_bob) = search(&app, Some(&bob), &[("q", "ann"), ("type", "accounts")]).await;
    assert_eq!(seen_by_bob["accounts"], json!([]));
    let (_, seen_by_ann) = search(&app, Some(&ann), &[("q", "bob"), ("type", "accounts")]).await;
    assert_eq!(seen_by_ann["accounts"], json!([]));
    let (_, seen_by_cat) = search(&app, Some(&cat), &[("q", "ann"), ("type", "accounts")]).await;
    assert_eq!(names(&seen_by_cat["accounts"], "username"), ["ann"]);
    app.finish().await.unwrap();
}

/// Missing or malformed parameters get a 4xx with a reason; a token
/// without `read:search` gets 403.
#[tokio::test(flavor = "multi_thread")]
async fn bad_parameters_are_refused_with_a_reason() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let cases: &[(&[(&str, &str)], StatusCode)] = &[
        (&[], StatusCode::BAD_REQUEST),
        (&[("q", "  ")], StatusCode::BAD_REQUEST),
        (&[("q", "a"), ("type", "people")], StatusCode::BAD_REQUEST),
        (&[("q", "a"), ("limit", "0")], StatusCode::BAD_REQUEST),
        (&[("q", "a"), ("offset", "-1")], StatusCode::BAD_REQUEST),
        (
            &[("q", "a"), ("account_id", "abc")],
            StatusCode::BAD_REQUEST,
        ),
        (
            &[("q", "a"), ("limit", "lots")],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (params, expected) in cases {
        let (status, body) = search(&app, Some(&ann), params).await;
        assert_eq!(status, *expected, "{params:?}: {body}");
        assert!(body["error"].is_string(), "{params:?}: {body}");
    }
    let writer = app.sign_up_with("writer", "write:statuses").await;
    let (status, _) = search(&app, Some(&writer), &[("q", "ann")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let reader = app.sign_up_with("reader", "read:search").await;
    let (status, body) = search(&app, Some(&reader), &[("q", "ann")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.finish().await.unwrap();
}

/// Queries built to break a parser (quotes, operators, tsquery syntax, LIKE
/// wildcards, very long text) answer 200 or a 4xx, never a 5xx, signed in
/// or not.
#[tokio::test(flavor = "multi_thread")]
async fn hostile_queries_never_cause_a_server_error() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    say(&app, &ann, "Plain words & a #tag: \"quoted\"", "public").await;
    let long_words = "word & ".repeat(140);
    let long = "a".repeat(10_000);
    let queries = [
        "\"",
        "\"\"\"",
        "&",
        "&&",
        "|",
        "!",
        "!!",
        ":*",
        "a:*",
        "a & b",
        "a | !b",
        "(a",
        "a)",
        "'",
        "''",
        "\\",
        "<->",
        "a <-> b",
        "-",
        "--",
        "- -a",
        "or",
        "OR OR",
        "\"a\" -",
        "%",
        "_",
        "%_%",
        "@",
        "#",
        "@@",
        "##",
        "a@b@c",
        "😀",
        "ß",
        "\u{200b}",
        "a:b",
        "*:*",
        long.as_str(),
        long_words.as_str(),
    ];
    for q in queries {
        for member in [Some(&ann), None] {
            let (status, body) = search(&app, member, &[("q", q)]).await;
            assert!(
                status == StatusCode::OK || status.is_client_error(),
                "{} characters of {:?}: {status} {body}",
                q.len(),
                q.chars().take(10).collect::<String>()
            );
            if status == StatusCode::OK {
                for list in ["accounts", "statuses", "hashtags"] {
                    assert!(body[list].is_array(), "{list} in {body}");
                }
            }
        }
    }
    let (status, _) = search(&app, Some(&ann), &[("q", "a\u{0}b")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    app.finish().await.unwrap();
}

/// A shared link pasted back finds what it shows: a post (only for those who
/// may see it), a profile in any of its URL forms, a hashtag; WebFinger and
/// host-meta find members by `name@domain`.
#[tokio::test(flavor = "multi_thread")]
async fn shared_links_find_what_they_show() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let (_, look) = post(&app, &ann, json!({"status": "Linen day #ootd"})).await;
    let (_, private) = post(
        &app,
        &ann,
        json!({"status": "Friends only", "visibility": "private"}),
    )
    .await;
    let resolve = |q: String| {
        let bob = &bob;
        let app = &app;
        async move {
            let (status, found) = search(app, Some(bob), &[("q", &q), ("resolve", "true")]).await;
            assert_eq!(status, StatusCode::OK, "{q}: {found}");
            found
        }
    };
    let found = resolve(look["url"].as_str().unwrap().to_string()).await;
    assert_eq!(ids(&found["statuses"]), vec![look["id"].as_str().unwrap()]);
    assert_eq!(found["accounts"], json!([]));
    let found = resolve(look["uri"].as_str().unwrap().to_string()).await;
    assert_eq!(ids(&found["statuses"]), vec![look["id"].as_str().unwrap()]);
    let found = resolve(private["url"].as_str().unwrap().to_string()).await;
    assert_eq!(found["statuses"], json!([]), "bob does not follow ann");
    for url in [
        "http://lookbook.test/@ann",
        "http://lookbook.test/@ann@lookbook.test",
        "http://lookbook.test/users/ann",
    ] {
        let found = resolve(url.to_string()).await;
        assert_eq!(names(&found["accounts"], "username"), vec!["ann"], "{url}");
    }
    let found = resolve("http://lookbook.test/tags/OOTD".to_string()).await;
    assert_eq!(names(&found["hashtags"], "name"), vec!["ootd"]);
    let found = resolve("https://elsewhere.example/@ann".to_string()).await;
    assert_eq!(found["accounts"], json!([]), "another server's URL");

    let (status, jrd) = app
        .get_json("/.well-known/webfinger?resource=acct:ann@lookbook.test")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(jrd["subject"], "acct:ann@lookbook.test");
    assert_eq!(jrd["links"][0]["href"], "http://lookbook.test/@ann");
    let response = app
        .get("/.well-known/webfinger?resource=http://lookbook.test/@ann")
        .await;
    assert_eq!(
        response.headers()["content-type"],
        "application/jrd+json; charset=utf-8"
    );
    let (status, _) = app
        .get_json("/.well-known/webfinger?resource=acct:nobody@lookbook.test")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .get_json("/.well-known/webfinger?resource=acct:ann@elsewhere.example")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get_json("/.well-known/webfinger").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let meta = app.get("/.well-known/host-meta").await;
    assert_eq!(meta.status(), StatusCode::OK);
    let xml = meta.text().await.unwrap();
    assert!(
        xml.contains("template=\"http://lookbook.test/.well-known/webfinger?resource={uri}\""),
        "{xml}"
    );
    app.finish().await.unwrap();
}
