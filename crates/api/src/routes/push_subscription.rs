//! `/api/v1/push/subscription`: the Web Push subscription of the token in
//! use (one per token, as in Mastodon): subscribe, read, change which
//! notifications are pushed, unsubscribe.

use axum::Json;
use axum::extract::{OriginalUri, State};
use axum::http::HeaderMap;
use lookbook_core::db::push_subscriptions::{self, NewSubscription};
use lookbook_core::webpush::{self, ece};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{Auth, bearer_of};
use crate::entities::push::WebPushSubscription;
use crate::error::{ApiError, ApiResult};
use crate::params::{Params, flex_bool, flex_string, truthy};

/// The notification types a subscription may ask to have pushed.
const ALERTS: &[&str] = &[
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "admin.sign_up",
    "admin.report",
    "quote",
    "quoted_update",
];
const POLICIES: &[&str] = &["all", "followed", "follower", "none"];
/// The longest endpoint URL taken.
const ENDPOINT_MAX: usize = 2048;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(subscribe, show, change, unsubscribe))
}

/// The body of `POST /api/v1/push/subscription` (a form or JSON); `PUT`
/// reads only its `data` part.
#[derive(utoipa::ToSchema)]
#[schema(as = PushSubscriptionForm)]
#[allow(dead_code)] // it only describes the form
struct PushSubscriptionForm {
    /// The push service's URL for this browser or phone (https, on the
    /// public internet).
    #[schema(
        rename = "subscription[endpoint]",
        max_length = 2048,
        pattern = "^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[!-~]*)?$"
    )]
    subscription_endpoint: Option<String>,
    /// The subscriber's P-256 public key (65 bytes), base64.
    #[schema(rename = "subscription[keys][p256dh]")]
    subscription_keys_p256dh: Option<String>,
    /// The subscriber's authentication secret (16 bytes), base64.
    #[schema(rename = "subscription[keys][auth]")]
    subscription_keys_auth: Option<String>,
    /// RFC 8291 encryption (`aes128gcm`) when true; the older `aesgcm` when
    /// false (the default). A boolean read as Mastodon reads it.
    #[schema(rename = "subscription[standard]")]
    subscription_standard: Option<String>,
    /// Push mentions; likewise `data[alerts][status]`, `[reblog]`, `[follow]`,
    /// `[follow_request]`, `[favourite]`, `[poll]`, `[update]`. Booleans read
    /// as Mastodon reads them.
    #[schema(rename = "data[alerts][mention]")]
    data_alerts_mention: Option<String>,
    #[schema(rename = "data[alerts][favourite]")]
    data_alerts_favourite: Option<String>,
    #[schema(rename = "data[alerts][follow]")]
    data_alerts_follow: Option<String>,
    /// From whom: all (the default), followed, follower or none.
    #[schema(rename = "data[policy]", pattern = "^(all|followed|follower|none)?$")]
    data_policy: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Keys {
    #[serde(default, deserialize_with = "flex_string")]
    p256dh: Option<String>,
    #[serde(default, deserialize_with = "flex_string")]
    auth: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct SubscriptionParams {
    #[serde(default, deserialize_with = "flex_string")]
    endpoint: Option<String>,
    #[serde(default)]
    keys: Option<Keys>,
    #[serde(default, deserialize_with = "flex_bool")]
    standard: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
struct DataParams {
    #[serde(default)]
    alerts: Option<Map<String, Value>>,
    #[serde(default, deserialize_with = "flex_string")]
    policy: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct PushParams {
    #[serde(default)]
    subscription: Option<SubscriptionParams>,
    #[serde(default)]
    data: Option<DataParams>,
    /// Where Mastodon.py puts the policy.
    #[serde(default, deserialize_with = "flex_string")]
    policy: Option<String>,
}

impl PushParams {
    /// The alerts and policy asked for.
    fn data(&self) -> ApiResult<(Value, String)> {
        let data = self.data.as_ref();
        let mut alerts = Map::new();
        for (name, value) in data.and_then(|d| d.alerts.as_ref()).into_iter().flatten() {
            if ALERTS.contains(&name.as_str()) {
                alerts.insert(name.clone(), truthy(value).unwrap_or(false).into());
            }
        }
        let policy = data
            .and_then(|d| d.policy.clone())
            .or_else(|| self.policy.clone())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "all".into());
        if !POLICIES.contains(&policy.as_str()) {
            return Err(ApiError::Unprocessable(format!(
                "Validation failed: policy must be all, followed, follower or none, not '{}'",
                crate::params::truncate(&policy)
            )));
        }
        Ok((Value::Object(alerts), policy))
    }
}

/// The token's id and its account; push needs a member's token with `push`.
fn member(auth: &Auth) -> ApiResult<(i64, i64)> {
    let account = auth.user_with("push")?;
    Ok((auth.grant.id, account))
}

/// A push service's URL: https on the public internet (http and private
/// addresses too where `PUSH_ALLOW_PRIVATE_ADDRESSES` says so).
fn check_endpoint(state: &AppState, endpoint: &str) -> ApiResult<()> {
    let lab = state.config.push.allow_private_addresses;
    let refuse = |why: &str| {
        Err(ApiError::Unprocessable(format!(
            "Validation failed: subscription[endpoint] {why}"
        )))
    };
    if endpoint.len() > ENDPOINT_MAX || webpush::origin(endpoint).is_none() {
        return refuse("must be an http or https URL");
    }
    if !lab && !endpoint.to_ascii_lowercase().starts_with("https://") {
        return refuse("must be an https URL");
    }
    if !lab && webpush::literal_address(endpoint).is_some_and(|ip| !webpush::is_public(ip)) {
        return refuse("must be on the public internet");
    }
    Ok(())
}

fn key(field: &str, text: Option<&String>, len: usize) -> ApiResult<Vec<u8>> {
    text.filter(|t| !t.is_empty())
        .and_then(|t| webpush::decode_base64(t))
        .filter(|bytes| bytes.len() == len)
        .ok_or_else(|| {
            ApiError::Unprocessable(format!(
                "Validation failed: subscription[keys][{field}] must be {len} bytes in base64"
            ))
        })
}

/// Subscribes the token to Web Push, replacing its subscription.
#[utoipa::path(post, path = "/api/v1/push/subscription", tag = "push",
    request_body(content = PushSubscriptionForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The subscription", body = WebPushSubscription),
              (status = 400, description = "No subscription given"),
              (status = 422, description = "An endpoint, key or policy that cannot be used")))]
async fn subscribe(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    auth: Auth,
    Params(p): Params<PushParams>,
) -> ApiResult<Json<WebPushSubscription>> {
    let (token_id, account) = member(&auth)?;
    let sub = p.subscription.as_ref().ok_or_else(|| {
        ApiError::BadRequest("param is missing or the value is empty: subscription".into())
    })?;
    let endpoint = sub.endpoint.as_deref().unwrap_or_default().trim();
    check_endpoint(&state, endpoint)?;
    let keys = sub.keys.as_ref();
    let p256dh = key(
        "p256dh",
        keys.and_then(|k| k.p256dh.as_ref()),
        webpush::PUBLIC_KEY_LEN,
    )?;
    let secret = key(
        "auth",
        keys.and_then(|k| k.auth.as_ref()),
        webpush::AUTH_LEN,
    )?;
    ece::check_keys(&p256dh, &secret)
        .map_err(|e| ApiError::Unprocessable(format!("Validation failed: {e}")))?;
    let (alerts, policy) = p.data()?;
    let vapid = state.vapid().await?;
    // The request carries the token; pushes carry it back (sealed at rest).
    let token = bearer_of(&headers, &uri).unwrap_or_default();
    let sealed = vapid.seal_token(&token, token_id);
    let made = push_subscriptions::replace(
        &state.db.primary,
        &NewSubscription {
            token_id,
            account_id: account,
            endpoint,
            p256dh: &p256dh,
            auth: &secret,
            standard: sub.standard.unwrap_or(false),
            alerts: &alerts,
            policy: &policy,
            sealed_token: &sealed,
        },
    )
    .await?;
    Ok(Json(WebPushSubscription::new(made, vapid.public_key())))
}

/// The token's subscription.
#[utoipa::path(get, path = "/api/v1/push/subscription", tag = "push",
    responses((status = 200, description = "The subscription", body = WebPushSubscription),
              (status = 404, description = "The token has none")))]
async fn show(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<WebPushSubscription>> {
    let (token_id, _) = member(&auth)?;
    let sub = push_subscriptions::of_token(&state.db.primary, token_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(WebPushSubscription::new(sub, state.vapid_key().await)))
}

/// Changes which notifications are pushed (`data[alerts][...]`,
/// `data[policy]`); what is not sent is off.
#[utoipa::path(put, path = "/api/v1/push/subscription", tag = "push",
    request_body(content = PushSubscriptionForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The subscription", body = WebPushSubscription),
              (status = 404, description = "The token has none"),
              (status = 422, description = "A policy that is not one")))]
async fn change(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<PushParams>,
) -> ApiResult<Json<WebPushSubscription>> {
    let (token_id, _) = member(&auth)?;
    let (alerts, policy) = p.data()?;
    let sub = push_subscriptions::update(&state.db.primary, token_id, &alerts, &policy)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(WebPushSubscription::new(sub, state.vapid_key().await)))
}

/// Ends the token's subscription (an empty object, whether or not there
/// was one).
#[utoipa::path(delete, path = "/api/v1/push/subscription", tag = "push",
    responses((status = 200, description = "An empty object")))]
async fn unsubscribe(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Map<String, Value>>> {
    let (token_id, _) = member(&auth)?;
    push_subscriptions::delete_of_token(&state.db.primary, token_id).await?;
    Ok(Json(Map::new()))
}
