//! PostgreSQL: the primary and optional replica pools, migrations, and one
//! module of queries per table.

pub mod account_notes;
pub mod accounts;
pub mod announcement_reactions;
pub mod announcements;
pub mod apps;
pub mod conversations;
pub mod counters;
pub mod custom_emojis;
pub mod devices;
pub mod digest;
pub mod domain_blocks;
pub mod featured_tags;
pub mod filters;
pub mod graph;
pub mod ids;
pub mod items;
pub mod lists;
pub mod mail_preferences;
pub mod mail_tokens;
pub mod markers;
pub mod marks;
pub mod media;
pub mod notification_groups;
pub mod notification_policy;
pub mod notifications;
pub mod outbox;
pub mod pins;
pub mod polls;
pub mod preview_cards;
pub mod push_subscriptions;
pub mod reblogs;
pub mod relationships;
pub mod reports;
pub mod scheduled_statuses;
pub mod search;
pub mod stats;
pub mod status_edits;
pub mod statuses;
pub mod suggestions;
pub mod tags;
pub mod thread_mutes;
pub mod timelines;
pub mod tokens;
pub mod trends;
pub mod uploads;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::config::DatabaseConfig;

/// The migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// The connection pools. Writes (and reads that must see them) use `primary`;
/// reads that tolerate a little lag use `replica`, which is the primary when
/// no replica is configured.
#[derive(Debug, Clone)]
pub struct Db {
    pub primary: PgPool,
    pub replica: PgPool,
    /// Whether `replica` is a separate server (and so a separate readiness check).
    pub has_replica: bool,
}

impl Db {
    /// Builds bounded pools. Connections are opened lazily, so an instance
    /// starts (and reports not ready) while the database is down.
    pub fn connect_lazy(config: &DatabaseConfig) -> crate::Result<Db> {
        let primary = pool(config.url.expose(), config)?;
        let replica = match &config.replica_url {
            Some(url) => pool(url.expose(), config)?,
            None => primary.clone(),
        };
        Ok(Db {
            primary,
            replica,
            has_replica: config.replica_url.is_some(),
        })
    }

    /// Applies pending migrations to the primary.
    pub async fn migrate(&self) -> crate::Result<()> {
        MIGRATOR
            .run(&self.primary)
            .await
            .map_err(|e| crate::Error::Database(e.into()))
    }
}

/// Creates the database `url` names when it does not exist; true when it
/// was created.
pub async fn create_if_missing(url: &str) -> crate::Result<bool> {
    use sqlx::migrate::MigrateDatabase;
    if sqlx::Postgres::database_exists(url).await? {
        return Ok(false);
    }
    match sqlx::Postgres::create_database(url).await {
        Ok(()) => Ok(true),
        // Another process created it in between: that is what we wanted.
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Runs the cheapest query, to see that the server answers.
pub async fn ping(pool: &PgPool) -> crate::Result<()> {
    sqlx::query_scalar!(r#"select 1 as "one!""#)
        .fetch_one(pool)
        .await?;
    Ok(())
}

/// How far a streaming replica is behind, in seconds: zero when it has
/// replayed all it received (or is not a standby), else the age of the last
/// transaction it replayed.
pub async fn replica_lag(pool: &PgPool) -> crate::Result<f64> {
    let lag = sqlx::query_scalar!(
        r#"select coalesce(
             case when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0
                  else extract(epoch from now() - pg_last_xact_replay_timestamp())::float8
             end, 0)::float8 as "lag!""#
    )
    .fetch_one(pool)
    .await?;
    Ok(lag)
}

fn pool(url: &str, config: &DatabaseConfig) -> crate::Result<PgPool> {
    Ok(PgPoolOptions::new()
        .max_connections(config.max_connections)
        .min_connections(0)
        .acquire_timeout(config.acquire_timeout)
        .idle_timeout(std::time::Duration::from_secs(300))
        // No ping before each use: it doubled the round trips of every
        // query. A connection that died is found by the query that uses it,
        // which fails (and the connection is dropped from the pool).
        .test_before_acquire(false)
        .connect_lazy(url)?)
}
