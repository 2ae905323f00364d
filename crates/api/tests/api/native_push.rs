//! Native push end to end: phones registered through the API, and the
//! worker sending through APNs (HTTP/2, an ES256 provider token) and FCM
//! HTTP v1 (an OAuth 2 token traded for a service account's RS256 JWT),
//! to the stand-ins of [`crate::push_services`].

use std::time::{Duration, Instant};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use lookbook_testkit::nginx::free_port;
use lookbook_testkit::{Member, TestApp, TestEnv};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::push_services::{Answer, PushServices, Received, verified_jwt};

const APNS_DEVICE: &str = "0f3c7a9e5b1d2c4f6a8e0b2d4f6a8c0e1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c0e";
const FCM_DEVICE: &str = "cX1yZ2w3:APA91bH_test-registration-token_0123456789abcdefABCDEF";
const TEAM: &str = "TEAM123456";
const KEY_ID: &str = "KEY9876543";
const TOPIC: &str = "social.lookbook.app";
const CLIENT_EMAIL: &str = "push@lookbook-test.iam.gserviceaccount.com";

fn pem(label: &str, der: &[u8]) -> String {
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        STANDARD.encode(der)
    )
}

/// Apple's and Google's keys for this test: the files the worker reads,
/// and the public halves the fakes check signatures with.
struct Keys {
    apns_file: String,
    apns_public: Vec<u8>,
    fcm_file: String,
    fcm_public: Vec<u8>,
    token_uri: String,
}

fn keys(fake_port: u16) -> Keys {
    let dir = std::env::temp_dir().join(format!("lookbook-native-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pkcs8 =
        EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .unwrap();
    let apns_public = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref())
        .unwrap()
        .public_key()
        .as_ref()
        .to_vec();
    let apns_file = dir.join("AuthKey.p8");
    std::fs::write(&apns_file, pem("PRIVATE KEY", pkcs8.as_ref())).unwrap();
    let rsa = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
    let token_uri = format!("http://127.0.0.1:{fake_port}/token");
    let account = json!({
        "type": "service_account",
        "project_id": "lookbook-test",
        "private_key_id": "k1",
        "private_key": pem("PRIVATE KEY", rsa.as_der().unwrap().as_ref()),
        "client_email": CLIENT_EMAIL,
        "token_uri": token_uri,
    });
    let fcm_file = dir.join("service-account.json");
    std::fs::write(&fcm_file, account.to_string()).unwrap();
    Keys {
        apns_file: apns_file.to_string_lossy().into_owned(),
        apns_public,
        fcm_file: fcm_file.to_string_lossy().into_owned(),
        fcm_public: rsa.public_key().as_ref().to_vec(),
        token_uri,
    }
}

/// Waits until `fake` has `n` requests of `service` for `device` that
/// `keep` keeps, and answers them.
async fn wait_for(
    fake: &PushServices,
    service: &str,
    device: &str,
    n: usize,
    keep: impl Fn(&Received) -> bool,
) -> Vec<Received> {
    let deadline = Instant::now() + Duration::from_secs(45);
    loop {
        let got: Vec<Received> = fake
            .received(service, Some(device))
            .into_iter()
            .filter(|r| keep(r))
            .collect();
        if got.len() >= n {
            return got;
        }
        assert!(
            Instant::now() < deadline,
            "{service} got {} of {n} pushes: {got:?}",
            got.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The notification type of an APNs or FCM push.
fn kind(r: &Received) -> &str {
    let data = if r.service == "apns" {
        &r.body
    } else {
        &r.body["message"]["data"]
    };
    data["notification_type"].as_str().unwrap_or_default()
}

async fn register(app: &TestApp, who: &Member, form: &[(&str, &str)]) -> (StatusCode, Value) {
    app.act(who, "/api/lookbook/v1/devices", form).await
}

/// A phone registered for Ann buzzes once when her post is liked by six
/// members in a row, then shows one quiet summary ("… and 5 others liked
/// your post") under the same collapse id, on both platforms. Every APNs
/// push goes over HTTP/2 with a provider token signed by the configured
/// key; FCM's OAuth token is fetched once, with a signed service-account
/// JWT, and reused. A 429 is retried no sooner than its Retry-After, a 500
/// is retried, each sent once; a device its service no longer knows is
/// forgotten.
#[tokio::test(flavor = "multi_thread")]
async fn a_burst_of_likes_buzzes_a_phone_once() {
    let fake_port = free_port();
    let fake = PushServices::start(fake_port).await;
    let keys = keys(fake_port);
    let base = format!("http://127.0.0.1:{fake_port}");
    let mut env = TestEnv::new().await;
    env.set("APNS_URL", base.clone());
    env.set("APNS_KEY_FILE", keys.apns_file.clone());
    env.set("APNS_KEY_ID", KEY_ID);
    env.set("APNS_TEAM_ID", TEAM);
    env.set("APNS_TOPIC", TOPIC);
    env.set("FCM_URL", base);
    env.set("FCM_SERVICE_ACCOUNT_FILE", keys.fcm_file.clone());
    // Room for the likes after the first to be made and handled, however
    // busy the machine.
    env.set("NATIVE_PUSH_COLLAPSE_MS", "12000");
    env.set("NATIVE_PUSH_SWEEP_MS", "200");
    env.set("TASK_RETRY_MAX_MS", "3200");
    env.set("LIMIT_API_PER_TOKEN", "1000000");
    let app = TestApp::spawn_with(env, true).await;
    let ann = app.sign_up("ann").await;

    for (form, why) in [
        ([("platform", "ios"), ("token", APNS_DEVICE)], "platform"),
        (
            [("platform", "apns"), ("token", "xyz")],
            "APNs device token",
        ),
        (
            [("platform", "fcm"), ("token", "short")],
            "FCM registration token",
        ),
    ] {
        let (status, body) = register(&app, &ann, &form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["error"].as_str().unwrap().contains(why), "{body}");
    }
    let upper = APNS_DEVICE.to_ascii_uppercase();
    let (status, phone) = register(&app, &ann, &[("platform", "apns"), ("token", &upper)]).await;
    assert_eq!(status, StatusCode::OK, "{phone}");
    assert_eq!(
        phone["token"], APNS_DEVICE,
        "APNs tokens are kept in lower case"
    );
    let (status, _) = register(&app, &ann, &[("platform", "fcm"), ("token", FCM_DEVICE)]).await;
    assert_eq!(status, StatusCode::OK);
    let (_, listed) = app.read(&ann, "/api/lookbook/v1/devices").await;
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");
    assert_eq!(listed[0]["alerts"]["favourite"], true);

    let mut likers = Vec::new();
    for name in ["bob", "cem", "dia", "eli", "fay", "gus"] {
        likers.push(app.sign_up(name).await);
    }
    let (_, post) = app
        .act(&ann, "/api/v1/statuses", &[("status", "New coat")])
        .await;
    let like = format!(
        "/api/v1/statuses/{}/favourite",
        post["id"].as_str().unwrap()
    );
    app.act(&likers[0], &like, &[]).await;
    wait_for(&fake, "apns", APNS_DEVICE, 1, |_| true).await;
    for liker in &likers[1..] {
        let (status, _) = app.act(liker, &like, &[]).await;
        assert_eq!(status, StatusCode::OK);
    }
    let apns = wait_for(&fake, "apns", APNS_DEVICE, 2, |_| true).await;
    let fcm = wait_for(&fake, "fcm", FCM_DEVICE, 2, |_| true).await;
    // Nothing more comes of the burst: nothing waits for a summary and
    // every task is done.
    let deadline = Instant::now() + Duration::from_secs(45);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "select count(*) from device_push_groups where pending_notification_id is not null",
        )
        .fetch_one(&app.env.db)
        .await
        .unwrap();
        if waiting == 0 && app.unfinished_tasks().await.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "the burst's pushes never ended");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(fake.received("apns", Some(APNS_DEVICE)).len(), 2);
    assert_eq!(fake.received("fcm", Some(FCM_DEVICE)).len(), 2);

    let (first, summary) = (&apns[0], &apns[1]);
    assert_eq!(first.version, axum::http::Version::HTTP_2);
    assert_eq!(first.headers["apns-topic"], TOPIC);
    assert_eq!(first.headers["apns-push-type"], "alert");
    let collapse = first.headers["apns-collapse-id"].to_str().unwrap();
    assert!(collapse.starts_with("favourite-"), "{collapse}");
    assert_eq!(summary.headers["apns-collapse-id"], collapse);
    assert_eq!(first.body["aps"]["alert"]["title"], "bob liked your post");
    assert_eq!(first.body["aps"]["sound"], "default");
    assert_eq!(first.headers["apns-priority"], "10");
    let title = summary.body["aps"]["alert"]["title"].as_str().unwrap();
    assert!(title.ends_with(" and 5 others liked your post"), "{title}");
    assert!(
        summary.body["aps"].get("sound").is_none(),
        "the summary buzzes"
    );
    assert_eq!(summary.body["count"], 6);
    for push in &apns {
        let bearer = push.headers["authorization"].to_str().unwrap();
        let jwt = bearer
            .strip_prefix("bearer ")
            .expect("a bearer provider token");
        let (header, claims) = verified_jwt(jwt, &keys.apns_public);
        assert_eq!(header["kid"], KEY_ID);
        assert_eq!(claims["iss"], TEAM);
        let age = chrono::Utc::now().timestamp() - claims["iat"].as_i64().unwrap();
        assert!((-5..600).contains(&age), "iat is {age} s old");
    }

    let android = |r: &Received| r.body["message"]["android"].clone();
    assert_eq!(android(&fcm[0])["collapse_key"], collapse);
    assert_eq!(android(&fcm[1])["collapse_key"], collapse);
    assert_eq!(android(&fcm[0])["priority"], "high");
    assert_eq!(android(&fcm[1])["priority"], "normal");
    assert_eq!(android(&fcm[1])["notification"]["notification_count"], 6);
    assert_eq!(fcm[0].body["message"]["token"], FCM_DEVICE);

    // A mention: APNs asks to wait a second, FCM fails once; each is sent once.
    fake.script(
        APNS_DEVICE,
        vec![Answer {
            status: 429,
            retry_after: Some("1"),
            body: json!({"reason": "TooManyRequests"}),
        }],
    );
    fake.script(
        FCM_DEVICE,
        vec![Answer {
            status: 500,
            retry_after: None,
            body: json!({"error": {"code": 500, "status": "INTERNAL"}}),
        }],
    );
    app.act(
        &likers[0],
        "/api/v1/statuses",
        &[("status", "@ann that coat!")],
    )
    .await;
    let is_mention = |r: &Received| kind(r) == "mention";
    let tries = wait_for(&fake, "apns", APNS_DEVICE, 2, is_mention).await;
    assert_eq!((tries[0].status, tries[1].status), (429, 200));
    let waited = tries[1].at - tries[0].at;
    assert!(waited >= Duration::from_secs(1), "retried after {waited:?}");
    let tries = wait_for(&fake, "fcm", FCM_DEVICE, 2, is_mention).await;
    assert_eq!((tries[0].status, tries[1].status), (500, 200));
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        fake.received("apns", Some(APNS_DEVICE))
            .iter()
            .filter(|r| is_mention(r))
            .count(),
        2,
        "the mention was pushed again"
    );

    // One OAuth token served every FCM push; its JWT was the service account's.
    let tokens = fake.received("token", None);
    assert_eq!(tokens.len(), 1, "the access token was not kept");
    assert_eq!(
        tokens[0].form["grant_type"],
        "urn:ietf:params:oauth:grant-type:jwt-bearer"
    );
    let (_, claims) = verified_jwt(&tokens[0].form["assertion"], &keys.fcm_public);
    assert_eq!(claims["iss"], CLIENT_EMAIL);
    assert_eq!(claims["aud"], keys.token_uri);
    assert_eq!(
        claims["scope"],
        "https://www.googleapis.com/auth/firebase.messaging"
    );
    let issued = tokens[0].body["access_token"].as_str().unwrap();
    for push in fake.received("fcm", None) {
        assert_eq!(push.headers["authorization"], format!("Bearer {issued}"));
    }

    // The app is gone from both phones: their services say so, and the
    // devices are forgotten.
    fake.script(
        APNS_DEVICE,
        vec![Answer {
            status: 410,
            retry_after: None,
            body: json!({"reason": "Unregistered"}),
        }],
    );
    fake.script(
        FCM_DEVICE,
        vec![Answer {
            status: 404,
            retry_after: None,
            body: json!({"error": {"code": 404, "status": "NOT_FOUND", "details": [
                {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                 "errorCode": "UNREGISTERED"}]}}),
        }],
    );
    let ann_id = ann.id.clone();
    app.act(
        &likers[1],
        &format!("/api/v1/accounts/{ann_id}/follow"),
        &[],
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(45);
    loop {
        let (_, listed) = app.read(&ann, "/api/lookbook/v1/devices").await;
        if listed.as_array().unwrap().is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "devices still kept: {listed}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.finish().await.unwrap();
}

/// A server without APNs or FCM credentials says so to an app that
/// registers, and deleting a device needs no channel.
#[tokio::test(flavor = "multi_thread")]
async fn an_unconfigured_channel_is_refused() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let (status, body) =
        register(&app, &ann, &[("platform", "apns"), ("token", APNS_DEVICE)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"].as_str().unwrap().contains("apns"), "{body}");
    let response = app
        .request_as(
            reqwest::Method::DELETE,
            &ann.token,
            "/api/lookbook/v1/devices",
        )
        .form(&[("platform", "fcm"), ("token", FCM_DEVICE)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    app.finish().await.unwrap();
}
