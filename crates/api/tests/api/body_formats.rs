//! Every operation of the OpenAPI document that takes a body answers the
//! same whether the body comes as JSON (Mastodon.py), as a form (most apps)
//! or as multipart (masto.js: Phanpy, Elk), with Rails-style nested names
//! (`fields_attributes[0][name]`, `poll[options][]`, `data[alerts][mention]`).
//!
//! The samples are in [`table`]; each format gets a world of its own (its
//! members and records), so one format's calls cannot change another's
//! answers. Form and multipart bodies come from one encoder of the JSON.

mod table;

use chrono::{Duration, Utc};
use lookbook_core::auth::secret;
use lookbook_core::db::mail_tokens::{self, NewToken, Purpose};
use lookbook_testkit::{Member, TestApp};
use reqwest::multipart::Form;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use self::table::{Caller, FILE_UPLOADS, Proof, Sample, coverage, samples};
use super::statuses::{post, ready_photo, send};

/// How a body travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Form,
    Multipart,
}

impl Format {
    const ALL: [Format; 3] = [Format::Json, Format::Form, Format::Multipart];

    fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Form => "form",
            Format::Multipart => "multipart",
        }
    }
}

/// The records one format's samples act on, made through the JSON API.
struct World {
    format: Format,
    /// The member most samples are sent as.
    me: Member,
    /// A client-credentials token of `client_id`, for sign-up.
    app_token: String,
    /// The anti-forgery cookies of the sign-in page (whose form's token is
    /// `{csrf}`) and of the sign-up page (`{sign_up_csrf}`).
    cookie: String,
    /// What each `{name}` of the table stands for here.
    placeholders: Vec<(&'static str, String)>,
}

impl World {
    /// Sets up a world: `me` follows `other`; a post of each (`other`'s
    /// with a poll that takes several choices); a ready photo, a list, a
    /// filter with a keyword, a version-1 filter and a scheduled post of
    /// `me`; a registered app, the sign-in and sign-up pages opened, and a
    /// password reset link for `third` (whom `me` mutes).
    async fn new(app: &TestApp, format: Format) -> World {
        let w = format.name();
        let me = app.sign_up(&format!("{w}_me")).await;
        let other = app.sign_up(&format!("{w}_other")).await;
        let third = app.sign_up(&format!("{w}_third")).await;
        let follow = format!("/api/v1/accounts/{}/follow", other.id);
        let (status, body) = send(app, &me, Method::POST, &follow, json!({})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let mine = id_of(post(app, &me, json!({"status": "Camel coat #outerwear"})).await);
        let poll =
            json!({"options": ["Tote", "Clutch", "Bucket"], "expires_in": 86400, "multiple": true});
        let (status, theirs) =
            post(app, &other, json!({"status": "Which bag?", "poll": poll})).await;
        assert_eq!(status, StatusCode::OK, "{theirs}");
        let photo = ready_photo(app, &me).await;
        let create = |path: &'static str, body: Value| send(app, &me, Method::POST, path, body);
        let list = id_of(create("/api/v1/lists", json!({"title": "Friends"})).await);
        let keywords = json!([{"keyword": "mink"}]);
        let filter = json!({"title": "Fur", "context": ["home"], "keywords_attributes": keywords});
        let (status, filter) = create("/api/v2/filters", filter).await;
        assert_eq!(status, StatusCode::OK, "{filter}");
        let v1_filter = id_of(
            create(
                "/api/v1/filters",
                json!({"phrase": "wool", "context": ["home"]}),
            )
            .await,
        );
        let later = (Utc::now() + Duration::hours(1)).to_rfc3339();
        let scheduled =
            id_of(post(app, &me, json!({"status": "Later", "scheduled_at": later})).await);
        let client = app.register_client("read write follow push").await;
        let app_token = app.app_token(&client, "read write").await;
        let spare_token = app.app_token(&client, "read").await;
        let sign_in = format!(
            "/oauth/authorize?response_type=code&client_id={}&scope=read\
             &redirect_uri=urn:ietf:wg:oauth:2.0:oob",
            client.client_id
        );
        let (sign_in_cookie, csrf) = form_page(app, &sign_in).await;
        let (sign_up_cookie, sign_up_csrf) = form_page(app, "/auth/sign_up").await;
        let reset_token = reset_link(app, &third).await;
        let text = |v: &Value| v.as_str().unwrap().to_string();
        let placeholders = vec![
            ("w", w.to_string()),
            ("me_name", me.username.clone()),
            ("other", other.id.clone()),
            ("third", third.id.clone()),
            ("post", mine),
            ("other_post", text(&theirs["id"])),
            ("poll", text(&theirs["poll"]["id"])),
            ("photo", photo),
            ("list", list),
            ("filter", text(&filter["id"])),
            ("keyword", text(&filter["keywords"][0]["id"])),
            ("v1_filter", v1_filter),
            ("scheduled", scheduled),
            ("client_id", client.client_id.clone()),
            ("client_secret", client.client_secret.clone()),
            ("spare_token", spare_token),
            ("csrf", csrf),
            ("sign_up_csrf", sign_up_csrf),
            ("reset_token", reset_token),
        ];
        World {
            format,
            me,
            app_token,
            cookie: format!("{sign_in_cookie}; {sign_up_cookie}"),
            placeholders,
        }
    }

    /// `text` with every `{name}` replaced; a name the world lacks fails the test.
    fn fill_text(&self, text: &str) -> String {
        let mut filled = text.to_string();
        for (name, value) in &self.placeholders {
            filled = filled.replace(&format!("{{{name}}}"), value);
        }
        assert!(
            !(filled.contains('{') && filled.contains('}')),
            "the table names a record no world has: {filled}"
        );
        filled
    }

    /// `value` with every string filled in.
    fn fill(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.fill_text(s)),
            Value::Array(items) => items.iter().map(|v| self.fill(v)).collect(),
            Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), self.fill(v))).collect(),
            other => other.clone(),
        }
    }
}

/// The id of a record the JSON API answered with 200.
fn id_of((status, body): (StatusCode, Value)) -> String {
    assert_eq!(status, StatusCode::OK, "{body}");
    body["id"].as_str().unwrap().to_string()
}

/// Opens a page with a form as a browser would: the anti-forgery cookie
/// it sets (`name=value`) and the token in its form.
async fn form_page(app: &TestApp, path: &str) -> (String, String) {
    let page = app.get(path).await;
    assert_eq!(page.status(), StatusCode::OK, "{path}");
    let cookie = page.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_string();
    let html = page.text().await.unwrap();
    let token = html
        .split("name=\"authenticity_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("{path} has no anti-forgery token"));
    (cookie, token.to_string())
}

/// A password-reset link for `member`, as the worker makes one for its
/// mail (the mail itself is not sent): the token the link carries.
async fn reset_link(app: &TestApp, member: &Member) -> String {
    let token = secret::generate();
    let mut conn = app.env.db.acquire().await.unwrap();
    let new = NewToken {
        account_id: member.id.parse().unwrap(),
        purpose: Purpose::PasswordReset,
        email: &member.email,
    };
    let id = mail_tokens::issue(&mut conn, &new).await.unwrap();
    assert!(
        mail_tokens::set_token(&mut *conn, id, &secret::hash(&token))
            .await
            .unwrap()
    );
    token
}

/// The Rails-style fields of a JSON object, as a form or multipart body
/// carries it: `a[b]` for keys, `a[]` for lists of values, `a[0][k]` for
/// lists of objects, booleans and numbers as their text.
fn fields(body: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, value) in body.as_object().expect("a body is an object") {
        flatten(name.clone(), value, &mut out);
    }
    out
}

fn flatten(name: String, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                flatten(format!("{name}[{key}]"), inner, out);
            }
        }
        Value::Array(items) => {
            for (position, item) in items.iter().enumerate() {
                let inner = if item.is_object() || item.is_array() {
                    format!("{name}[{position}]")
                } else {
                    format!("{name}[]")
                };
                flatten(inner, item, out);
            }
        }
        Value::String(text) => out.push((name, text.clone())),
        Value::Null => out.push((name, String::new())),
        scalar => out.push((name, scalar.to_string())),
    }
}

/// What came back for one sample in one world.
struct Answer {
    status: StatusCode,
    text: String,
    json: Value,
}

impl Answer {
    fn excerpt(&self) -> String {
        self.text.chars().take(240).collect()
    }
}

/// Sends `sample` in `world`'s format, as its caller.
async fn call(app: &TestApp, world: &World, sample: &Sample) -> Answer {
    let (method, _) = sample.key();
    let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
    let mut request = app
        .client
        .request(method, app.url(&world.fill_text(sample.path)));
    request = match sample.caller {
        Caller::Me => request.bearer_auth(&world.me.token),
        Caller::AppToken => request.bearer_auth(&world.app_token),
        Caller::Nobody => request,
        Caller::Browser => request.header("cookie", &world.cookie),
    };
    let body = world.fill(&sample.body);
    request = match world.format {
        Format::Json => request.json(&body),
        Format::Form => request.form(&fields(&body)),
        Format::Multipart => {
            let form = fields(&body)
                .into_iter()
                .fold(Form::new(), |form, (name, value)| form.text(name, value));
            request.multipart(form)
        }
    };
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer { status, text, json }
}

/// Whether `answer` (or what `me` reads afterwards) shows the body was read.
async fn proven(
    app: &TestApp,
    world: &World,
    proof: &Proof,
    answer: &Answer,
) -> Result<(), String> {
    let (found, pointer, expected) = match proof {
        Proof::Status => return Ok(()),
        Proof::Page(text) if answer.text.contains(text) => return Ok(()),
        Proof::Page(text) => return Err(format!("the page lacks {text:?}")),
        Proof::At(pointer, expected) => (answer.json.clone(), *pointer, world.fill(expected)),
        Proof::Then(path, pointer, expected) => {
            let (_, read) = app.read(&world.me, &world.fill_text(path)).await;
            (read, *pointer, world.fill(expected))
        }
    };
    match found.pointer(pointer) {
        Some(value) if *value == expected => Ok(()),
        value => Err(format!("{pointer} is {value:?}, not {expected}")),
    }
}

/// Each sample, sent in all three formats (each in its own world), gets
/// the answer the table expects (never 415 or a 5xx), the same in every
/// format, and that answer shows the body was read; the table covers every
/// body of the document, file uploads aside.
#[tokio::test(flavor = "multi_thread")]
async fn every_body_reads_the_same_in_json_form_and_multipart() {
    let app = TestApp::spawn().await;
    let (status, doc) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let samples = samples();
    let mut problems = coverage(&doc, &samples);
    let mut worlds = Vec::new();
    for format in Format::ALL {
        worlds.push(World::new(&app, format).await);
    }
    for sample in &samples {
        let mut answers = Vec::new();
        for world in &worlds {
            answers.push(call(&app, world, sample).await);
        }
        let statuses: Vec<u16> = answers.iter().map(|a| a.status.as_u16()).collect();
        if statuses.iter().any(|s| *s != statuses[0]) {
            problems.push(format!(
                "{}: the formats answer differently: json {}, form {}, multipart {}",
                sample.operation, statuses[0], statuses[1], statuses[2]
            ));
        }
        for (world, answer) in worlds.iter().zip(&answers) {
            let what = format!("{} as {}", sample.operation, world.format.name());
            let status = answer.status;
            if status == StatusCode::UNSUPPORTED_MEDIA_TYPE || status.is_server_error() {
                problems.push(format!("{what}: {status}: {}", answer.excerpt()));
            } else if status.as_u16() != sample.status {
                let expected = sample.status;
                problems.push(format!(
                    "{what}: {status}, not {expected}: {}",
                    answer.excerpt()
                ));
            } else if let Err(why) = proven(&app, world, &sample.proof, answer).await {
                problems.push(format!("{what}: {status}, but {why}: {}", answer.excerpt()));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s) with request bodies:\n{}",
        problems.len(),
        problems.join("\n")
    );
    println!(
        "{} operations read the same in json, form and multipart ({} file uploads aside)",
        samples.len(),
        FILE_UPLOADS.len()
    );
    app.finish().await.unwrap();
}
