//! Filters through the API: a member's words and posts mark what they read
//! (`filtered`), `hide` filters leave posts out of timelines and
//! notifications of their contexts, and changes apply at the next read.

use std::time::Duration;

use lookbook_testkit::client::Member;
use lookbook_testkit::{TestApp, eventually};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::notifications::posted;
use super::statuses::{ids, send};

async fn public(app: &TestApp, member: &Member) -> Value {
    let (status, body) = app.read(member, "/api/v1/timelines/public?limit=40").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// The `filtered` of post `id` in `page` (None when the page lacks it).
fn filtered<'a>(page: &'a Value, id: &str) -> Option<&'a Value> {
    page.as_array()?
        .iter()
        .find(|p| p["id"] == id)
        .map(|p| &p["filtered"])
}

/// Ann warns about "finale" at home and in public, and hides "fur" at home
/// and in notifications: posts carry what matched, hidden ones leave the
/// timelines and notifications of those contexts only, a filtered post
/// matches by id, and every change shows at the next read.
#[tokio::test(flavor = "multi_thread")]
async fn filters_mark_and_hide_what_a_member_reads() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let cat = app.sign_up("cat").await;
    let (status, _) = app
        .act(&ann, &format!("/api/v1/accounts/{}/follow", bob.id), &[])
        .await;
    assert_eq!(status, StatusCode::OK);

    // A filter in JSON, and one as a form with Rails-style nesting.
    let (status, spoilers) = send(
        &app,
        &ann,
        Method::POST,
        "/api/v2/filters",
        json!({"title": "Spoilers", "context": ["home", "public"],
               "keywords_attributes": [{"keyword": "Finale", "whole_word": true}]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{spoilers}");
    assert_eq!(spoilers["filter_action"], "warn");
    assert_eq!(spoilers["keywords"][0]["keyword"], "Finale");
    assert_eq!(spoilers["statuses"], json!([]));
    let form = [
        ("title", "No fur"),
        ("context[]", "home"),
        ("context[]", "notifications"),
        ("filter_action", "hide"),
        ("keywords_attributes[0][keyword]", "fur"),
        ("keywords_attributes[0][whole_word]", "1"),
    ];
    let (status, fur) = app.act(&ann, "/api/v2/filters", &form).await;
    assert_eq!(status, StatusCode::OK, "{fur}");
    assert_eq!(fur["context"], json!(["home", "notifications"]));

    let finale = posted(&app, &bob, "Walking the #finale look").await;
    let coat = posted(&app, &bob, "A faux fur coat").await;
    let furniture = posted(&app, &bob, "Furniture shopping").await;
    let plain = posted(&app, &bob, "Plain white tee").await;

    // Public: the warning is there; the fur post too (hidden at home only),
    // carrying its match for clients that look.
    let page = public(&app, &ann).await;
    let warned = filtered(&page, &finale).unwrap();
    assert_eq!(warned[0]["filter"]["title"], "Spoilers");
    assert_eq!(warned[0]["filter"]["id"], spoilers["id"]);
    assert_eq!(warned[0]["keyword_matches"], json!(["finale"]));
    assert_eq!(warned[0]["status_matches"], Value::Null);
    assert!(warned[0]["filter"].get("keywords").is_none(), "{warned}");
    assert_eq!(
        filtered(&page, &coat).unwrap()[0]["filter"]["filter_action"],
        "hide"
    );
    assert_eq!(
        filtered(&page, &furniture),
        Some(&json!([])),
        "not a whole word"
    );
    // Others' filters are theirs: Cat sees nothing marked.
    assert_eq!(
        filtered(&public(&app, &cat).await, &finale),
        Some(&json!([]))
    );

    // Home: the fur post is left out; the rest are there.
    let expected = vec![plain.clone(), furniture.clone(), finale.clone()];
    let home = || async {
        let (_, body) = app.read(&ann, "/api/v1/timelines/home").await;
        ids(&body).into_iter().map(String::from).collect::<Vec<_>>()
    };
    assert!(
        eventually(Duration::from_secs(20), || async {
            home().await == expected
        })
        .await,
        "home is {:?}",
        home().await
    );

    // Notifications: a mention about fur is left out; another one is not.
    let sale = posted(&app, &bob, "@ann fur sale tonight").await;
    let hello = posted(&app, &bob, "@ann hello").await;
    let (_, notes) = app.read(&ann, "/api/v1/notifications").await;
    let about: Vec<&str> = notes
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["status"]["id"].as_str())
        .collect();
    assert_eq!(about, vec![hello.as_str()], "{notes}");

    // A post by id.
    let path = format!(
        "/api/v2/filters/{}/statuses",
        spoilers["id"].as_str().unwrap()
    );
    let (status, entry) = app.act(&ann, &path, &[("status_id", plain.as_str())]).await;
    assert_eq!(status, StatusCode::OK, "{entry}");
    assert_eq!(entry["status_id"], plain.as_str());
    let page = public(&app, &ann).await;
    assert_eq!(
        filtered(&page, &plain).unwrap()[0]["status_matches"],
        json!([plain])
    );
    let (status, _) = app.act(&ann, &path, &[("status_id", "12345")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a post that does not exist");

    // Nobody else reaches Ann's filters.
    let fur_path = format!("/api/v2/filters/{}", fur["id"].as_str().unwrap());
    let keyword_path = format!(
        "/api/v2/filters/keywords/{}",
        fur["keywords"][0]["id"].as_str().unwrap()
    );
    for (method, path) in [
        (Method::GET, fur_path.as_str()),
        (Method::PUT, fur_path.as_str()),
        (Method::DELETE, fur_path.as_str()),
        (Method::GET, keyword_path.as_str()),
        (Method::DELETE, keyword_path.as_str()),
        (Method::POST, path.as_str()),
    ] {
        let (status, _) = send(
            &app,
            &cat,
            method.clone(),
            path,
            json!({"title": "x", "status_id": plain}),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
    }
    let (_, cats) = app.read(&cat, "/api/v2/filters").await;
    assert_eq!(cats, json!([]));

    // A keyword the filter does not hold is refused by name (the filter
    // itself is there).
    let (status, error) = send(
        &app,
        &ann,
        Method::PUT,
        &fur_path,
        json!({"keywords_attributes": [{"id": "123456789", "keyword": "mink"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(
        error["error"].as_str().unwrap().contains("123456789"),
        "{error}"
    );

    // Removing the keyword through the filter's update brings the post home.
    let (status, changed) = send(
        &app,
        &ann,
        Method::PUT,
        &fur_path,
        json!({"keywords_attributes": [{"id": fur["keywords"][0]["id"], "_destroy": true}]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["keywords"], json!([]));
    let expected = vec![
        hello.clone(),
        sale.clone(),
        plain.clone(),
        furniture.clone(),
        coat.clone(),
        finale.clone(),
    ];
    assert!(
        eventually(Duration::from_secs(20), || async {
            home().await == expected
        })
        .await,
        "home is {:?}",
        home().await
    );

    // Deleting a filter stops its warnings.
    let spoilers_path = format!("/api/v2/filters/{}", spoilers["id"].as_str().unwrap());
    let (status, body) = send(&app, &ann, Method::DELETE, &spoilers_path, json!({})).await;
    assert_eq!((status, body), (StatusCode::OK, json!({})));
    assert_eq!(
        filtered(&public(&app, &ann).await, &finale),
        Some(&json!([]))
    );
    let (_, left) = app.read(&ann, "/api/v2/filters").await;
    assert_eq!(ids(&left), vec![fur["id"].as_str().unwrap()]);
    app.finish().await.unwrap();
}

/// What is not a filter is a 422 with the reason; an expired filter stops
/// applying.
#[tokio::test(flavor = "multi_thread")]
async fn bad_filters_are_refused_and_expired_ones_stop() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    for (body, why) in [
        (json!({"title": "x"}), "Context"),
        (json!({"context": ["home"]}), "Title"),
        (json!({"title": "x", "context": ["homepage"]}), "context"),
        (
            json!({"title": "x", "context": ["home"], "filter_action": "explode"}),
            "filter_action",
        ),
        (
            json!({"title": "x", "context": ["home"], "expires_in": -5}),
            "expires_in",
        ),
        (
            json!({"title": "x", "context": ["home"], "keywords_attributes": [{"keyword": " "}]}),
            "Keyword",
        ),
        (
            json!({"title": "x", "context": ["home"], "keywords_attributes": "fur"}),
            "keywords_attributes",
        ),
    ] {
        let (status, error) = send(&app, &ann, Method::POST, "/api/v2/filters", body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {error}");
        assert!(
            error["error"].as_str().unwrap().contains(why),
            "{body}: {error}"
        );
    }
    let (status, soon) = send(
        &app,
        &ann,
        Method::POST,
        "/api/v2/filters",
        json!({"title": "Soon over", "context": ["public"], "expires_in": 1,
               "keywords_attributes": [{"keyword": "denim"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{soon}");
    assert!(soon["expires_at"].is_string());
    let denim = posted(&app, &bob, "raw denim").await;
    let marked = || async { filtered(&public(&app, &ann).await, &denim).cloned() };
    assert!(
        eventually(Duration::from_secs(10), || async {
            marked().await == Some(json!([]))
        })
        .await,
        "still {:?}",
        marked().await
    );
    app.finish().await.unwrap();
}

/// The older API: each phrase is a filter; `irreversible` hides.
#[tokio::test(flavor = "multi_thread")]
async fn v1_filters_are_phrases() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let form = [
        ("phrase", "crocs"),
        ("context[]", "public"),
        ("irreversible", "true"),
    ];
    let (status, phrase) = app.act(&ann, "/api/v1/filters", &form).await;
    assert_eq!(status, StatusCode::OK, "{phrase}");
    assert_eq!(
        (
            phrase["phrase"].clone(),
            phrase["irreversible"].clone(),
            phrase["whole_word"].clone()
        ),
        (json!("crocs"), json!(true), json!(true))
    );
    let crocs = posted(&app, &bob, "Crocs are back").await;
    let other = posted(&app, &bob, "Loafers are back").await;
    assert_eq!(ids(&public(&app, &ann).await), vec![other.as_str()]);
    let (_, v2) = app.read(&ann, "/api/v2/filters").await;
    assert_eq!(
        (v2[0]["title"].clone(), v2[0]["filter_action"].clone()),
        (json!("crocs"), json!("hide"))
    );

    let path = format!("/api/v1/filters/{}", phrase["id"].as_str().unwrap());
    let (status, changed) = send(
        &app,
        &ann,
        Method::PUT,
        &path,
        json!({"phrase": "loafers", "irreversible": false}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(
        (changed["phrase"].clone(), changed["irreversible"].clone()),
        (json!("loafers"), json!(false))
    );
    let page = public(&app, &ann).await;
    assert_eq!(ids(&page), vec![other.as_str(), crocs.as_str()]);
    assert_eq!(
        filtered(&page, &other).unwrap()[0]["keyword_matches"],
        json!(["loafers"])
    );
    let (_, listed) = app.read(&ann, "/api/v1/filters").await;
    assert_eq!(listed[0]["id"], phrase["id"]);

    let (status, body) = send(&app, &ann, Method::DELETE, &path, json!({})).await;
    assert_eq!((status, body), (StatusCode::OK, json!({})));
    let (_, gone) = app.read(&ann, "/api/v2/filters").await;
    assert_eq!(gone, json!([]), "a filter left without phrases goes");
    let (status, _) = app.read(&ann, &path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.finish().await.unwrap();
}
