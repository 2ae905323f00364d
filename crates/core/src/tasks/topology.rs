//! The RabbitMQ names and their declaration.
//!
//! - exchange `<prefix>` (direct): routing key = task kind;
//! - queue `<prefix>.<kind>` per kind, durable, bound to it;
//! - per retry delay, a fanout exchange and a queue `<prefix>.retry.<ms>ms`
//!   whose messages expire after that delay and dead-letter back to `<prefix>`
//!   with their original routing key (the delay is in the name, so changing
//!   the backoff adds queues instead of clashing with existing arguments);
//! - queue `<prefix>.parked`: tasks that can never succeed as they stand,
//!   for an operator to inspect and replay. A task that fails for a passing
//!   reason is never parked: it keeps coming back, at most `retry_max` apart.

use std::time::Duration;

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, ExchangeKind};

use crate::config::AmqpConfig;
use crate::tasks::Task;

/// The longest a retry waits, whatever the configuration says.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(3600);
/// Delay steps declared at most (doubling from 1 ms passes an hour in 22).
const MAX_STEPS: u32 = 32;

/// Names and retry policy derived from the configuration.
#[derive(Debug, Clone)]
pub struct Topology {
    prefix: String,
    retry_base: Duration,
    retry_max: Duration,
    expires: Option<Duration>,
}

impl Topology {
    pub fn new(config: &AmqpConfig) -> Topology {
        Topology {
            prefix: config.queue_prefix.clone(),
            retry_base: config.retry_base,
            retry_max: config.retry_max,
            expires: config.queue_expires,
        }
    }

    /// The exchange every task is published to.
    pub fn exchange(&self) -> String {
        self.prefix.clone()
    }

    /// The work queue of a task kind.
    pub fn queue(&self, kind: &str) -> String {
        format!("{}.{kind}", self.prefix)
    }

    /// The queue of parked tasks.
    pub fn parked_queue(&self) -> String {
        format!("{}.parked", self.prefix)
    }

    /// How long to wait after the `failures`-th failure: doubling from the
    /// base up to the longest wait, then staying there.
    pub fn retry_delay(&self, failures: u32) -> Duration {
        let factor = 2u32.saturating_pow(failures.clamp(1, MAX_STEPS) - 1);
        self.retry_base
            .saturating_mul(factor)
            .min(self.retry_max.max(self.retry_base))
            .min(MAX_RETRY_DELAY)
    }

    /// Every delay `retry_delay` can answer, shortest first.
    pub fn retry_delays(&self) -> Vec<Duration> {
        let mut delays: Vec<Duration> = (1..=MAX_STEPS).map(|n| self.retry_delay(n)).collect();
        delays.dedup();
        delays
    }

    /// The shortest delay declared that is at least `wait` (the longest,
    /// when none is).
    pub fn delay_at_least(&self, wait: Duration) -> Duration {
        let delays = self.retry_delays();
        delays
            .iter()
            .copied()
            .find(|d| *d >= wait)
            .or(delays.last().copied())
            .unwrap_or(self.retry_base)
    }

    /// The exchange (and queue) that holds a task for `delay`.
    pub fn retry_exchange(&self, delay: Duration) -> String {
        format!("{}.retry.{}ms", self.prefix, delay.as_millis())
    }

    /// Declares everything; safe to repeat, and done by every connection so a
    /// fresh broker (or a deleted queue) is repaired on reconnect.
    pub async fn declare(&self, channel: &Channel) -> crate::Result<()> {
        let durable = ExchangeDeclareOptions {
            durable: true,
            ..Default::default()
        };
        let queue_opts = QueueDeclareOptions {
            durable: true,
            ..Default::default()
        };
        channel
            .exchange_declare(
                self.exchange().into(),
                ExchangeKind::Direct,
                durable,
                FieldTable::default(),
            )
            .await?;
        for kind in Task::KINDS {
            let queue = self.queue(kind);
            channel
                .queue_declare(queue.clone().into(), queue_opts, self.queue_args())
                .await?;
            channel
                .queue_bind(
                    queue.into(),
                    self.exchange().into(),
                    (*kind).into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await?;
        }
        for delay in self.retry_delays() {
            let name = self.retry_exchange(delay);
            let mut args = self.queue_args();
            args.insert(
                "x-message-ttl".into(),
                AMQPValue::LongLongInt(millis(delay)),
            );
            args.insert(
                "x-dead-letter-exchange".into(),
                AMQPValue::LongString(self.exchange().into()),
            );
            channel
                .exchange_declare(
                    name.clone().into(),
                    ExchangeKind::Fanout,
                    durable,
                    FieldTable::default(),
                )
                .await?;
            channel
                .queue_declare(name.clone().into(), queue_opts, args)
                .await?;
            channel
                .queue_bind(
                    name.clone().into(),
                    name.into(),
                    "".into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await?;
        }
        channel
            .queue_declare(self.parked_queue().into(), queue_opts, self.queue_args())
            .await?;
        Ok(())
    }

    fn queue_args(&self) -> FieldTable {
        let mut args = FieldTable::default();
        if let Some(expires) = self.expires {
            args.insert("x-expires".into(), AMQPValue::LongLongInt(millis(expires)));
        }
        args
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topology(base_ms: u64) -> Topology {
        Topology {
            prefix: "lb".into(),
            retry_base: Duration::from_millis(base_ms),
            retry_max: Duration::from_secs(8),
            expires: None,
        }
    }

    /// Each retry waits twice as long as the one before, up to the longest
    /// wait, and stays there however many attempts follow.
    #[test]
    fn retry_delays_double_and_are_capped() {
        let t = topology(1000);
        let delays: Vec<u64> = (1..7).map(|n| t.retry_delay(n).as_secs()).collect();
        assert_eq!(delays, vec![1, 2, 4, 8, 8, 8]);
        assert_eq!(t.retry_delay(u32::MAX), Duration::from_secs(8));
        assert_eq!(t.delay_at_least(Duration::from_secs(3)).as_secs(), 4);
        assert_eq!(t.delay_at_least(Duration::from_secs(60)).as_secs(), 8);
        let declared: Vec<u64> = t.retry_delays().iter().map(|d| d.as_secs()).collect();
        assert_eq!(declared, vec![1, 2, 4, 8]);
        assert_eq!(t.retry_exchange(t.retry_delay(2)), "lb.retry.2000ms");
    }
}
