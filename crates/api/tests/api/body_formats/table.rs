//! One valid sample body for every operation of the OpenAPI document that
//! takes one, written as JSON; `{name}` stands for a record of the world the
//! body is sent in (see `World::placeholders`). [`coverage`] holds the table
//! to the document: a new route with a body must be added here.

use std::collections::BTreeSet;

use serde_json::{Value, json};

/// The operations that carry a file and so are multipart by nature: the
/// only ones left out of the table.
pub const FILE_UPLOADS: &[&str] = &["POST /api/v1/media", "POST /api/v2/media"];

/// Why [`FILE_UPLOADS`] are left out.
pub const FILE_UPLOADS_REASON: &str =
    "a photo upload carries bytes, which only a multipart body can hold";

/// A valid RFC 8291 receiver key and secret (the RFC's example receiver).
const P256DH: &str =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";

/// A time to move the scheduled post to, as the API writes times.
const LATER: &str = "2031-05-01T09:30:00.000Z";

/// Who sends a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// The world's `me`, with every scope.
    Me,
    /// An app token (client credentials), as sign-up needs.
    AppToken,
    /// No token: the OAuth endpoints and the password pages.
    Nobody,
    /// A browser that opened the sign-in and sign-up pages: their
    /// anti-forgery cookies.
    Browser,
}

/// What in the answer shows the body was read (where a 2xx would also come
/// from an empty body, or the answer is an error that names a field).
#[derive(Debug, Clone)]
pub enum Proof {
    /// Nothing beyond the status: an empty body would be refused.
    Status,
    /// The JSON answer holds this value at this pointer.
    At(&'static str, Value),
    /// `GET path` as `me` afterwards holds this value at this pointer.
    Then(&'static str, &'static str, Value),
    /// The HTML answer contains this text.
    Page(&'static str),
}

/// One operation's sample.
#[derive(Debug, Clone)]
pub struct Sample {
    /// `METHOD path` as the document names the operation.
    pub operation: &'static str,
    /// The path called, with placeholders for ids.
    pub path: &'static str,
    pub caller: Caller,
    pub body: Value,
    pub status: u16,
    pub proof: Proof,
}

impl Sample {
    /// The document's method (lower case) and path.
    pub fn key(&self) -> (String, String) {
        key(self.operation)
    }

    fn at(mut self, path: &'static str) -> Sample {
        self.path = path;
        self
    }

    fn by(mut self, caller: Caller) -> Sample {
        self.caller = caller;
        self
    }

    fn answers(mut self, status: u16) -> Sample {
        self.status = status;
        self
    }

    fn proving(mut self, proof: Proof) -> Sample {
        self.proof = proof;
        self
    }
}

/// The document's method (lower case) and path of `METHOD path`.
fn key(operation: &str) -> (String, String) {
    let (method, path) = operation.split_once(' ').expect("METHOD path");
    (method.to_ascii_lowercase(), path.to_string())
}

fn op(operation: &'static str, body: Value) -> Sample {
    let (_, path) = operation.split_once(' ').expect("METHOD path");
    Sample {
        operation,
        path,
        caller: Caller::Me,
        body,
        status: 200,
        proof: Proof::Status,
    }
}

fn at(pointer: &'static str, value: Value) -> Proof {
    Proof::At(pointer, value)
}

/// Every sample, in the order they are sent (later ones may rely on
/// earlier ones: the push subscription is changed after it is made).
pub fn samples() -> Vec<Sample> {
    use Caller::{AppToken, Browser, Nobody};
    let error = |text: &'static str| at("/error", json!(text));
    vec![
        op("POST /api/v1/apps", json!({
            "client_name": "Body formats", "scopes": "read write", "website": "https://app.example",
            "redirect_uris": ["urn:ietf:wg:oauth:2.0:oob", "https://app.example/cb"],
        }))
        .by(Nobody)
        .proving(at("/redirect_uris/1", json!("https://app.example/cb"))),
        op("POST /api/v1/accounts", json!({
            "username": "{w}_newbie", "email": "{w}_newbie@example.com",
            "password": "a long enough password", "agreement": true, "locale": "fr",
        }))
        .by(AppToken)
        .proving(at("/scope", json!("read write"))),
        op("POST /oauth/token", json!({
            "grant_type": "password", "client_id": "{client_id}",
            "client_secret": "{client_secret}", "username": "{me_name}",
            "password": "a long enough password", "scope": "read",
        }))
        .by(Nobody)
        .proving(at("/scope", json!("read"))),
        op("POST /oauth/revoke", json!({
            "client_id": "{client_id}", "client_secret": "{client_secret}",
            "token": "{spare_token}",
        }))
        .by(Nobody),
        op("POST /oauth/authorize", json!({
            "response_type": "code", "client_id": "{client_id}", "scope": "read",
            "redirect_uri": "urn:ietf:wg:oauth:2.0:oob", "authenticity_token": "{csrf}",
            "username": "{me_name}", "password": "a long enough password",
        }))
        .by(Browser)
        .proving(Proof::Page("id=\"code\"")),
        op("POST /auth/sign_up", json!({
            "authenticity_token": "{sign_up_csrf}", "return_to": "/oauth/authorize",
            "username": "{w}_webbie", "email": "{w}_webbie@example.com",
            "password": "a long enough password", "agreement": true,
        }))
        .by(Browser)
        .proving(Proof::Page("Your account is made")),
        op("POST /auth/password", json!({"email": "nobody@example.com"}))
            .by(Nobody)
            .proving(Proof::Page("Check your inbox")),
        op("POST /auth/password/edit", json!({
            "reset_password_token": "{reset_token}",
            "password": "another long password", "password_confirmation": "another long password",
        }))
        .by(Nobody)
        .proving(Proof::Page("Your password is changed")),
        // Test members are confirmed, so a resend is refused; an address
        // that is not one is refused first, which shows it was read.
        op("POST /api/v1/emails/confirmations", json!({"email": "not-an-address"}))
            .answers(422)
            .proving(error("Validation failed: E-mail address is invalid")),
        op("PATCH /api/v1/accounts/update_credentials", json!({
            "display_name": "Me, renamed", "note": "Linen and denim", "locked": false, "bot": false,
            "source": {"privacy": "unlisted", "sensitive": true, "language": "fr"},
            "fields_attributes": [
                {"name": "Site", "value": "https://me.example"},
                {"name": "Pronouns", "value": "they"},
            ],
        }))
        .proving(at("/fields/1/name", json!("Pronouns"))),
        op("PATCH /api/lookbook/v1/mail_preferences", json!({
            "digest": false, "digest_types": ["mention", "follow"],
        }))
        .proving(at("/digest_types", json!(["mention", "follow"]))),
        op("POST /api/v1/accounts/{id}/note", json!({"comment": "Met at the fair"}))
            .at("/api/v1/accounts/{other}/note")
            .proving(at("/note", json!("Met at the fair"))),
        op("POST /api/v1/accounts/{id}/follow", json!({
            "reblogs": false, "notify": true, "languages": ["en", "fr"],
        }))
        .at("/api/v1/accounts/{other}/follow")
        .proving(at("/showing_reblogs", json!(false))),
        op("POST /api/v1/accounts/{id}/mute", json!({"notifications": false, "duration": 3600}))
            .at("/api/v1/accounts/{third}/mute")
            .proving(at("/muting_notifications", json!(false))),
        op("POST /api/v1/domain_blocks", json!({"domain": "spam.example"}))
            .proving(Proof::Then("/api/v1/domain_blocks", "/0", json!("spam.example"))),
        op("POST /api/v1/featured_tags", json!({"name": "#Linen"}))
            .proving(at("/name", json!("linen"))),
        op("POST /api/v1/statuses", json!({
            "status": "Which shoes? #ootd", "visibility": "unlisted", "language": "en",
            "spoiler_text": "A poll",
            "poll": {"options": ["Loafers", "Boots", "Sneakers"], "expires_in": 86400,
                     "multiple": true, "hide_totals": false},
        }))
        .proving(at("/poll/options/2/title", json!("Sneakers"))),
        op("PUT /api/v1/statuses/{id}", json!({
            "status": "Camel coat, edited #outerwear", "sensitive": true, "media_ids": ["{photo}"],
            "media_attributes": [
                {"id": "{photo}", "description": "Alt from the edit", "focus": "0.1,0.2"},
            ],
        }))
        .at("/api/v1/statuses/{post}")
        .proving(at("/media_attachments/0/description", json!("Alt from the edit"))),
        op("PUT /api/v1/media/{id}", json!({
            "description": "Camel coat, side view", "focus": "-0.5,0.25",
        }))
            .at("/api/v1/media/{photo}")
            .proving(at("/description", json!("Camel coat, side view"))),
        op("POST /api/lookbook/v1/media/{id}/items", json!({
            "brand": "Acne Studios", "name": "1996 jeans", "category": "bottoms",
            "url": "https://acne.example/jeans", "price": "129.90", "currency": "eur",
            "x": 0.4, "y": 0.6,
        }))
        .at("/api/lookbook/v1/media/{photo}/items")
        .proving(at("/currency", json!("EUR"))),
        op("POST /api/v1/statuses/{id}/reblog", json!({"visibility": "unlisted"}))
            .at("/api/v1/statuses/{other_post}/reblog")
            .proving(at("/visibility", json!("unlisted"))),
        op("POST /api/v1/polls/{id}/votes", json!({"choices": [0, 2]}))
            .at("/api/v1/polls/{poll}/votes")
            .proving(at("/own_votes", json!([0, 2]))),
        op("PUT /api/v1/scheduled_statuses/{id}", json!({"scheduled_at": LATER}))
            .at("/api/v1/scheduled_statuses/{scheduled}")
            .proving(at("/scheduled_at", json!(LATER))),
        op("POST /api/v1/reports", json!({
            "account_id": "{other}", "status_ids": ["{other_post}"], "comment": "Spam",
            "category": "spam", "forward": true,
        }))
        .proving(at("/status_ids", json!(["{other_post}"]))),
        op("POST /api/v1/lists", json!({
            "title": "Tailoring", "replies_policy": "followed", "exclusive": true,
        }))
            .proving(at("/replies_policy", json!("followed"))),
        op("PUT /api/v1/lists/{id}", json!({"title": "Knitwear", "replies_policy": "none"}))
            .at("/api/v1/lists/{list}")
            .proving(at("/title", json!("Knitwear"))),
        op("POST /api/v1/lists/{id}/accounts", json!({"account_ids": ["{other}"]}))
            .at("/api/v1/lists/{list}/accounts")
            .proving(Proof::Then("/api/v1/lists/{list}/accounts", "/0/id", json!("{other}"))),
        op("POST /api/v2/filters", json!({
            "title": "Exotic skins", "context": ["home", "public"], "filter_action": "hide",
            "expires_in": 86400,
            "keywords_attributes": [
                {"keyword": "mink", "whole_word": false},
                {"keyword": "fox fur"},
            ],
        }))
        .proving(at("/keywords/1/keyword", json!("fox fur"))),
        op("PUT /api/v2/filters/{id}", json!({
            "title": "Furs", "context": ["home"],
            "keywords_attributes": [{"id": "{keyword}", "keyword": "sable", "whole_word": false}],
        }))
        .at("/api/v2/filters/{filter}")
        .proving(at("/keywords/0/keyword", json!("sable"))),
        op("POST /api/v2/filters/{id}/keywords", json!({"keyword": "ermine", "whole_word": false}))
            .at("/api/v2/filters/{filter}/keywords")
            .proving(at("/whole_word", json!(false))),
        op("PUT /api/v2/filters/keywords/{id}", json!({"keyword": "astrakhan"}))
            .at("/api/v2/filters/keywords/{keyword}")
            .proving(at("/keyword", json!("astrakhan"))),
        op("POST /api/v2/filters/{id}/statuses", json!({"status_id": "{other_post}"}))
            .at("/api/v2/filters/{filter}/statuses")
            .proving(at("/status_id", json!("{other_post}"))),
        op("POST /api/v1/filters", json!({
            "phrase": "leather", "context": ["home", "notifications"], "irreversible": true,
            "whole_word": false, "expires_in": 3600,
        }))
        .proving(at("/irreversible", json!(true))),
        op("PUT /api/v1/filters/{id}", json!({"phrase": "suede", "context": ["public"]}))
            .at("/api/v1/filters/{v1_filter}")
            .proving(at("/context", json!(["public"]))),
        op("POST /api/v1/markers", json!({"home": {"last_read_id": "{other_post}"}}))
            .proving(at("/home/last_read_id", json!("{other_post}"))),
        op("PATCH /api/v2/notifications/policy", json!({
            "for_not_following": "filter", "for_new_accounts": "drop",
        }))
        .proving(at("/for_new_accounts", json!("drop"))),
        op("PUT /api/v1/notifications/policy", json!({
            "filter_not_followers": true, "filter_private_mentions": false,
        }))
        .proving(at("/filter_not_followers", json!(true))),
        op("POST /api/v1/notifications/requests/accept", json!({"id": ["{other}"]})),
        op("POST /api/v1/notifications/requests/dismiss", json!({"id": ["{third}"]})),
        op("POST /api/v1/push/subscription", json!({
            "subscription": {"endpoint": "https://push.example.com/{w}", "standard": true,
                             "keys": {"p256dh": P256DH, "auth": AUTH}},
            "data": {"alerts": {"mention": true, "favourite": false}, "policy": "followed"},
        }))
        .proving(at("/policy", json!("followed"))),
        op("PUT /api/v1/push/subscription", json!({
            "data": {"alerts": {"favourite": true, "follow": true}, "policy": "follower"},
        }))
        .proving(at("/alerts/favourite", json!(true))),
        // No native push channel is configured here: the refusal names the
        // platform, which only a body that was read can give.
        op("POST /api/lookbook/v1/devices", json!({
            "platform": "fcm", "token": "fcm-registration:{w}-0123456789abcdef0123456789",
            "alerts": {"favourite": false, "mention": true},
        }))
        .answers(422)
        .proving(error("Validation failed: this server does not send pushes through fcm")),
    ]
}

/// The `(method, path)` of every POST, PUT and PATCH the document gives a body.
fn body_operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["post", "put", "patch"] {
            if item[method]["requestBody"].is_object() {
                found.insert((method.to_string(), path.clone()));
            }
        }
    }
    found
}

/// The table and the document name the same operations, the file uploads
/// aside; what differs, as problems.
pub fn coverage(doc: &Value, samples: &[Sample]) -> Vec<String> {
    let documented = body_operations(doc);
    let uploads: BTreeSet<_> = FILE_UPLOADS.iter().map(|op| key(op)).collect();
    let mut problems = Vec::new();
    let mut tabled = BTreeSet::new();
    for sample in samples {
        let op = sample.key();
        if !tabled.insert(op.clone()) {
            problems.push(format!("{}: in the table twice", sample.operation));
        }
        if uploads.contains(&op) {
            problems.push(format!(
                "{}: a file upload, not for the table",
                sample.operation
            ));
        }
        if !documented.contains(&op) {
            problems.push(format!(
                "{}: in the table, not in the document",
                sample.operation
            ));
        }
    }
    for (method, path) in documented.difference(&tabled) {
        if !uploads.contains(&(method.clone(), path.clone())) {
            let op = method.to_ascii_uppercase();
            problems.push(format!(
                "{op} {path}: takes a body; add a sample to the table"
            ));
        }
    }
    for (method, path) in &uploads {
        let content = &doc["paths"][path.as_str()][method.as_str()]["requestBody"]["content"];
        let types: Vec<&String> = content
            .as_object()
            .map(|c| c.keys().collect())
            .unwrap_or_default();
        if types != ["multipart/form-data"] {
            let op = method.to_ascii_uppercase();
            problems.push(format!(
                "{op} {path}: left out because {FILE_UPLOADS_REASON}, yet documented as {types:?}"
            ));
        }
    }
    problems
}
