//! The server's key, shared by the tasks that need it: pushes are signed
//! with it, and the tokens that pushes and mails carry are kept sealed with
//! a key derived from it. Configured, or made once and kept in PostgreSQL
//! (`lookbook_core::webpush::vapid`); loaded on first use.

use std::sync::Arc;

use lookbook_core::Secret;
use lookbook_core::webpush::vapid::Vapid;
use sqlx::PgPool;
use tokio::sync::OnceCell;

use crate::tasks::TaskError;

#[derive(Debug)]
pub struct Keys {
    configured: Option<Secret>,
    vapid: OnceCell<Arc<Vapid>>,
}

impl Keys {
    pub fn new(configured: Option<Secret>) -> Keys {
        Keys {
            configured,
            vapid: OnceCell::new(),
        }
    }

    /// The key (a passing failure while PostgreSQL is away).
    pub async fn vapid(&self, db: &PgPool) -> Result<Arc<Vapid>, TaskError> {
        self.vapid
            .get_or_try_init(|| async {
                Vapid::load(db, self.configured.as_ref())
                    .await
                    .map(Arc::new)
            })
            .await
            .cloned()
            .map_err(|e| TaskError::Transient(e.into()))
    }
}
