//! Single flight within one instance: callers that miss the same key at
//! the same moment take turns, so the first loads and the rest find what it
//! stored instead of loading again. Also the instance's list of cached
//! counts it could not drop while Redis was down.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::OwnedMutexGuard;

/// Keys with a turn in progress, and cached counts this instance changed
/// while Redis was unreachable (dropped once it answers again).
#[derive(Debug, Default)]
pub struct Flights {
    keys: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    stale: Mutex<Vec<(String, String)>>,
    /// What a turn just loaded, for the callers that waited behind it.
    loaded: Mutex<HashMap<String, (Vec<i64>, Instant)>>,
}

/// How long a loaded value is handed to callers that waited for it.
const SHARED_FOR: Duration = Duration::from_millis(250);

/// Forget idle keys once this many are tracked.
const TIDY_AT: usize = 1024;

impl Flights {
    /// Waits for `key`'s turn; the turn ends when the guard drops.
    pub async fn turn(&self, key: &str) -> OwnedMutexGuard<()> {
        let lock = {
            let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
            if keys.len() >= TIDY_AT {
                keys.retain(|_, lock| Arc::strong_count(lock) > 1);
            }
            keys.entry(key.to_string()).or_default().clone()
        };
        lock.lock_owned().await
    }

    /// Hands what a turn loaded (reading from `started`) to the callers
    /// behind it.
    pub fn share(&self, key: &str, values: Vec<i64>, started: Instant) {
        let mut loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        if loaded.len() >= TIDY_AT {
            loaded.retain(|_, (_, at)| at.elapsed() < SHARED_FOR);
        }
        loaded.insert(key.to_string(), (values, started));
    }

    /// What a turn loaded for `key`, if its reading started after the caller
    /// `arrived` (so it cannot miss a change the caller made before).
    pub fn shared(&self, key: &str, arrived: Instant) -> Option<Vec<i64>> {
        let loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        loaded
            .get(key)
            .filter(|(_, started)| *started >= arrived && started.elapsed() < SHARED_FOR)
            .map(|(values, _)| values.clone())
    }

    /// Remembers cached counts (and their generation) to drop later.
    pub fn mark_stale(&self, keys: impl IntoIterator<Item = (String, String)>) {
        let mut stale = self.stale.lock().unwrap_or_else(|e| e.into_inner());
        stale.extend(keys);
        // Bounded: past this, the entries' own expiry has to do.
        let excess = stale.len().saturating_sub(100_000);
        stale.drain(..excess);
    }

    /// Takes the remembered keys.
    pub fn take_stale(&self) -> Vec<(String, String)> {
        std::mem::take(&mut *self.stale.lock().unwrap_or_else(|e| e.into_inner()))
    }
}
