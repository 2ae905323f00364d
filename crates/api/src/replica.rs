//! Whether the read replica may serve reads: a watcher asks it twice a
//! second how far behind it is. While it lags more than
//! `DATABASE_REPLICA_MAX_LAG_MS`, or fails three checks in a row, [`AppState::reader`]
//! sends every read to the primary; once it catches up, reads go back to
//! it. The lag is the gauge `lookbook_replica_lag_seconds`, and
//! `lookbook_replica_up` says whether it answers.
//!
//! [`AppState::reader`]: crate::state::AppState::reader

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::AppState;

/// How often the replica is asked, and how long it has to answer.
const INTERVAL: Duration = Duration::from_millis(500);

/// What the watcher last learnt of the replica.
#[derive(Debug)]
pub struct ReplicaHealth {
    up: AtomicBool,
    lag_ms: AtomicU64,
    max_lag_ms: u64,
    /// Checks failed in a row: one slow answer (a busy pool) is not an outage.
    failures: AtomicU64,
}

/// Checks that must fail in a row before the replica counts as gone.
const FAILURES_TO_DOWN: u64 = 3;

impl ReplicaHealth {
    /// Usable until the first check says otherwise.
    pub fn new(max_lag: Duration) -> ReplicaHealth {
        ReplicaHealth {
            up: AtomicBool::new(true),
            lag_ms: AtomicU64::new(0),
            max_lag_ms: u64::try_from(max_lag.as_millis()).unwrap_or(u64::MAX),
            failures: AtomicU64::new(0),
        }
    }

    /// Whether reads may go to the replica.
    pub fn usable(&self) -> bool {
        self.up.load(Ordering::Relaxed) && self.lag_ms.load(Ordering::Relaxed) <= self.max_lag_ms
    }

    fn record(&self, lag: Option<f64>) {
        match lag {
            Some(seconds) => {
                self.failures.store(0, Ordering::Relaxed);
                self.up.store(true, Ordering::Relaxed);
                self.lag_ms
                    .store((seconds.max(0.0) * 1000.0) as u64, Ordering::Relaxed);
                metrics::gauge!("lookbook_replica_lag_seconds").set(seconds);
                metrics::gauge!("lookbook_replica_up").set(1.0);
            }
            None => {
                if self.failures.fetch_add(1, Ordering::Relaxed) + 1 >= FAILURES_TO_DOWN {
                    self.up.store(false, Ordering::Relaxed);
                    metrics::gauge!("lookbook_replica_up").set(0.0);
                }
            }
        }
    }
}

/// Watches the replica until `stop`; returns at once without one.
pub async fn watch(state: AppState, stop: CancellationToken) {
    if !state.db.has_replica {
        return;
    }
    let mut was_usable = true;
    loop {
        let lag = tokio::time::timeout(INTERVAL, lookbook_core::db::replica_lag(&state.db.replica))
            .await
            .ok()
            .and_then(Result::ok);
        state.replica.record(lag);
        let usable = state.replica.usable();
        if usable != was_usable {
            match lag {
                Some(seconds) if !usable => {
                    tracing::warn!(
                        lag_seconds = seconds,
                        "the replica lags: reads go to the primary"
                    );
                }
                None => tracing::warn!("the replica does not answer: reads go to the primary"),
                Some(_) => tracing::info!("the replica caught up: reads go back to it"),
            }
            was_usable = usable;
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(INTERVAL) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::ReplicaHealth;

    /// Too far behind or silent: not usable; caught up: usable again.
    #[test]
    fn lag_and_silence_take_the_replica_out() {
        let health = ReplicaHealth::new(Duration::from_millis(1000));
        assert!(health.usable());
        health.record(Some(2.5));
        assert!(!health.usable());
        health.record(Some(0.2));
        assert!(health.usable());
        // One failed check is a slow answer; three in a row, an outage.
        health.record(None);
        assert!(health.usable());
        health.record(None);
        health.record(None);
        assert!(!health.usable());
        health.record(Some(0.0));
        assert!(health.usable());
    }
}
