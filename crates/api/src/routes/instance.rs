//! `GET /api/v1/instance` and `GET /api/v2/instance`: what this server is,
//! how big it is, who to contact and the limits clients must respect, in
//! Mastodon's Instance entities; and the instance's picture.

use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use lookbook_core::config::Limits;
use lookbook_core::db::{accounts, stats};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiResult;
use crate::state::About;

/// The Mastodon version whose client API we follow; clients read it to decide
/// which features to use.
const MASTODON_COMPAT: &str = "4.3.0";
/// Image types the media pipeline accepts.
const IMAGE_TYPES: &[&str] = &["image/jpeg", "image/png", "image/webp", "image/gif"];

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(instance_v2))
        .routes(routes!(instance_v1))
        .routes(routes!(thumbnail))
}

const THUMBNAIL: &[u8] = include_bytes!("../../assets/thumbnail.png");

/// Where the instance's picture is served, under the public URL.
const THUMBNAIL_PATH: &str = "/instance/thumbnail.png";

/// How long the counts and the contact member are kept before they are read again.
const STATS_FOR: Duration = Duration::from_secs(60);

/// The server's counts and contact member, from this instance's copy
/// while it is fresh; one caller reads them while the others wait. When
/// PostgreSQL does not answer, the last copy is shown (zero counts before
/// the first): clients read the instance at start and must get it.
async fn about(state: &AppState) -> About {
    let mut kept = state.about.lock().await;
    if let Some(about) = kept.as_ref()
        && about.read_at.elapsed() < STATS_FOR
    {
        return about.clone();
    }
    match read_about(state).await {
        Ok(fresh) => {
            *kept = Some(fresh.clone());
            fresh
        }
        Err(error) => {
            tracing::warn!(%error, "could not count the instance's members and posts");
            kept.clone().unwrap_or(About {
                read_at: Instant::now(),
                stats: stats::ServerStats::default(),
                contact: None,
            })
        }
    }
}

async fn read_about(state: &AppState) -> ApiResult<About> {
    Ok(About {
        read_at: Instant::now(),
        stats: stats::server(&state.db.primary).await?,
        contact: contact_account(state).await?,
    })
}

/// The configured contact member as an Account, if there is one.
async fn contact_account(state: &AppState) -> ApiResult<Option<serde_json::Value>> {
    let name = &state.config.contact_account;
    if name.is_empty() {
        return Ok(None);
    }
    let Some(account) = accounts::by_username(&state.db.primary, name).await? else {
        tracing::warn!(username = %name, "the configured contact account does not exist");
        return Ok(None);
    };
    let mut rendered = crate::entities::accounts(state, &[account]).await?;
    Ok(rendered.pop())
}

/// The instance's picture, 1200 by 630 pixels, as link previews want it.
#[utoipa::path(get, path = "/instance/thumbnail.png", tag = "instance",
    responses((status = 200, description = "A PNG", content_type = "image/png")))]
async fn thumbnail() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        THUMBNAIL,
    )
}

fn version() -> String {
    format!(
        "{MASTODON_COMPAT} (compatible; Lookbook {})",
        env!("CARGO_PKG_VERSION")
    )
}

/// Limits on statuses.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusLimits {
    max_characters: u32,
    max_media_attachments: u32,
    characters_reserved_per_url: u32,
}

/// Limits on media.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediaLimits {
    supported_mime_types: Vec<&'static str>,
    /// Bytes.
    image_size_limit: u64,
    /// Pixels (width times height).
    image_matrix_limit: u64,
    video_size_limit: u64,
    video_frame_rate_limit: u64,
    video_matrix_limit: u64,
    description_limit: u32,
}

/// Limits Mastodon has no field for.
#[derive(Debug, Serialize, ToSchema)]
pub struct LookbookLimits {
    /// Longest side of a photo, in pixels.
    image_side_limit: u32,
    /// Items per page when a client does not ask.
    page_default: u32,
    /// Most items a page holds.
    page_max: u32,
}

/// The `configuration` object of both instance entities.
#[derive(Debug, Serialize, ToSchema)]
pub struct Configuration {
    urls: Urls,
    accounts: AccountLimits,
    statuses: StatusLimits,
    media_attachments: MediaLimits,
    polls: PollLimits,
    translation: Translation,
    /// Web Push: the key subscriptions are made with.
    vapid: VapidKey,
    /// Lookbook's own limits; Mastodon clients ignore it.
    lookbook: LookbookLimits,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VapidKey {
    /// The VAPID public key, URL-safe base64.
    public_key: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Urls {
    /// Where the streaming API is (`wss://` or `ws://` and the host;
    /// clients add `/api/v1/streaming`).
    streaming: Option<String>,
}

/// The streaming API's base: the public URL with a WebSocket scheme.
fn streaming_url(public_url: &str) -> String {
    let base = public_url.trim_end_matches('/');
    if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.to_string()
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountLimits {
    max_featured_tags: u32,
    max_pinned_statuses: u32,
}

/// What a poll may be.
#[derive(Debug, Serialize, ToSchema)]
pub struct PollLimits {
    max_options: u32,
    max_characters_per_option: u32,
    min_expiration: u32,
    max_expiration: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Translation {
    enabled: bool,
}

fn configuration(limits: &Limits, public_url: &str, vapid_key: String) -> Configuration {
    Configuration {
        vapid: VapidKey {
            public_key: vapid_key,
        },
        urls: Urls {
            streaming: Some(streaming_url(public_url)),
        },
        accounts: AccountLimits {
            max_featured_tags: lookbook_core::db::featured_tags::MAX_PER_ACCOUNT as u32,
            max_pinned_statuses: lookbook_core::db::pins::MAX_PER_ACCOUNT as u32,
        },
        statuses: StatusLimits {
            max_characters: limits.status_chars,
            max_media_attachments: limits.media_per_status,
            characters_reserved_per_url: 23,
        },
        media_attachments: MediaLimits {
            supported_mime_types: IMAGE_TYPES.to_vec(),
            image_size_limit: limits.photo_bytes,
            image_matrix_limit: limits.photo_pixels,
            video_size_limit: 0,
            video_frame_rate_limit: 0,
            video_matrix_limit: 0,
            description_limit: limits.alt_text_chars,
        },
        polls: PollLimits {
            max_options: limits.poll_options,
            max_characters_per_option: limits.poll_option_chars,
            min_expiration: limits.poll_min_secs,
            max_expiration: limits.poll_max_secs,
        },
        translation: Translation { enabled: false },
        lookbook: LookbookLimits {
            image_side_limit: limits.photo_side,
            page_default: limits.page_default,
            page_max: limits.page_max,
        },
    }
}

/// Mastodon's Instance entity (v2).
#[derive(Debug, Serialize, ToSchema)]
pub struct InstanceV2 {
    domain: String,
    title: String,
    version: String,
    source_url: String,
    description: String,
    usage: Usage,
    thumbnail: Thumbnail,
    languages: Vec<&'static str>,
    configuration: Configuration,
    registrations: Registrations,
    api_versions: ApiVersions,
    contact: Contact,
    rules: Vec<serde_json::Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Usage {
    users: ActiveUsers,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActiveUsers {
    active_month: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Thumbnail {
    url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Registrations {
    enabled: bool,
    approval_required: bool,
    message: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiVersions {
    mastodon: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Contact {
    email: String,
    account: Option<serde_json::Value>,
}

const DESCRIPTION: &str = "Outfit photos with captions, hashtags and item tags.";

/// This server and its limits.
#[utoipa::path(get, path = "/api/v2/instance", tag = "instance",
    responses((status = 200, description = "The instance", body = InstanceV2)))]
async fn instance_v2(State(state): State<AppState>) -> Json<InstanceV2> {
    let config = &state.config;
    let About { stats, contact, .. } = about(&state).await;
    Json(InstanceV2 {
        domain: config.domain.clone(),
        title: config.instance_title.clone(),
        version: version(),
        source_url: config.source_url.clone(),
        description: DESCRIPTION.into(),
        usage: Usage {
            users: ActiveUsers {
                active_month: stats.active_month.max(0) as u64,
            },
        },
        thumbnail: Thumbnail {
            url: format!("{}{THUMBNAIL_PATH}", config.public_url),
        },
        languages: vec!["en"],
        configuration: configuration(&config.limits, &config.public_url, state.vapid_key().await),
        registrations: Registrations {
            enabled: true,
            approval_required: false,
            message: None,
        },
        api_versions: ApiVersions { mastodon: 2 },
        contact: Contact {
            email: config.contact_email.clone(),
            account: contact,
        },
        rules: Vec::new(),
    })
}

/// Mastodon's older Instance entity (v1), still read by many clients.
#[derive(Debug, Serialize, ToSchema)]
pub struct InstanceV1 {
    uri: String,
    title: String,
    short_description: String,
    description: String,
    email: String,
    version: String,
    urls: V1Urls,
    stats: Stats,
    thumbnail: Option<String>,
    languages: Vec<&'static str>,
    registrations: bool,
    approval_required: bool,
    invites_enabled: bool,
    configuration: Configuration,
    contact_account: Option<serde_json::Value>,
    rules: Vec<serde_json::Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct V1Urls {
    streaming_api: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Stats {
    user_count: u64,
    status_count: u64,
    domain_count: u64,
}

/// This server and its limits (the v1 shape).
#[utoipa::path(get, path = "/api/v1/instance", tag = "instance",
    responses((status = 200, description = "The instance", body = InstanceV1)))]
async fn instance_v1(State(state): State<AppState>) -> Json<InstanceV1> {
    let config = &state.config;
    let About { stats, contact, .. } = about(&state).await;
    Json(InstanceV1 {
        uri: config.domain.clone(),
        title: config.instance_title.clone(),
        short_description: DESCRIPTION.into(),
        description: DESCRIPTION.into(),
        email: config.contact_email.clone(),
        version: version(),
        urls: V1Urls {
            streaming_api: Some(streaming_url(&config.public_url)),
        },
        stats: Stats {
            user_count: stats.users.max(0) as u64,
            status_count: stats.statuses.max(0) as u64,
            // Lookbook does not federate: no other server is known.
            domain_count: 0,
        },
        thumbnail: Some(format!("{}{THUMBNAIL_PATH}", config.public_url)),
        languages: vec!["en"],
        registrations: true,
        approval_required: false,
        invites_enabled: false,
        configuration: configuration(&config.limits, &config.public_url, state.vapid_key().await),
        contact_account: contact,
        rules: Vec::new(),
    })
}
