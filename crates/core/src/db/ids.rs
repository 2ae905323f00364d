//! The 64-bit time-sortable ids made by `lookbook_id()` in PostgreSQL.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds from the Unix epoch to 2026-01-01 UTC, the ids' own epoch.
pub const ID_EPOCH_MS: i64 = 1_767_225_600_000;

/// Bits below the timestamp, taken by the sequence.
pub const SEQUENCE_BITS: u32 = 16;

/// When an id was made.
pub fn created_at(id: i64) -> SystemTime {
    let ms = (id >> SEQUENCE_BITS) + ID_EPOCH_MS;
    UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

/// The smallest id that can have been made at `time`: the bound to page
/// from when a client passes a time instead of an id.
pub fn lower_bound(time: SystemTime) -> i64 {
    let ms = time
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    (ms - ID_EPOCH_MS).max(0) << SEQUENCE_BITS
}

/// Makes a new id in the database.
pub async fn next(db: impl sqlx::PgExecutor<'_>) -> crate::Result<i64> {
    let id = sqlx::query_scalar!(r#"select lookbook_id() as "id!""#)
        .fetch_one(db)
        .await?;
    Ok(id)
}
