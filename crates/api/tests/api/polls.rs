//! Polls through the API: an outfit vote is posted with its post, voted in
//! once, counted, hidden when asked, as visible as its post, and ended by
//! the worker, which tells the voters and the author.

use std::time::Duration;

use lookbook_testkit::client::Member;
use lookbook_testkit::{TestApp, TestEnv, eventually};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::statuses::{post, send};

async fn vote(
    app: &TestApp,
    member: &Member,
    poll: &Value,
    choices: &[&str],
) -> (StatusCode, Value) {
    let path = format!("/api/v1/polls/{}/votes", poll["id"].as_str().unwrap());
    let form: Vec<(&str, &str)> = choices.iter().map(|c| ("choices[]", *c)).collect();
    app.act(member, &path, &form).await
}

fn counts(poll: &Value) -> Vec<Value> {
    poll["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["votes_count"].clone())
        .collect()
}

/// A poll posted as a form, voted once per member, counted per option; bad
/// choices and second votes are refused with the reason; totals hidden on
/// request show to the author only; a followers-only post's poll is not
/// there for strangers.
#[tokio::test(flavor = "multi_thread")]
async fn members_vote_once_and_see_the_counts() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let cat = app.sign_up("cat").await;
    let form = [
        ("status", "Which look for the gala?"),
        ("poll[options][]", "Velvet"),
        ("poll[options][]", "Satin"),
        ("poll[options][]", "Sequins"),
        ("poll[expires_in]", "3600"),
    ];
    let (status, posted) = app.act(&ann, "/api/v1/statuses", &form).await;
    assert_eq!(status, StatusCode::OK, "{posted}");
    let poll = posted["poll"].clone();
    assert_eq!(poll["multiple"], false);
    assert_eq!(poll["expired"], false);
    assert_eq!(poll["voted"], true, "the author counts as having voted");
    assert_eq!(counts(&poll), vec![json!(0), json!(0), json!(0)]);
    assert_eq!(poll["options"][2]["title"], "Sequins");

    let (status, voted) = vote(&app, &bob, &poll, &["1"]).await;
    assert_eq!(status, StatusCode::OK, "{voted}");
    assert_eq!(
        (voted["voted"].clone(), voted["own_votes"].clone()),
        (json!(true), json!([1]))
    );
    assert_eq!(counts(&voted), vec![json!(0), json!(1), json!(0)]);
    let (status, error) = vote(&app, &bob, &poll, &["2"]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error["error"].as_str().unwrap().contains("already voted"),
        "{error}"
    );
    for (choices, why) in [
        (vec!["0", "2"], "one choice"),
        (vec!["3"], "positions"),
        (vec!["-1"], "positions"),
        (vec![], "at least one"),
    ] {
        let (status, error) = vote(&app, &cat, &poll, &choices).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{choices:?}");
        assert!(
            error["error"].as_str().unwrap().contains(why),
            "{choices:?}: {error}"
        );
    }
    let (status, _) = vote(&app, &cat, &poll, &["0"]).await;
    assert_eq!(status, StatusCode::OK);
    // Anyone reads the counts, on the poll and on the post.
    let path = format!("/api/v1/polls/{}", poll["id"].as_str().unwrap());
    let (status, seen) = app.get_json(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (seen["votes_count"].clone(), seen["voters_count"].clone()),
        (json!(2), json!(2))
    );
    assert!(seen.get("voted").is_none(), "nobody signed in: {seen}");
    let (_, as_cat) = app
        .read(
            &cat,
            &format!("/api/v1/statuses/{}", posted["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(as_cat["poll"]["own_votes"], json!([0]));
    assert_eq!(counts(&as_cat["poll"]), vec![json!(1), json!(1), json!(0)]);

    // Several choices where the poll allows; totals hidden from all but the author.
    let (status, multi) = post(
        &app,
        &ann,
        json!({"status": "Pick your accessories", "poll": {"options": ["Belt", "Scarf", "Hat"],
               "expires_in": 3600, "multiple": true, "hide_totals": true}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{multi}");
    let (status, voted) = vote(&app, &bob, &multi["poll"], &["0", "2"]).await;
    assert_eq!(status, StatusCode::OK, "{voted}");
    assert_eq!(voted["own_votes"], json!([0, 2]));
    assert_eq!(counts(&voted), vec![Value::Null, Value::Null, Value::Null]);
    assert_eq!(voted["votes_count"], 2);
    let (_, mine) = app
        .read(
            &ann,
            &format!("/api/v1/polls/{}", multi["poll"]["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(counts(&mine), vec![json!(1), json!(0), json!(1)]);

    // Bad polls are refused with the reason.
    for (poll, why) in [
        (
            json!({"options": ["Only one"], "expires_in": 3600}),
            "2 to 4 options",
        ),
        (
            json!({"options": ["a", "b", "c", "d", "e"], "expires_in": 3600}),
            "2 to 4 options",
        ),
        (
            json!({"options": ["Same", "Same"], "expires_in": 3600}),
            "differ",
        ),
        (
            json!({"options": ["a", "b"], "expires_in": 10}),
            "expires_in",
        ),
        (json!({"options": ["a", "b"]}), "expires_in"),
        (
            json!({"options": ["a", ""], "expires_in": 3600}),
            "characters",
        ),
        (json!("Velvet or satin"), "options"),
    ] {
        let (status, error) = post(&app, &ann, json!({"status": "vote", "poll": poll})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{poll}: {error}");
        assert!(
            error["error"].as_str().unwrap().contains(why),
            "{poll}: {error}"
        );
    }

    // An edit may send the poll back unchanged, not change it.
    let edit_path = format!("/api/v1/statuses/{}", posted["id"].as_str().unwrap());
    let same = json!({"status": "Which look for the gala? Vote!", "poll": {"options": ["Velvet", "Satin", "Sequins"], "expires_in": 3600}});
    let (status, edited) = send(&app, &ann, Method::PUT, &edit_path, same).await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(
        counts(&edited["poll"]),
        vec![json!(1), json!(1), json!(0)],
        "votes stay"
    );
    let changed =
        json!({"status": "x", "poll": {"options": ["Velvet", "Tweed"], "expires_in": 3600}});
    let (status, error) = send(&app, &ann, Method::PUT, &edit_path, changed).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");

    // A followers-only post's poll: not there for a stranger.
    let (_, private) = post(
        &app,
        &ann,
        json!({"status": "Friends only: which bag?", "visibility": "private",
               "poll": {"options": ["Tote", "Clutch"], "expires_in": 3600}}),
    )
    .await;
    let private_path = format!("/api/v1/polls/{}", private["poll"]["id"].as_str().unwrap());
    let (status, _) = app.read(&cat, &private_path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = vote(&app, &cat, &private["poll"], &["0"]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.read(&cat, "/api/v1/polls/12345").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.finish().await.unwrap();
}

/// When a poll ends, votes are refused and the worker tells the voters and
/// the author, once.
#[tokio::test(flavor = "multi_thread")]
async fn an_ended_poll_tells_its_voters_and_author() {
    let mut env = TestEnv::new().await;
    env.set("LIMIT_POLL_MIN_SECS", "1");
    let app = TestApp::spawn_with(env, true).await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let cat = app.sign_up("cat").await;
    let (status, posted) = post(
        &app,
        &ann,
        json!({"status": "Quick: red or black?", "poll": {"options": ["Red", "Black"], "expires_in": 2}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{posted}");
    let poll = posted["poll"].clone();
    let (status, _) = vote(&app, &bob, &poll, &["0"]).await;
    assert_eq!(status, StatusCode::OK);
    let told = |member: &Member| {
        let member = member.clone();
        let app = &app;
        async move {
            let (_, notes) = app
                .read(&member, "/api/v1/notifications?types[]=poll")
                .await;
            notes.as_array().cloned().unwrap_or_default()
        }
    };
    assert!(
        eventually(Duration::from_secs(20), || async {
            told(&bob).await.len() == 1 && told(&ann).await.len() == 1
        })
        .await,
        "bob: {:?}, ann: {:?}",
        told(&bob).await,
        told(&ann).await
    );
    let bobs = told(&bob).await;
    assert_eq!(bobs[0]["status"]["id"], posted["id"]);
    assert_eq!(bobs[0]["account"]["id"], ann.id.as_str());
    assert_eq!(bobs[0]["status"]["poll"]["expired"], true);
    assert_eq!(bobs[0]["status"]["poll"]["options"][0]["votes_count"], 1);
    assert!(told(&cat).await.is_empty(), "cat did not vote");
    let (status, error) = vote(&app, &cat, &poll, &["1"]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error["error"].as_str().unwrap().contains("ended"),
        "{error}"
    );
    // The sweep runs on: still one notification each.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(told(&bob).await.len(), 1);
    app.finish().await.unwrap();
}
