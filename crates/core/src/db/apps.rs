//! Queries on `apps`, the OAuth clients.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// A registered client application.
#[derive(Debug, Clone)]
pub struct App {
    pub id: i64,
    pub name: String,
    pub website: Option<String>,
    pub redirect_uris: Vec<String>,
    pub scopes: Vec<String>,
    pub client_id: String,
    pub client_secret_hash: Vec<u8>,
    pub created_at: DateTime<Utc>,
}

/// What registering an app stores.
#[derive(Debug)]
pub struct NewApp<'a> {
    pub name: &'a str,
    pub website: Option<&'a str>,
    pub redirect_uris: &'a [String],
    pub scopes: &'a [String],
    pub client_id: &'a str,
    pub client_secret_hash: &'a [u8],
}

pub async fn insert(db: impl PgExecutor<'_>, new: &NewApp<'_>) -> crate::Result<App> {
    let app = sqlx::query_as!(
        App,
        "insert into apps (name, website, redirect_uris, scopes, client_id, client_secret_hash)
         values ($1, $2, $3, $4, $5, $6)
         returning id, name, website, redirect_uris, scopes, client_id, client_secret_hash, created_at",
        new.name,
        new.website,
        new.redirect_uris,
        new.scopes,
        new.client_id,
        new.client_secret_hash
    )
    .fetch_one(db)
    .await?;
    Ok(app)
}

pub async fn by_client_id(db: impl PgExecutor<'_>, client_id: &str) -> crate::Result<Option<App>> {
    let app = sqlx::query_as!(
        App,
        "select id, name, website, redirect_uris, scopes, client_id, client_secret_hash, created_at
         from apps where client_id = $1",
        client_id
    )
    .fetch_optional(db)
    .await?;
    Ok(app)
}

pub async fn by_id(db: impl PgExecutor<'_>, id: i64) -> crate::Result<Option<App>> {
    let app = sqlx::query_as!(
        App,
        "select id, name, website, redirect_uris, scopes, client_id, client_secret_hash, created_at
         from apps where id = $1",
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(app)
}
