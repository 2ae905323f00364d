//! Read markers: where a member stopped reading their home timeline and
//! their notifications, kept across devices.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

/// One timeline's marker.
#[derive(Debug, Clone)]
pub struct Marker {
    pub timeline: String,
    pub last_read_id: i64,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

/// The timelines a marker can be kept for.
pub const TIMELINES: [&str; 2] = ["home", "notifications"];

/// The member's markers for `timelines`.
pub async fn get(
    db: impl PgExecutor<'_>,
    account: i64,
    timelines: &[String],
) -> crate::Result<Vec<Marker>> {
    let rows = sqlx::query_as!(
        Marker,
        "select timeline, last_read_id, version, updated_at from markers
         where account_id = $1 and timeline = any($2) order by timeline",
        account,
        timelines
    )
    .fetch_all(db)
    .await?;
    Ok(rows)
}

/// Why a marker was not written.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// Another write moved the marker since `version` was read.
    Stale,
}

/// Moves a marker; with `expected_version`, only if nobody moved it since.
pub async fn set(
    conn: &mut PgConnection,
    account: i64,
    timeline: &str,
    last_read_id: i64,
    expected_version: Option<i64>,
) -> crate::Result<Result<Marker, Refused>> {
    let row = sqlx::query_as!(
        Marker,
        r#"insert into markers as m (account_id, timeline, last_read_id)
           values ($1, $2, $3)
           on conflict (account_id, timeline) do update set
               last_read_id = excluded.last_read_id,
               version = m.version + 1,
               updated_at = now()
           where $4::bigint is null or m.version = $4
           returning timeline, last_read_id, version, updated_at"#,
        account,
        timeline,
        last_read_id,
        expected_version
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.ok_or(Refused::Stale))
}

/// The member's notifications marker, if set.
pub async fn last_read(
    db: impl PgExecutor<'_>,
    account: i64,
    timeline: &str,
) -> crate::Result<Option<i64>> {
    let id = sqlx::query_scalar!(
        "select last_read_id from markers where account_id = $1 and timeline = $2",
        account,
        timeline
    )
    .fetch_optional(db)
    .await?;
    Ok(id)
}
