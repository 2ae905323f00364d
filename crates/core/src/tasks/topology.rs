//! The RabbitMQ names and their declaration.
//!
//! - exchange `<prefix>` (direct): routing key = task kind;
//! - queue `<prefix>.<kind>` per kind, durable, bound to it;
//! - per retry delay, a fanout exchange and a queue `<prefix>.retry.<ms>ms`
//!   whose messages expire after that delay and dead-letter back to `<prefix>`
//!   with their original routing key (the delay is in the name, so changing
//!   the backoff adds queues instead of clashing with existing arguments);
//! - queue `<prefix>.parked`: tasks that failed `max_attempts` times, for an
//!   operator to inspect and replay.

use std::time::Duration;

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, ExchangeKind};

use crate::config::AmqpConfig;
use crate::tasks::Task;

/// The longest a retry waits, however many attempts came before.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(3600);

/// Names and retry policy derived from the configuration.
#[derive(Debug, Clone)]
pub struct Topology {
    prefix: String,
    /// Attempts before a task is parked.
    pub max_attempts: u32,
    retry_base: Duration,
    expires: Option<Duration>,
}

impl Topology {
    pub fn new(config: &AmqpConfig) -> Topology {
        Topology {
            prefix: config.queue_prefix.clone(),
            max_attempts: config.max_attempts,
            retry_base: config.retry_base,
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

    /// How long to wait after the `failures`-th failure: doubling from the base.
    pub fn retry_delay(&self, failures: u32) -> Duration {
        let factor = 2u32.saturating_pow(failures.saturating_sub(1));
        self.retry_base.saturating_mul(factor).min(MAX_RETRY_DELAY)
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
        for failures in 1..self.max_attempts {
            let delay = self.retry_delay(failures);
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
            max_attempts: 5,
            retry_base: Duration::from_millis(base_ms),
            expires: None,
        }
    }

    /// Each retry waits twice as long as the one before, up to an hour.
    #[test]
    fn retry_delays_double_and_are_capped() {
        let t = topology(1000);
        let delays: Vec<u64> = (1..5).map(|n| t.retry_delay(n).as_secs()).collect();
        assert_eq!(delays, vec![1, 2, 4, 8]);
        assert_eq!(t.retry_delay(40), MAX_RETRY_DELAY);
        assert_eq!(t.retry_exchange(t.retry_delay(2)), "lb.retry.2000ms");
    }
}
