//! The turns an instance hands out, and how many it hands out at once.
//!
//! The number adapts to how long requests take, so that the requests it
//! admits are answered quickly and the rest are refused quickly:
//!
//! - every tenth of a second the instance looks at the requests it finished:
//!   when more than one in twenty took longer than the latency target, it
//!   hands out a fifth fewer turns (never fewer than a thirty-second of
//!   `MAX_IN_FLIGHT`); when none did and requests had to wait, an eighth
//!   more (never more than `MAX_IN_FLIGHT`);
//! - a request that finds no free turn waits at most the queue time;
//! - reads that are kept are handed a free turn before anything else, and
//!   the shed-first class may hold three quarters of the turns at most;
//! - among waiters of one class the newest goes first: in a crowd, a request
//!   that has already waited long is the likeliest to be refused anyway,
//!   and serving the newest keeps the wait of those admitted short.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

/// How often the number of turns is reconsidered.
const WINDOW: Duration = Duration::from_millis(100);
/// Fewer finished requests than this in a window say too little to act on.
const SAMPLE_MIN: u32 = 10;

/// Which requests are kept longest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Never shed.
    Exempt,
    /// Reads of posts, profiles, timelines, the instance.
    Kept,
    /// Everything else.
    Shed,
}

impl Class {
    pub fn name(self) -> &'static str {
        match self {
            Class::Exempt => "exempt",
            Class::Kept => "kept",
            Class::Shed => "shed",
        }
    }
}

/// Turns, waiters and the latency record of the current window.
#[derive(Debug)]
struct Turns {
    limit: usize,
    busy: usize,
    busy_shed: usize,
    /// Waiters, oldest first; the newest is served first.
    kept: Vec<Waiter>,
    shed: Vec<Waiter>,
    next_id: u64,
    window_start: Instant,
    done: u32,
    slow: u32,
    queued: bool,
}

#[derive(Debug)]
struct Waiter {
    id: u64,
    grant: oneshot::Sender<()>,
}

/// The turns of one instance.
#[derive(Debug)]
pub struct Gate {
    turns: Mutex<Turns>,
    max: usize,
    floor: usize,
    wait: Duration,
    target: Duration,
}

/// A turn held; given back when dropped.
#[derive(Debug)]
pub struct Turn {
    gate: Arc<Gate>,
    class: Class,
    started: Instant,
}

impl Gate {
    /// At most `max` turns at once, a wait of at most `wait` for one, and
    /// requests expected to finish within `target`.
    pub fn new(max: usize, wait: Duration, target: Duration) -> Gate {
        let max = max.max(1);
        Gate {
            turns: Mutex::new(Turns {
                limit: max,
                busy: 0,
                busy_shed: 0,
                kept: Vec::new(),
                shed: Vec::new(),
                next_id: 0,
                window_start: Instant::now(),
                done: 0,
                slow: 0,
                queued: false,
            }),
            max,
            floor: (max / 32).max(1),
            wait,
            target,
        }
    }

    /// How long a request of `class` may wait for a turn.
    pub fn wait_for(&self, class: Class) -> Duration {
        match class {
            Class::Shed => self.wait / 5,
            _ => self.wait,
        }
    }

    /// Turns handed out at most, now.
    pub fn limit(&self) -> usize {
        self.lock().limit
    }

    fn lock(&self) -> MutexGuard<'_, Turns> {
        // The state stays consistent across a panic elsewhere: every change
        // is made whole under the lock.
        self.turns
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A turn for a request of `class` (kept or shed-first), or `None` when
    /// none came free within the wait.
    pub async fn enter(self: &Arc<Self>, class: Class) -> Option<Turn> {
        let turn = |gate: &Arc<Gate>| Turn {
            gate: gate.clone(),
            class,
            started: Instant::now(),
        };
        let (id, granted) = {
            let mut t = self.lock();
            let nobody_ahead = match class {
                Class::Shed => t.kept.is_empty() && t.shed.is_empty(),
                _ => t.kept.is_empty(),
            };
            if nobody_ahead && t.free_for(class) {
                t.take(class);
                return Some(turn(self));
            }
            let wait = self.wait_for(class);
            if wait.is_zero() {
                return None;
            }
            t.queued = true;
            let (grant, granted) = oneshot::channel();
            let id = t.next_id;
            t.next_id += 1;
            let waiter = Waiter { id, grant };
            match class {
                Class::Shed => t.shed.push(waiter),
                _ => t.kept.push(waiter),
            }
            (id, granted)
        };
        // Dropped before the end (timed out, or the client went away): the
        // waiter leaves the queue, or gives back the turn it was handed.
        let mut waiting = Waiting {
            gate: self,
            id,
            class,
            armed: true,
        };
        let got = tokio::time::timeout(self.wait_for(class), granted).await;
        waiting.armed = false;
        // Handed a turn, possibly just as the wait ran out: use it.
        match got {
            Ok(Ok(())) => Some(turn(self)),
            _ if self.leave(class, id) => None,
            _ => Some(turn(self)),
        }
    }

    /// Takes waiter `id` out of its queue; false when it is no longer there
    /// (it was handed a turn).
    fn leave(&self, class: Class, id: u64) -> bool {
        let mut t = self.lock();
        let queue = match class {
            Class::Shed => &mut t.shed,
            _ => &mut t.kept,
        };
        match queue.iter().position(|w| w.id == id) {
            Some(at) => {
                queue.remove(at);
                true
            }
            None => false,
        }
    }

    /// Gives back a turn of `class`, held for `took` (`None`: handed out
    /// but never used).
    fn give_back(&self, class: Class, took: Option<Duration>, now: Instant) {
        let mut t = self.lock();
        t.busy -= 1;
        if class == Class::Shed {
            t.busy_shed -= 1;
        }
        if let Some(took) = took {
            t.done += 1;
            if took > self.target {
                t.slow += 1;
            }
        }
        if now.duration_since(t.window_start) >= WINDOW {
            self.reconsider(&mut t, now);
        }
        t.hand_out();
    }

    /// The end of a window: fewer turns when too many requests were slow,
    /// more when none were and requests had to wait.
    fn reconsider(&self, t: &mut Turns, now: Instant) {
        if t.done >= SAMPLE_MIN && t.slow * 20 > t.done {
            t.limit = (t.limit * 4 / 5).max(self.floor);
        } else if t.slow == 0 && t.queued {
            t.limit = (t.limit + (t.limit / 8).max(1)).min(self.max);
        }
        metrics::gauge!("lookbook_turns_limit").set(t.limit as f64);
        metrics::gauge!("lookbook_turns_busy").set(t.busy as f64);
        t.window_start = now;
        t.done = 0;
        t.slow = 0;
        t.queued = !t.kept.is_empty() || !t.shed.is_empty();
    }
}

impl Turns {
    fn shed_cap(&self) -> usize {
        (self.limit * 3 / 4).max(1)
    }

    fn free_for(&self, class: Class) -> bool {
        self.busy < self.limit && (class != Class::Shed || self.busy_shed < self.shed_cap())
    }

    fn take(&mut self, class: Class) {
        self.busy += 1;
        if class == Class::Shed {
            self.busy_shed += 1;
        }
    }

    /// Hands free turns to waiters: kept reads first, newest first.
    fn hand_out(&mut self) {
        while self.busy < self.limit {
            let (waiter, class) = if let Some(w) = self.kept.pop() {
                (w, Class::Kept)
            } else if self.free_for(Class::Shed)
                && let Some(w) = self.shed.pop()
            {
                (w, Class::Shed)
            } else {
                return;
            };
            // A waiter whose request is gone has left the queue already (see
            // `Waiting`), so the send reaches someone.
            if waiter.grant.send(()).is_ok() {
                self.take(class);
            }
        }
    }
}

/// A place in a queue, left when dropped.
struct Waiting<'a> {
    gate: &'a Arc<Gate>,
    id: u64,
    class: Class,
    armed: bool,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if self.armed && !self.gate.leave(self.class, self.id) {
            // Handed a turn that nobody will use.
            self.gate.give_back(self.class, None, Instant::now());
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let now = Instant::now();
        self.gate
            .give_back(self.class, Some(now.duration_since(self.started)), now);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use super::{Class, Gate};

    const MS: Duration = Duration::from_millis(1);

    /// `n` requests finish, each having taken `took`, within the window.
    fn finish(gate: &Gate, n: usize, took: Duration, at: Instant) {
        for _ in 0..n {
            gate.lock().take(Class::Kept);
            gate.give_back(Class::Kept, Some(took), at);
        }
    }

    #[test]
    fn slow_requests_shrink_the_turns_and_fast_busy_ones_grow_them() {
        let gate = Gate::new(64, 100 * MS, 150 * MS);
        let mut at = Instant::now();
        assert_eq!(gate.limit(), 64);
        // One slow request in twenty is tolerated.
        finish(&gate, 19, 20 * MS, at);
        finish(&gate, 1, 400 * MS, at);
        at += 150 * MS;
        finish(&gate, 1, 20 * MS, at);
        assert_eq!(gate.limit(), 64);
        // Mostly slow: a fifth fewer each window, down to a thirty-second.
        let mut seen = vec![];
        for _ in 0..20 {
            finish(&gate, 20, 400 * MS, at);
            at += 150 * MS;
            finish(&gate, 1, 400 * MS, at);
            seen.push(gate.limit());
        }
        assert_eq!(&seen[..4], &[51, 40, 32, 25]);
        assert_eq!(gate.limit(), 2);
        // Fast again but nobody waits: no reason for more.
        finish(&gate, 20, 20 * MS, at);
        at += 150 * MS;
        finish(&gate, 1, 20 * MS, at);
        assert_eq!(gate.limit(), 2);
        // Fast and requests wait: more turns, up to the maximum.
        for _ in 0..40 {
            gate.lock().queued = true;
            finish(&gate, 20, 20 * MS, at);
            at += 150 * MS;
            finish(&gate, 1, 20 * MS, at);
        }
        assert_eq!(gate.limit(), 64);
    }

    #[tokio::test]
    async fn kept_reads_go_first_then_the_newest_waiter() {
        let gate = Arc::new(Gate::new(1, 2000 * MS, 150 * MS));
        let held = gate.enter(Class::Kept).await.expect("a free turn");
        let (order, mut served) = tokio::sync::mpsc::unbounded_channel();
        for (name, class) in [
            ("shed", Class::Shed),
            ("older read", Class::Kept),
            ("newer read", Class::Kept),
        ] {
            let (gate, order) = (gate.clone(), order.clone());
            tokio::spawn(async move {
                let turn = gate.enter(class).await;
                order.send((name, turn.is_some())).unwrap();
                tokio::time::sleep(10 * MS).await;
            });
            tokio::time::sleep(20 * MS).await;
        }
        drop(held);
        let mut got = vec![];
        for _ in 0..3 {
            got.push(served.recv().await.unwrap());
        }
        assert_eq!(
            got,
            [("newer read", true), ("older read", true), ("shed", true)]
        );
    }

    #[tokio::test]
    async fn a_refused_or_abandoned_wait_leaves_the_turns_whole() {
        let gate = Arc::new(Gate::new(1, 50 * MS, 150 * MS));
        let held = gate.enter(Class::Kept).await.expect("a free turn");
        let started = Instant::now();
        assert!(gate.enter(Class::Kept).await.is_none());
        let waited = started.elapsed();
        assert!(waited >= 50 * MS && waited < 1000 * MS, "{waited:?}");
        // The client goes away while waiting.
        let abandoned = tokio::spawn({
            let gate = gate.clone();
            async move { gate.enter(Class::Kept).await.is_some() }
        });
        tokio::time::sleep(10 * MS).await;
        abandoned.abort();
        let _ = abandoned.await;
        drop(held);
        {
            let t = gate.lock();
            assert_eq!((t.busy, t.busy_shed, t.kept.len()), (0, 0, 0));
        }
        let again = tokio::time::timeout(10 * MS, gate.enter(Class::Shed)).await;
        assert!(again.expect("no wait for a free turn").is_some());
    }
}
