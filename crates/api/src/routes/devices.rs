//! `/api/lookbook/v1/devices`: the phones of the network's own apps that
//! get an account's notifications through APNs or FCM. A device is
//! registered by the app on the phone, with the token in use (signing out
//! ends its pushes), and listed and removed per app.

use axum::Json;
use axum::extract::State;
use lookbook_core::db::devices::{self, NewDevice, Platform};
use lookbook_core::db::notifications::Kind;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Auth;
use crate::entities::device::Device;
use crate::error::{ApiError, ApiResult};
use crate::params::{Params, flex_string, truncate, truthy};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(register, list, unregister))
}

/// The body of `POST /api/lookbook/v1/devices` (a form or JSON); `DELETE`
/// reads `platform` and `token`.
#[derive(utoipa::ToSchema)]
#[schema(as = DeviceForm)]
#[allow(dead_code)] // it only describes the form
struct DeviceForm {
    /// `apns` (Apple) or `fcm` (Firebase, for Android).
    #[schema(pattern = "^(apns|fcm)$")]
    platform: String,
    /// The device token the platform gave the app: APNs's in hex (64 to 200
    /// digits), FCM's registration token (letters, digits, `_`, `-`, `:`).
    #[schema(min_length = 32, max_length = 4096, pattern = "^[A-Za-z0-9_:-]+$")]
    token: String,
    /// Push likes (default on); likewise `alerts[mention]`, `[status]`,
    /// `[reblog]`, `[follow]`, `[follow_request]`, `[update]`. Booleans
    /// read as Mastodon reads them.
    #[schema(rename = "alerts[favourite]")]
    alerts_favourite: Option<String>,
    #[schema(rename = "alerts[mention]")]
    alerts_mention: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct DeviceParams {
    #[serde(default, deserialize_with = "flex_string")]
    platform: Option<String>,
    #[serde(default, deserialize_with = "flex_string")]
    token: Option<String>,
    #[serde(default)]
    alerts: Option<Map<String, Value>>,
}

impl DeviceParams {
    /// The platform and the device token, in the form's shape (an APNs
    /// token in lower case).
    fn device(&self) -> ApiResult<(Platform, String)> {
        let name = self.platform.as_deref().unwrap_or_default();
        let platform = Platform::parse(name).ok_or_else(|| {
            ApiError::Unprocessable(format!(
                "Validation failed: platform must be apns or fcm, not '{}'",
                truncate(name)
            ))
        })?;
        let token = self.token.as_deref().unwrap_or_default().trim();
        let fits = (32..=4096).contains(&token.len())
            && token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_:-".contains(&b));
        if !fits {
            return Err(ApiError::Unprocessable(
                "Validation failed: token must be an APNs device token or an FCM registration \
                 token (32 to 4096 letters, digits, '_', '-' or ':')"
                    .into(),
            ));
        }
        Ok(match platform {
            Platform::Apns => (platform, token.to_ascii_lowercase()),
            Platform::Fcm => (platform, token.to_string()),
        })
    }

    /// [`Self::device`], and an APNs token that is one (64 to 200 hex
    /// digits).
    fn new_device(&self) -> ApiResult<(Platform, String)> {
        let (platform, token) = self.device()?;
        let hex = (64..=200).contains(&token.len())
            && token.len() % 2 == 0
            && token.bytes().all(|b| b.is_ascii_hexdigit());
        if platform == Platform::Apns && !hex {
            return Err(ApiError::Unprocessable(
                "Validation failed: token must be an APNs device token (64 to 200 hex digits)"
                    .into(),
            ));
        }
        Ok((platform, token))
    }

    /// Every notification type, on unless `alerts[type]` turns it off.
    fn alerts(&self) -> Value {
        let asked = self.alerts.as_ref();
        let alerts: Map<String, Value> = Kind::ALL
            .iter()
            .map(|kind| {
                let on = asked
                    .and_then(|a| a.get(kind.as_str()))
                    .and_then(truthy)
                    .unwrap_or(true);
                (kind.as_str().to_string(), on.into())
            })
            .collect();
        Value::Object(alerts)
    }
}

/// Registers this phone for the account in use (again after each sign-in:
/// the device then belongs to the new token and its alerts are replaced).
#[utoipa::path(post, path = "/api/lookbook/v1/devices", tag = "push",
    request_body(content = DeviceForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The device", body = Device),
              (status = 422, description = "A platform or token that cannot be used, or a \
                                            platform this server does not send through")))]
async fn register(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<DeviceParams>,
) -> ApiResult<Json<Device>> {
    let account = auth.user_with("push")?;
    let (platform, token) = p.new_device()?;
    let native = &state.config.push.native;
    let configured = match platform {
        Platform::Apns => native.apns.is_some(),
        Platform::Fcm => native.fcm.is_some(),
    };
    if !configured {
        return Err(ApiError::Unprocessable(format!(
            "Validation failed: this server does not send pushes through {}",
            platform.as_str()
        )));
    }
    let device = devices::register(
        &state.db.primary,
        &NewDevice {
            token_id: auth.grant.id,
            account_id: account,
            app_id: auth.grant.app_id,
            platform,
            device_token: &token,
            alerts: &p.alerts(),
        },
    )
    .await?;
    Ok(Json(device.into()))
}

/// The account's devices registered through the app in use.
#[utoipa::path(get, path = "/api/lookbook/v1/devices", tag = "push",
    responses((status = 200, description = "The devices, newest first", body = [Device])))]
async fn list(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<Device>>> {
    let account = auth.user_with("push")?;
    let found = devices::of_app(&state.db.primary, account, auth.grant.app_id).await?;
    Ok(Json(found.into_iter().map(Device::from).collect()))
}

/// Stops pushing to a phone of the account (an empty object, whether or
/// not it was registered).
#[utoipa::path(delete, path = "/api/lookbook/v1/devices", tag = "push",
    request_body(content = DeviceForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "An empty object"),
              (status = 422, description = "A platform or token that is not one")))]
async fn unregister(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<DeviceParams>,
) -> ApiResult<Json<Map<String, Value>>> {
    let account = auth.user_with("push")?;
    let (platform, token) = p.device()?;
    devices::unregister(&state.db.primary, account, platform, &token).await?;
    Ok(Json(Map::new()))
}
