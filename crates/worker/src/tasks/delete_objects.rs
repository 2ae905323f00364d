//! `delete_objects`: removes media objects from S3. Deleting a key that is
//! already gone succeeds, so running it twice does no harm.

use anyhow::Context as _;
use sqlx::PgConnection;

use super::TaskError;
use crate::Context;

/// Deletes every key; any S3 failure is worth a retry.
pub async fn run(ctx: &Context, keys: &[String], _tx: &mut PgConnection) -> Result<(), TaskError> {
    ctx.storage
        .delete(keys)
        .await
        .with_context(|| format!("deleting {} object(s)", keys.len()))
        .map_err(TaskError::Transient)?;
    tracing::info!(count = keys.len(), "objects deleted");
    Ok(())
}
