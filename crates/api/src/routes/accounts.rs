//! Accounts: the member's own (`verify_credentials`, `update_credentials`),
//! anyone's by id or by name, and search by prefix.

use axum::Json;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State};
use axum::http::header::CONTENT_TYPE;
use lookbook_core::db::accounts::{self, Account, ProfileUpdate};
use lookbook_core::db::relationships::{self, List, PageBounds};
use lookbook_core::tasks::{self, Task};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{Auth, MaybeAuth};
use crate::entities;
use crate::error::{ApiError, ApiResult};
use crate::params::{self, Params, QueryParams, flex_bool, flex_i64, flex_string};

const DISPLAY_NAME_MAX: usize = 30;
const NOTE_MAX: usize = 500;
const PRIVACY: &[&str] = &["public", "unlisted", "private", "direct"];

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(update_credentials))
        // Avatar and header: each is held to the photo size as it is read, the
        // whole body to MAX_BODY_BYTES, its text fields to MAX_FORM_BYTES.
        .layer(DefaultBodyLimit::disable())
        .routes(routes!(verify_credentials))
        .routes(routes!(lookup))
        .routes(routes!(search))
        .routes(routes!(show))
}

/// An id from the path; anything that is not one is a missing record.
pub fn parse_id(raw: &str) -> ApiResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(ApiError::NotFound)
}

/// The account, or 404.
pub async fn load(state: &AppState, id: i64) -> ApiResult<Account> {
    accounts::by_id(&state.db.primary, id)
        .await?
        .ok_or(ApiError::NotFound)
}

async fn credential(state: &AppState, me: &Account) -> ApiResult<Value> {
    let bounds = PageBounds {
        max_id: None,
        since_id: None,
        min_id: None,
        limit: 40,
    };
    let requests =
        relationships::page(&state.db.primary, List::FollowRequests, me.id, bounds).await?;
    entities::credential_account(state, me, requests.len() as i64).await
}

/// The signed-in member, with `source` and `role`.
#[utoipa::path(get, path = "/api/v1/accounts/verify_credentials", tag = "accounts",
    responses((status = 200, description = "A CredentialAccount"), (status = 401, description = "Bad token")))]
async fn verify_credentials(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    // Since Mastodon 4.3 the `profile` scope is enough here.
    if !auth.allows("profile") {
        auth.require("read:accounts")?;
    }
    let me = load(&state, auth.user()?).await?;
    Ok(Json(credential(&state, &me).await?))
}

/// The body of `PATCH /api/v1/accounts/update_credentials`: a form or JSON,
/// or multipart when it carries an avatar or a header. Only what is sent
/// changes. [`ProfileParams`] and [`read_multipart`] read it.
#[derive(utoipa::ToSchema)]
#[schema(as = ProfileForm)]
#[allow(dead_code)] // it only describes the form
struct ProfileForm {
    /// At most 30 characters.
    #[schema(max_length = 30)]
    display_name: Option<String>,
    /// The bio, at most 500 characters.
    #[schema(max_length = 500)]
    note: Option<String>,
    /// Approve followers by hand; a boolean read as Mastodon reads it.
    locked: Option<String>,
    /// An automated account; a boolean read as Mastodon reads it.
    bot: Option<String>,
    /// Shown in suggestions and directories; a boolean read as Mastodon reads it.
    discoverable: Option<String>,
    /// The default visibility of new posts.
    #[schema(rename = "source[privacy]", pattern = "^(public|unlisted|private)$")]
    source_privacy: Option<String>,
    /// Mark new posts' photos sensitive by default; a boolean read as Mastodon reads it.
    #[schema(rename = "source[sensitive]")]
    source_sensitive: Option<String>,
    /// The default language of new posts (ISO 639-1).
    #[schema(rename = "source[language]")]
    source_language: Option<String>,
    /// A profile field's name, at most 255 characters (up to four fields:
    /// `fields_attributes[0]` to `[3]`; sending them replaces every field,
    /// and pairs left blank are dropped). In JSON, a list of `{name, value}`.
    #[schema(rename = "fields_attributes[0][name]", max_length = 255)]
    field_name: Option<String>,
    /// That field's value, at most 255 characters; a link shows as one.
    #[schema(rename = "fields_attributes[0][value]", max_length = 255)]
    field_value: Option<String>,
    /// A JPEG, PNG, GIF or WebP image (multipart only), at most the photo size limit.
    #[schema(value_type = Option<String>, format = Binary)]
    avatar: Option<Vec<u8>>,
    /// A JPEG, PNG, GIF or WebP image (multipart only), at most the photo size limit.
    #[schema(value_type = Option<String>, format = Binary)]
    header: Option<Vec<u8>>,
}

#[derive(Debug, Default, Deserialize)]
struct Source {
    #[serde(default, deserialize_with = "flex_string")]
    privacy: Option<String>,
    #[serde(default, deserialize_with = "flex_bool")]
    sensitive: Option<bool>,
    #[serde(default, deserialize_with = "flex_string")]
    language: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct ProfileParams {
    #[serde(default, deserialize_with = "flex_string")]
    display_name: Option<String>,
    #[serde(default, deserialize_with = "flex_string")]
    note: Option<String>,
    #[serde(default, deserialize_with = "flex_bool")]
    locked: Option<bool>,
    #[serde(default, deserialize_with = "flex_bool")]
    bot: Option<bool>,
    #[serde(default, deserialize_with = "flex_bool")]
    discoverable: Option<bool>,
    #[serde(default)]
    source: Option<Source>,
    /// `fields_attributes[0][name]`, `...[value]` (see [`entities::field::parse`]).
    #[serde(default)]
    fields_attributes: Option<Value>,
}

/// A profile image sent with the change.
struct Upload {
    field: &'static str,
    bytes: Vec<u8>,
}

/// The image type of `bytes` by its magic number: extension and content type.
pub fn sniff_image(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    match bytes {
        [0xff, 0xd8, 0xff, ..] => Some(("jpg", "image/jpeg")),
        [0x89, b'P', b'N', b'G', ..] => Some(("png", "image/png")),
        [b'G', b'I', b'F', b'8', ..] => Some(("gif", "image/gif")),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Some(("webp", "image/webp")),
        _ => None,
    }
}

/// Reads a multipart body: text fields into parameters, `avatar` and `header` as files.
async fn read_multipart(
    mut form: Multipart,
    max_bytes: u64,
    max_text_bytes: usize,
) -> ApiResult<(Map<String, Value>, Vec<Upload>)> {
    let mut object = Map::new();
    // The text fields together are held to what any form body may be.
    let mut text_bytes = 0;
    let mut uploads = Vec::new();
    let bad = |e: axum::extract::multipart::MultipartError| {
        ApiError::BadRequest(format!("malformed multipart body: {e}"))
    };
    while let Some(field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        let is_file = field.file_name().is_some();
        match name.as_str() {
            "avatar" | "header" if is_file => {
                let bytes = field.bytes().await.map_err(bad)?;
                if bytes.is_empty() {
                    // An empty file part means "no new image" (Phanpy sends one
                    // for each image field on every profile save).
                    continue;
                }
                if bytes.len() as u64 > max_bytes {
                    return Err(ApiError::Validation {
                        message: format!("Validation failed: {name} is too large"),
                        details: serde_json::json!({ name.clone(): [{"error": "ERR_TOO_LARGE", "description": format!("must be at most {max_bytes} bytes")}] }),
                    });
                }
                let field: &'static str = if name == "avatar" { "avatar" } else { "header" };
                if uploads.iter().any(|u: &Upload| u.field == field) {
                    return Err(ApiError::Unprocessable(format!(
                        "{field} was sent more than once"
                    )));
                }
                uploads.push(Upload {
                    field,
                    bytes: bytes.to_vec(),
                });
            }
            _ => {
                let text = field.text().await.map_err(bad)?;
                text_bytes += name.len() + text.len();
                if text_bytes > max_text_bytes {
                    return Err(ApiError::TooLarge(format!(
                        "the form's fields are larger than {max_text_bytes} bytes"
                    )));
                }
                params::check_text(&text)?;
                params::insert(&mut object, &name, Value::String(text))?;
            }
        }
    }
    Ok((object, uploads))
}

fn too_long(field: &str, label: &str, max: usize) -> ApiError {
    let description = format!("is too long (maximum is {max} characters)");
    ApiError::Validation {
        message: format!("Validation failed: {label} {description}"),
        details: serde_json::json!({ field: [{ "error": "ERR_TOO_LONG", "description": description }] }),
    }
}

/// Changes the signed-in member's profile. `avatar` and `header` go to S3 as
/// uploaded; the worker then makes the served image from them, and deletes
/// the images they replace.
#[utoipa::path(patch, path = "/api/v1/accounts/update_credentials", tag = "accounts",
    request_body(content((ProfileForm = "application/x-www-form-urlencoded"), (ProfileForm = "multipart/form-data"))),
    responses((status = 200, description = "The updated CredentialAccount"), (status = 422, description = "Invalid")))]
async fn update_credentials(
    State(state): State<AppState>,
    auth: Auth,
    req: Request,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:accounts")?;
    let multipart = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    let (p, uploads): (ProfileParams, Vec<Upload>) = if multipart {
        let form = Multipart::from_request(req, &state)
            .await
            .map_err(|e| ApiError::BadRequest(format!("malformed multipart body: {e}")))?;
        let (object, uploads) = read_multipart(
            form,
            state.config.limits.photo_bytes,
            state.config.http.max_form_bytes,
        )
        .await?;
        let p = serde_json::from_value(Value::Object(object))
            .map_err(|e| ApiError::Unprocessable(format!("invalid parameters: {e}")))?;
        (p, uploads)
    } else {
        let Params(p) = Params::<ProfileParams>::from_request(req, &state).await?;
        (p, Vec::new())
    };
    if p.display_name
        .as_ref()
        .is_some_and(|n| n.chars().count() > DISPLAY_NAME_MAX)
    {
        return Err(too_long("display_name", "Display name", DISPLAY_NAME_MAX));
    }
    if p.note
        .as_ref()
        .is_some_and(|n| n.chars().count() > NOTE_MAX)
    {
        return Err(too_long("note", "Note", NOTE_MAX));
    }
    let source = p.source.unwrap_or_default();
    if let Some(privacy) = &source.privacy
        && !PRIVACY.contains(&privacy.as_str())
    {
        return Err(ApiError::Unprocessable(format!(
            "Validation failed: privacy must be one of {}",
            PRIVACY.join(", ")
        )));
    }
    let fields = match &p.fields_attributes {
        Some(attributes) => Some(serde_json::json!(entities::field::parse(attributes)?)),
        None => None,
    };
    let change = ProfileUpdate {
        display_name: p.display_name,
        note: p.note,
        locked: p.locked,
        bot: p.bot,
        discoverable: p.discoverable,
        privacy: source.privacy,
        sensitive: source.sensitive,
        language: source.language,
        fields,
    };
    // Profile images count against the member's photo uploads, one each.
    for _ in &uploads {
        crate::throttle::hit(
            &state,
            crate::throttle::Limit::media_uploads(&state),
            &me.to_string(),
        )
        .await?;
    }
    // Every upload is checked before any is stored.
    let mut stored = Vec::new();
    for upload in uploads {
        let (ext, content_type) = sniff_image(&upload.bytes).ok_or_else(|| ApiError::Validation {
            message: format!("Validation failed: {} is not a supported image", upload.field),
            details: serde_json::json!({ upload.field: [{"error": "ERR_INVALID", "description": "must be a JPEG, PNG, GIF or WebP image"}] }),
        })?;
        let key = format!(
            "originals/{}s/{me}/{}.{ext}",
            upload.field,
            lookbook_core::auth::secret::generate()
        );
        stored.push((upload.field, key, upload.bytes, content_type));
    }
    for (_, key, bytes, content_type) in &mut stored {
        state
            .storage
            .put(key, std::mem::take(bytes), content_type)
            .await?;
    }
    let mut tx = state.begin().await?;
    accounts::update_profile(&mut *tx, me, &change).await?;
    // Unlocking accepts everyone who was waiting, as Mastodon does.
    if change.locked == Some(false) {
        lookbook_core::db::graph::authorize_all_requests(&mut tx, me).await?;
    }
    // The account keeps showing its current image until the worker has made
    // the served one from the upload.
    for (field, key, _, _) in &stored {
        accounts::set_pending_image(&mut tx, me, field, key).await?;
        let task = Task::ProcessProfileImage {
            account_id: me,
            field: (*field).into(),
            key: key.clone(),
        };
        tasks::enqueue(&mut tx, &task).await?;
    }
    tx.commit().await.map_err(lookbook_core::Error::from)?;
    crate::cached::forget(&state, crate::cached::Kind::Account, &[me]).await;
    let updated = load(&state, me).await?;
    Ok(Json(credential(&state, &updated).await?))
}

/// An account's public profile.
#[utoipa::path(get, path = "/api/v1/accounts/{id}", tag = "accounts",
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, description = "An Account"), (status = 404, description = "No such account")))]
async fn show(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    auth.require_if_present("read:accounts")?;
    let account = load(&state, parse_id(&id)?).await?;
    Ok(Json(
        entities::accounts(&state, &[account]).await?.remove(0),
    ))
}

#[derive(Debug, Deserialize)]
struct LookupParams {
    #[serde(default, deserialize_with = "flex_string")]
    acct: Option<String>,
}

/// An account by `acct` (`name`, `@name` or `name@this-domain`).
#[utoipa::path(get, path = "/api/v1/accounts/lookup", tag = "accounts",
    params(("acct" = String, Query, description = "The username (or username@this-domain)", min_length = 1)),
    responses((status = 200, description = "An Account"), (status = 404, description = "No such account")))]
async fn lookup(
    State(state): State<AppState>,
    auth: MaybeAuth,
    QueryParams(p): QueryParams<LookupParams>,
) -> ApiResult<Json<Value>> {
    auth.require_if_present("read:accounts")?;
    let acct = p
        .acct
        .ok_or_else(|| ApiError::BadRequest("acct is required".into()))?;
    let acct = acct.trim_start_matches('@');
    let name = match acct.split_once('@') {
        Some((name, domain)) if domain.eq_ignore_ascii_case(&state.config.domain) => name,
        Some(_) => return Err(ApiError::NotFound),
        None => acct,
    };
    if name.is_empty() || name.len() > 30 {
        return Err(ApiError::NotFound);
    }
    let account = accounts::by_username(state.reader(None).await, name)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(
        entities::accounts(&state, &[account]).await?.remove(0),
    ))
}

#[derive(Debug, Deserialize)]
struct SearchParams {
    #[serde(default, deserialize_with = "flex_string")]
    q: Option<String>,
    #[serde(default, deserialize_with = "flex_i64")]
    limit: Option<i64>,
    #[serde(default, deserialize_with = "flex_i64")]
    offset: Option<i64>,
    /// Only accounts the caller follows.
    #[serde(default, deserialize_with = "flex_bool")]
    following: Option<bool>,
}

/// Accounts whose username or display name starts with `q`.
#[utoipa::path(get, path = "/api/v1/accounts/search", tag = "accounts",
    params(("q" = String, Query, description = "The start of a username or display name (a leading @ is dropped)",
            pattern = "^[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")),
    responses((status = 200, description = "Accounts")))]
async fn search(
    State(state): State<AppState>,
    auth: Auth,
    QueryParams(p): QueryParams<SearchParams>,
) -> ApiResult<Json<Vec<Value>>> {
    let me = auth.user_with("read:accounts")?;
    let Some(q) = p.q.filter(|q| !q.trim().is_empty()) else {
        return Err(ApiError::BadRequest("q is required".into()));
    };
    let q = q.trim().trim_start_matches('@');
    if q.is_empty() {
        // Only "@": a name that starts with nothing in particular.
        return Ok(Json(Vec::new()));
    }
    if q.chars().count() > 100 {
        return Err(ApiError::Unprocessable(
            "q is too long (maximum is 100 characters)".into(),
        ));
    }
    let limit = p.limit.unwrap_or(40).clamp(1, 80);
    let offset = p.offset.unwrap_or(0).max(0);
    let following_only = p.following.unwrap_or(false).then_some(me);
    let found = accounts::search_prefix(
        state.reader(Some(me)).await,
        q,
        limit,
        offset,
        following_only,
    )
    .await?;
    let ids: Vec<i64> = found.iter().map(|a| a.id).collect();
    let blocked = super::follows::blocked_among(&state, me, &ids).await?;
    let visible: Vec<Account> = found
        .into_iter()
        .filter(|a| !blocked.contains(&a.id))
        .collect();
    Ok(Json(entities::accounts(&state, &visible).await?))
}
