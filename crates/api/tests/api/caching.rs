//! The read path's caches: one load per cold key however many ask, one load
//! per page whatever its length, and Memcached or Redis going down costs
//! speed, never an error.

use std::sync::atomic::Ordering;
use std::time::Duration;

use lookbook_core::cache::Cache;
use lookbook_core::kv::Kv;
use lookbook_testkit::{Member, TestApp, TestEnv, eventually};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::statuses::{ids, post};

/// This API instance's cache counters: status loads, account loads, count
/// loads and status hits.
fn stats(app: &TestApp) -> [u64; 4] {
    let s = &app.api.cache_stats;
    [
        s.status_loads.load(Ordering::SeqCst),
        s.account_loads.load(Ordering::SeqCst),
        s.count_loads.load(Ordering::SeqCst),
        s.status_hits.load(Ordering::SeqCst),
    ]
}

/// Empties the caches of these posts and their author.
async fn chill(app: &TestApp, statuses: &[String], author: &Member) {
    let config = app.env.config();
    let cache = Cache::connect(&config.memcached, Duration::from_secs(5))
        .await
        .unwrap();
    let mut keys: Vec<String> = statuses
        .iter()
        .map(|id| cache.key(&format!("status:{id}")))
        .collect();
    keys.push(cache.key(&format!("account:{}", author.id)));
    cache.client().delete_many(&keys).await.unwrap();
    let kv = Kv::connect(&config.redis, Duration::from_secs(5)).unwrap();
    let mut redis_keys: Vec<String> = statuses
        .iter()
        .map(|id| kv.key(&format!("counts:status:{id}")))
        .collect();
    redis_keys.push(kv.key(&format!("counts:account:{}", author.id)));
    let mut conn = kv.pool().get().await.unwrap();
    let _: i64 = deadpool_redis::redis::cmd("DEL")
        .arg(redis_keys)
        .query_async(&mut conn)
        .await
        .unwrap();
}

/// A thousand readers arrive at once on a post nobody has read: the post,
/// its author and its counts are each loaded once, and all get the post.
#[tokio::test(flavor = "multi_thread")]
async fn a_crowd_on_one_cold_post_loads_it_once() {
    // All admitted at once: this is about loads, not load shedding.
    let mut env = TestEnv::new().await;
    env.set("MAX_IN_FLIGHT", "2000");
    let app = TestApp::spawn_with(env, true).await;
    let brand = app.sign_up("brand").await;
    let (_, posted) = post(&app, &brand, json!({"status": "New drop"})).await;
    let id = posted["id"].as_str().unwrap().to_string();
    chill(&app, std::slice::from_ref(&id), &brand).await;
    let before = stats(&app);
    let readers: Vec<_> = (0..1000)
        .map(|_| {
            let client = app.client.clone();
            let url = app.url(&format!("/api/v1/statuses/{id}"));
            tokio::spawn(async move {
                let response = client.get(url).send().await.unwrap();
                (response.status(), response.json::<Value>().await.unwrap())
            })
        })
        .collect();
    for reader in readers {
        let (status, body) = reader.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["content"], "<p>New drop</p>");
        assert_eq!(body["account"]["statuses_count"], 1);
    }
    let after = stats(&app);
    assert_eq!(after[0] - before[0], 1, "post loads");
    assert_eq!(after[1] - before[1], 1, "author loads");
    // The post's counts and its author's: once each when Redis keeps up. On
    // a busy machine part of the crowd finds no Redis connection in time;
    // those take turns too, and each turn serves everyone who arrived
    // before its load began, so a few waves load, not the crowd.
    let count_loads = after[2] - before[2];
    assert!((2..=10).contains(&count_loads), "{count_loads} count loads");
}

/// A page of twenty cold posts is one load of posts and one of authors;
/// read again, it is all hits. An edit shows at once.
#[tokio::test(flavor = "multi_thread")]
async fn a_cold_page_is_one_load_and_then_hits() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let mut posted = Vec::new();
    for n in 0..20 {
        let (_, body) = post(&app, &ann, json!({"status": format!("look {n}")})).await;
        posted.push(body["id"].as_str().unwrap().to_string());
    }
    chill(&app, &posted, &ann).await;
    let path = format!("/api/v1/accounts/{}/statuses?limit=20", ann.id);
    let before = stats(&app);
    let (status, page) = app.get_json(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page.as_array().unwrap().len(), 20);
    let cold = stats(&app);
    assert_eq!(cold[0] - before[0], 1, "post loads");
    assert_eq!(cold[1] - before[1], 1, "author loads");
    let (_, again) = app.get_json(&path).await;
    assert_eq!(again, page);
    let warm = stats(&app);
    assert_eq!(warm[3] - cold[3], 20, "hits");
    assert_eq!(warm[..3], cold[..3], "no loads when warm");

    let path_one = format!("/api/v1/statuses/{}", posted[0]);
    let response = app
        .request_as(reqwest::Method::PUT, &ann.token, &path_one)
        .json(&json!({"status": "look 0, edited"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (_, read) = app.get_json(&path_one).await;
    assert_eq!(read["content"], "<p>look 0, edited</p>");
}

/// With Memcached cut off, posts and timelines are served from PostgreSQL
/// without an error, edits still show, and the cache is used again once it
/// is back.
#[tokio::test(flavor = "multi_thread")]
async fn memcached_down_costs_speed_not_errors() {
    let mut env = TestEnv::new().await;
    let memcached = env.proxy("MEMCACHED_SERVERS").await;
    let app = TestApp::spawn_with(env, true).await;
    let ann = app.sign_up("ann").await;
    let (_, posted) = post(&app, &ann, json!({"status": "before"})).await;
    let id = posted["id"].as_str().unwrap().to_string();
    memcached.set_up(false);
    let (status, read) = app.get_json(&format!("/api/v1/statuses/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert_eq!(read["content"], "<p>before</p>");
    let response = app
        .request_as(
            reqwest::Method::PUT,
            &ann.token,
            &format!("/api/v1/statuses/{id}"),
        )
        .json(&json!({"status": "during"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (status, read) = app.get_json(&format!("/api/v1/statuses/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read["content"], "<p>during</p>");
    let (status, home) = app.read(&ann, "/api/v1/timelines/home").await;
    assert_eq!(status, StatusCode::OK, "{home}");
    assert_eq!(ids(&home), vec![id.as_str()]);

    memcached.set_up(true);
    let back = eventually(Duration::from_secs(10), || async {
        let hits = stats(&app)[3];
        let (status, _) = app.get_json(&format!("/api/v1/statuses/{id}")).await;
        status == StatusCode::OK && stats(&app)[3] > hits
    })
    .await;
    assert!(
        back,
        "the cache was not used again after Memcached came back"
    );
    let (_, read) = app.get_json(&format!("/api/v1/statuses/{id}")).await;
    assert_eq!(read["content"], "<p>during</p>");
    app.finish().await.unwrap();
}

/// With Redis cut off, the home timeline comes from PostgreSQL, posts show
/// their counts, likes still count, and after Redis returns the counts are
/// right and the feed works again.
#[tokio::test(flavor = "multi_thread")]
async fn redis_down_costs_speed_not_errors() {
    let mut env = TestEnv::new().await;
    let redis = env.proxy("REDIS_URL").await;
    let app = TestApp::spawn_with(env, true).await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let (status, _) = app
        .act(&ann, &format!("/api/v1/accounts/{}/follow", bob.id), &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, posted) = post(&app, &bob, json!({"status": "hello"})).await;
    let id = posted["id"].as_str().unwrap().to_string();
    let (_, read) = app.get_json(&format!("/api/v1/statuses/{id}")).await;
    assert_eq!(read["favourites_count"], 0);

    redis.set_up(false);
    let (status, home) = app.read(&ann, "/api/v1/timelines/home").await;
    assert_eq!(status, StatusCode::OK, "{home}");
    assert_eq!(ids(&home), vec![id.as_str()]);
    let (status, liked) = app
        .act(&ann, &format!("/api/v1/statuses/{id}/favourite"), &[])
        .await;
    assert_eq!(status, StatusCode::OK, "{liked}");
    assert_eq!(liked["favourites_count"], 1);

    redis.set_up(true);
    let right = eventually(Duration::from_secs(10), || async {
        let (status, read) = app.get_json(&format!("/api/v1/statuses/{id}")).await;
        status == StatusCode::OK && read["favourites_count"] == 1
    })
    .await;
    assert!(
        right,
        "the like made while Redis was down is not counted after it returned"
    );
    let (status, home) = app.read(&ann, "/api/v1/timelines/home").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&home), vec![id.as_str()]);
    app.finish().await.unwrap();
}

/// Anonymous reads of public things carry an ETag and a one-second public
/// lifetime, and a matching If-None-Match is a 304; with a token, nothing is
/// cacheable by others.
#[tokio::test(flavor = "multi_thread")]
async fn public_reads_carry_etags_and_private_ones_are_not_stored() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let (_, posted) = post(&app, &ann, json!({"status": "look"})).await;
    let path = format!("/api/v1/statuses/{}", posted["id"].as_str().unwrap());
    let response = app.get(&path).await;
    assert_eq!(response.headers()["cache-control"], "public, max-age=1");
    let etag = response.headers()["etag"].to_str().unwrap().to_string();
    let again = app
        .client
        .get(app.url(&path))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.bytes().await.unwrap().is_empty());
    let mine = app.get_as(&ann.token, &path).await;
    assert_eq!(mine.headers()["cache-control"], "private, no-store");
    assert!(mine.headers().get("etag").is_none());
    let home = app.get_as(&ann.token, "/api/v1/timelines/home").await;
    assert_eq!(home.headers()["cache-control"], "private, no-store");
    // An edit changes the ETag.
    let response = app
        .request_as(reqwest::Method::PUT, &ann.token, &path)
        .json(&json!({"status": "look, edited"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let changed = app.get(&path).await;
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
}

/// An instance keeps anonymous public answers for its microcache time:
/// within it, a stranger sees the post as it was (with a matching ETag
/// answered 304), while a member signed in sees the change at once; after
/// it, the stranger sees the change too.
#[tokio::test(flavor = "multi_thread")]
async fn anonymous_reads_are_kept_for_the_microcache_time_only() {
    let mut env = TestEnv::new().await;
    env.set("MICROCACHE_MS", "1500");
    let app = TestApp::spawn_with(env, true).await;
    let author = app.sign_up("author").await;
    let fan = app.sign_up("fan").await;
    let (_, posted) = post(&app, &author, json!({"status": "Linen, again"})).await;
    let id = posted["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/statuses/{id}");

    let first = app.get(&path).await;
    assert_eq!(first.status(), StatusCode::OK);
    let etag = first.headers()["etag"].clone();
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["favourites_count"], 0);

    let (status, _) = app.act(&fan, &format!("{path}/favourite"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    let loads_before = stats(&app);
    let (_, kept) = app.get_json(&path).await;
    assert_eq!(kept, first, "a stranger gets the kept answer");
    assert_eq!(
        stats(&app),
        loads_before,
        "the kept answer touched no cache"
    );
    let revalidated = app
        .client
        .get(app.url(&path))
        .header("If-None-Match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED);
    let (_, signed_in) = app.read(&author, &path).await;
    assert_eq!(
        signed_in["favourites_count"], 1,
        "members see changes at once"
    );

    tokio::time::sleep(Duration::from_millis(1600)).await;
    let (_, fresh) = app.get_json(&path).await;
    assert_eq!(
        fresh["favourites_count"], 1,
        "after the microcache time: {fresh}"
    );
}
