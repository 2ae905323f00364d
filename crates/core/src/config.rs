//! Settings, read once from environment variables at start-up and passed down.
//!
//! Every variable is documented in `.env.example`. A missing or malformed
//! setting is a [`ConfigError`] that names the variable, so start-up stops
//! with one line an operator can act on.

use std::net::SocketAddr;
use std::time::Duration;

use crate::secret::Secret;

mod native_push;
pub use native_push::{ApnsConfig, FcmConfig, NativePushConfig};

/// Why the configuration could not be read: the variable and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuration error: {var} {reason}")]
pub struct ConfigError {
    /// The environment variable at fault.
    pub var: &'static str,
    /// What is wrong with it, phrased to follow the name.
    pub reason: String,
}

/// Everything the API and the worker need to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address the HTTP server binds; port 0 picks a free one (tests).
    pub bind: SocketAddr,
    /// Address the worker serves its `/metrics` on.
    pub worker_metrics_bind: SocketAddr,
    /// Base URL clients reach the service at, without a trailing slash.
    pub public_url: String,
    /// The host part of `public_url`, which Mastodon calls the domain.
    pub domain: String,
    /// Shown in `/api/v1/instance`.
    pub instance_title: String,
    /// Shown in `/api/v1/instance` as the contact.
    pub contact_email: String,
    /// Username of the member shown as the contact (`contact.account`); none
    /// when empty.
    pub contact_account: String,
    /// Where this deployment's source code is published (`source_url`).
    pub source_url: String,
    pub database: DatabaseConfig,
    pub redis: RedisConfig,
    pub memcached: MemcachedConfig,
    pub s3: S3Config,
    pub amqp: AmqpConfig,
    pub outbox: OutboxConfig,
    pub http: HttpConfig,
    pub mail: MailConfig,
    /// Deadline for every call to another service (S3, SMTP, push).
    pub outbound_timeout: Duration,
    pub limits: Limits,
    pub feeds: FeedConfig,
    pub sweep: SweepConfig,
    pub push: PushConfig,
    pub previews: PreviewConfig,
}

/// Link previews: the pages members link to, fetched by the worker.
#[derive(Debug, Clone)]
pub struct PreviewConfig {
    /// Whether pages on loopback and private addresses are fetched (never
    /// in production: a post could point the worker into its own network).
    pub allow_private_addresses: bool,
    /// The whole fetch, redirects included.
    pub timeout: Duration,
    /// Bytes of a page read at most (its head is near the start).
    pub max_bytes: usize,
}

/// Outgoing mail.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// SMTP server: `smtp://` (STARTTLS when the server offers it),
    /// `smtp://…?tls=required` or `smtps://` (TLS from the start), with
    /// `user:password@` when it wants a login.
    pub smtp_url: Secret,
    /// The `From` of every mail.
    pub from: String,
    /// Whether a new member must open the link mailed to them before the
    /// API serves their token (Mastodon's e-mail confirmation).
    pub confirm_email: bool,
    /// Mails a worker sends at once (turns of their own, like pushes).
    pub concurrency: usize,
    /// How long a member is away before they get a digest of what they
    /// missed (and at most one digest per such period).
    pub digest_after: Duration,
    /// How often the worker looks for digests that are due.
    pub digest_sweep: Duration,
    /// DKIM signing, when a key is configured.
    pub dkim: Option<DkimConfig>,
}

/// A DKIM key and where its public half is published
/// (`<selector>._domainkey.<domain>`).
#[derive(Debug, Clone)]
pub struct DkimConfig {
    /// A file holding the RSA private key, PEM.
    pub key_file: String,
    pub selector: String,
    /// The signing domain; unset, the domain of `MAIL_FROM`.
    pub domain: Option<String>,
}

/// Web Push.
#[derive(Debug, Clone)]
pub struct PushConfig {
    /// The VAPID private key; unset, one is made once and kept in PostgreSQL.
    pub vapid_private_key: Option<Secret>,
    /// Pushes a worker sends at once (they wait on other servers, so they
    /// have turns of their own and never hold up images or feeds).
    pub concurrency: usize,
    /// Whether push endpoints may be on loopback or private networks (a
    /// test's or a lab's own push service); off, only public addresses are
    /// ever sent to.
    pub allow_private_addresses: bool,
    /// APNs and FCM, for the network's own apps.
    pub native: NativePushConfig,
}

/// Housekeeping of direct uploads.
#[derive(Debug, Clone)]
pub struct SweepConfig {
    /// How often the worker looks for direct uploads to end.
    pub interval: Duration,
    /// How long after its URL expired an upload is ended (its key deleted):
    /// room for a client that finished its PUT just in time to complete it.
    pub grace: Duration,
    /// How often the worker looks for polls that have ended, to tell their
    /// voters and authors.
    pub polls: Duration,
    /// How often the worker looks for scheduled posts that are due.
    pub scheduled: Duration,
}

/// Home feeds and trends.
#[derive(Debug, Clone)]
pub struct FeedConfig {
    /// Posts kept in each member's feed in Redis.
    pub size: usize,
    /// Accounts with more followers than this are not fanned out on write;
    /// their posts are merged into home timelines when read.
    pub fanout_max_followers: i64,
    /// How often the worker recomputes trends.
    pub trends_interval: Duration,
}

/// PostgreSQL connection settings.
#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    /// The primary, which takes every write.
    pub url: Secret,
    /// An optional read replica for reads that tolerate a little lag.
    pub replica_url: Option<Secret>,
    /// Reads go to the primary while the replica is further behind than
    /// this (or does not answer).
    pub replica_max_lag: Duration,
    /// Upper bound of each pool, so a crowd cannot exhaust the server.
    pub max_connections: u32,
    /// How long a request waits for a pooled connection before giving up.
    pub acquire_timeout: Duration,
}

/// Redis connection settings.
#[derive(Debug, Clone)]
pub struct RedisConfig {
    pub url: Secret,
    /// Upper bound of the pool.
    pub pool_size: usize,
    /// Prepended to every key, so several deployments (or tests) share a server.
    pub key_prefix: String,
}

/// Memcached servers; keys are routed across them by rendezvous hashing.
#[derive(Debug, Clone)]
pub struct MemcachedConfig {
    /// `host:port` of each server.
    pub servers: Vec<String>,
    /// Prepended to every key.
    pub key_prefix: String,
}

/// Where media is stored and served from.
#[derive(Debug, Clone)]
pub struct S3Config {
    pub endpoint: String,
    /// The endpoint clients upload to with presigned URLs (what phones can
    /// reach); the same as `endpoint` unless set.
    pub public_endpoint: String,
    pub region: String,
    pub bucket: String,
    pub access_key_id: String,
    pub secret_access_key: Secret,
    /// Public URL that object keys are appended to in API responses.
    pub media_base_url: String,
}

/// RabbitMQ settings for the task pipeline.
#[derive(Debug, Clone)]
pub struct AmqpConfig {
    pub url: Secret,
    /// Prefix of every exchange and queue name, so deployments can share a vhost.
    pub queue_prefix: String,
    /// Delay before the first retry; each further retry waits twice as long.
    pub retry_base: Duration,
    /// The longest wait between two attempts: a task that fails for a
    /// passing reason is retried at least this often for as long as it fails.
    pub retry_max: Duration,
    /// Unacknowledged messages a worker holds per queue: its concurrency bound.
    pub prefetch: u16,
    /// Delete queues unused for this long; only for throwaway test queues.
    pub queue_expires: Option<Duration>,
    /// The task kinds this worker consumes (every kind unless set), so
    /// that image processing and the light kinds can run in separate
    /// deployments, each scaled on its own queues.
    pub consume_kinds: Vec<&'static str>,
}

/// Outbox relay settings.
#[derive(Debug, Clone)]
pub struct OutboxConfig {
    /// How often the relay looks for unsent rows when it found none.
    pub poll_interval: Duration,
    /// Rows published per transaction.
    pub batch_size: i64,
}

/// HTTP server settings.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Origins allowed by CORS; empty means any origin.
    pub cors_allowed_origins: Vec<String>,
    /// A request running longer than this is answered 503.
    pub request_timeout: Duration,
    /// Largest request body accepted (photo uploads).
    pub max_body_bytes: usize,
    /// Largest JSON or form body, and the text fields of a multipart one.
    pub max_form_bytes: usize,
    /// After SIGTERM, in-flight requests get this long to finish.
    pub shutdown_timeout: Duration,
    /// After SIGTERM, open connections are served this long (every answer
    /// closing its connection) before idle ones are closed.
    pub shutdown_linger: Duration,
    /// A client gets this long to send a request's headers; a slower one
    /// (a slow-header attack holding connections open) is disconnected.
    pub header_read_timeout: Duration,
    /// Peers whose `X-Forwarded-For` is believed (the load balancers);
    /// `None` believes every peer.
    pub trusted_proxies: Option<Vec<std::net::IpAddr>>,
    /// Requests one instance works on at once; past this, requests wait
    /// briefly for a turn, then are shed with 503 and `Retry-After`.
    pub max_in_flight: usize,
    /// How long a request may wait for a turn.
    pub queue_wait: Duration,
    /// How long a request should take at most once it has a turn; when
    /// more than one in twenty take longer, fewer are let in at once.
    pub latency_target: Duration,
    /// How long an instance keeps anonymous public answers in memory
    /// (zero: not at all).
    pub microcache: Duration,
    /// Bytes of such answers an instance keeps at most.
    pub microcache_bytes: usize,
}

/// Product limits, announced in `/api/v2/instance`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub status_chars: u32,
    pub media_per_status: u32,
    pub photo_bytes: u64,
    pub photo_pixels: u64,
    pub photo_side: u32,
    pub alt_text_chars: u32,
    pub page_default: u32,
    pub page_max: u32,
    /// Sign-ups per address per 30 minutes.
    pub signups_per_ip: u64,
    /// Photo uploads per member per 30 minutes.
    pub media_uploads_per_account: u64,
    /// Sign-in attempts per address per 5 minutes.
    pub signins_per_ip: u64,
    /// Sign-in attempts per account per 5 minutes.
    pub signins_per_account: u64,
    /// API requests per access token per 5 minutes.
    pub api_per_token: u64,
    /// Choices a poll may offer.
    pub poll_options: u32,
    /// Characters each choice may hold.
    pub poll_option_chars: u32,
    /// Shortest time a poll may run, in seconds.
    pub poll_min_secs: u32,
    /// Longest time a poll may run, in seconds.
    pub poll_max_secs: u32,
    /// How far ahead a post must be scheduled, in seconds.
    pub schedule_min_secs: u32,
}

impl Default for Limits {
    /// The defaults `.env.example` documents.
    fn default() -> Limits {
        Limits {
            status_chars: 500,
            media_per_status: 10,
            photo_bytes: 16 * 1024 * 1024,
            photo_pixels: 40_000_000,
            photo_side: 10_000,
            alt_text_chars: 1500,
            page_default: 20,
            page_max: 40,
            signups_per_ip: 5,
            media_uploads_per_account: 30,
            signins_per_ip: 30,
            signins_per_account: 10,
            api_per_token: 300,
            poll_options: 4,
            poll_option_chars: 50,
            poll_min_secs: 300,
            poll_max_secs: 2_629_746,
            schedule_min_secs: 300,
        }
    }
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup`, which returns a variable's
    /// value or `None`; empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let env = Env(&lookup);
        let public_url = env.url("LOOKBOOK_PUBLIC_URL")?;
        let domain = host_of(&public_url);
        let media_base_url = match env.get("MEDIA_BASE_URL") {
            Some(_) => env.url("MEDIA_BASE_URL")?,
            None => format!("{public_url}/media"),
        };
        let defaults = Limits::default();
        let config = Config {
            bind: env.parse_or(
                "LOOKBOOK_BIND",
                "127.0.0.1:3000".parse().expect("valid default"),
            )?,
            worker_metrics_bind: env.parse_or(
                "WORKER_METRICS_BIND",
                "127.0.0.1:9464".parse().expect("valid default"),
            )?,
            domain: domain.clone(),
            public_url,
            instance_title: env
                .get("LOOKBOOK_INSTANCE_TITLE")
                .unwrap_or_else(|| "Lookbook".into()),
            contact_email: env.get("LOOKBOOK_CONTACT_EMAIL").unwrap_or_default(),
            contact_account: env.get("LOOKBOOK_CONTACT_ACCOUNT").unwrap_or_default(),
            source_url: env.get("LOOKBOOK_SOURCE_URL").unwrap_or_default(),
            database: DatabaseConfig {
                url: env.postgres_url("DATABASE_URL")?.into(),
                replica_url: match env.get("DATABASE_REPLICA_URL") {
                    Some(_) => Some(env.postgres_url("DATABASE_REPLICA_URL")?.into()),
                    None => None,
                },
                replica_max_lag: env.millis("DATABASE_REPLICA_MAX_LAG_MS", 5000)?,
                max_connections: env.positive("DATABASE_MAX_CONNECTIONS", 20)?,
                acquire_timeout: env.millis("DATABASE_ACQUIRE_TIMEOUT_MS", 3000)?,
            },
            redis: RedisConfig {
                url: env.scheme_url("REDIS_URL", &["redis", "rediss"])?.into(),
                pool_size: env.positive("REDIS_POOL_SIZE", 32)?,
                key_prefix: env
                    .get("REDIS_KEY_PREFIX")
                    .unwrap_or_else(|| "lookbook:".into()),
            },
            memcached: MemcachedConfig {
                servers: env.list("MEMCACHED_SERVERS")?,
                key_prefix: env
                    .get("MEMCACHED_KEY_PREFIX")
                    .unwrap_or_else(|| "lb:".into()),
            },
            s3: S3Config {
                endpoint: env.url("S3_ENDPOINT")?,
                public_endpoint: match env.get("S3_PUBLIC_ENDPOINT") {
                    Some(_) => env.url("S3_PUBLIC_ENDPOINT")?,
                    None => env.url("S3_ENDPOINT")?,
                },
                region: env.get("S3_REGION").unwrap_or_else(|| "us-east-1".into()),
                bucket: env.required("S3_BUCKET")?,
                access_key_id: env.required("S3_ACCESS_KEY_ID")?,
                secret_access_key: env.required("S3_SECRET_ACCESS_KEY")?.into(),
                media_base_url,
            },
            amqp: AmqpConfig {
                url: env.scheme_url("AMQP_URL", &["amqp", "amqps"])?.into(),
                queue_prefix: env
                    .get("TASK_QUEUE_PREFIX")
                    .unwrap_or_else(|| "lookbook".into()),
                retry_base: env.millis("TASK_RETRY_BASE_MS", 1000)?,
                retry_max: env.millis("TASK_RETRY_MAX_MS", 60_000)?,
                prefetch: env.positive("WORKER_PREFETCH", 16)?,
                consume_kinds: match env.get("WORKER_TASK_KINDS") {
                    None => crate::tasks::Task::KINDS.to_vec(),
                    Some(_) => env
                        .list("WORKER_TASK_KINDS")?
                        .iter()
                        .map(|kind| {
                            crate::tasks::Task::KINDS
                                .iter()
                                .find(|k| **k == kind.as_str())
                                .copied()
                                .ok_or_else(|| ConfigError {
                                    var: "WORKER_TASK_KINDS",
                                    reason: format!(
                                        "names {kind:?}, which is not a task kind (kinds: {})",
                                        crate::tasks::Task::KINDS.join(", ")
                                    ),
                                })
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .and_then(|kinds| {
                            let mut seen = kinds.clone();
                            seen.sort_unstable();
                            seen.dedup();
                            if seen.len() == kinds.len() {
                                Ok(kinds)
                            } else {
                                Err(ConfigError {
                                    var: "WORKER_TASK_KINDS",
                                    reason: "names a task kind twice".into(),
                                })
                            }
                        })?,
                },
                queue_expires: match env.get("TASK_QUEUE_EXPIRES_MS") {
                    Some(_) => Some(env.millis("TASK_QUEUE_EXPIRES_MS", 1)?),
                    None => None,
                },
            },
            push: PushConfig {
                vapid_private_key: match env.get("VAPID_PRIVATE_KEY") {
                    Some(key) => {
                        crate::webpush::vapid::Vapid::from_private(&key).map_err(|reason| {
                            ConfigError {
                                var: "VAPID_PRIVATE_KEY",
                                reason,
                            }
                        })?;
                        Some(key.into())
                    }
                    None => None,
                },
                concurrency: env.positive("WORKER_PUSH_CONCURRENCY", 8)?,
                allow_private_addresses: env.flag("PUSH_ALLOW_PRIVATE_ADDRESSES", false)?,
                native: NativePushConfig::from_env(&env)?,
            },
            sweep: SweepConfig {
                interval: env.millis("UPLOAD_SWEEP_INTERVAL_MS", 60_000)?,
                grace: env.millis("UPLOAD_SWEEP_GRACE_MS", 3_600_000)?,
                polls: env.millis("POLL_SWEEP_MS", 5_000)?,
                scheduled: env.millis("SCHEDULED_SWEEP_MS", 5_000)?,
            },
            outbox: OutboxConfig {
                poll_interval: env.millis("OUTBOX_POLL_MS", 200)?,
                batch_size: env.positive("OUTBOX_BATCH_SIZE", 100)?,
            },
            http: HttpConfig {
                cors_allowed_origins: match env.get("CORS_ALLOWED_ORIGINS").as_deref() {
                    None | Some("*") => Vec::new(),
                    Some(_) => env.list("CORS_ALLOWED_ORIGINS")?,
                },
                request_timeout: env.millis("REQUEST_TIMEOUT_MS", 10_000)?,
                max_body_bytes: env.positive("MAX_BODY_BYTES", 17 * 1024 * 1024)?,
                max_form_bytes: env.positive("MAX_FORM_BYTES", 64 * 1024)?,
                shutdown_timeout: env.millis("SHUTDOWN_TIMEOUT_MS", 20_000)?,
                shutdown_linger: Duration::from_millis(
                    env.parse_or("SHUTDOWN_LINGER_MS", 1000u64)?,
                ),
                header_read_timeout: env.millis("HEADER_READ_TIMEOUT_MS", 10_000)?,
                max_in_flight: env.positive("MAX_IN_FLIGHT", 128)?,
                queue_wait: env.millis("QUEUE_WAIT_MS", 100)?,
                latency_target: env.millis("LATENCY_TARGET_MS", 150)?,
                microcache: Duration::from_millis(env.parse_or("MICROCACHE_MS", 1000u64)?),
                microcache_bytes: env.positive("MICROCACHE_BYTES", 8 << 20)?,
                trusted_proxies: match env.get("TRUSTED_PROXIES").as_deref() {
                    Some("*") => None,
                    // nginx/nginx.conf's own address (proxy_bind).
                    None => Some(vec![[127, 0, 0, 2].into()]),
                    Some(_) => Some(
                        env.list("TRUSTED_PROXIES")?
                            .iter()
                            .map(|ip| ip.parse())
                            .collect::<Result<_, _>>()
                            .map_err(|_| ConfigError {
                                var: "TRUSTED_PROXIES",
                                reason: "must be IP addresses separated by commas, or *".into(),
                            })?,
                    ),
                },
            },
            mail: MailConfig {
                smtp_url: env
                    .get("SMTP_URL")
                    .unwrap_or_else(|| "smtp://127.0.0.1:2525".into())
                    .into(),
                from: env
                    .get("MAIL_FROM")
                    .unwrap_or_else(|| format!("Lookbook <notifications@{}>", mail_host(&domain))),
                confirm_email: env.flag("MAIL_CONFIRM_EMAIL", true)?,
                concurrency: env.positive("WORKER_MAIL_CONCURRENCY", 4)?,
                digest_after: env.millis("MAIL_DIGEST_AFTER_MS", 3 * 86_400_000)?,
                digest_sweep: env.millis("MAIL_DIGEST_SWEEP_MS", 600_000)?,
                dkim: match env.get("DKIM_PRIVATE_KEY_FILE") {
                    Some(key_file) => Some(DkimConfig {
                        key_file,
                        selector: env.required("DKIM_SELECTOR")?,
                        domain: env.get("DKIM_DOMAIN"),
                    }),
                    None => None,
                },
            },
            outbound_timeout: env.millis("OUTBOUND_TIMEOUT_MS", 5000)?,
            feeds: FeedConfig {
                size: env.positive("FEED_SIZE", 800)?,
                fanout_max_followers: env.positive("FEED_FANOUT_MAX_FOLLOWERS", 10_000)?,
                trends_interval: env.millis("TRENDS_INTERVAL_MS", 60_000)?,
            },
            previews: PreviewConfig {
                allow_private_addresses: env.flag("LINK_PREVIEW_ALLOW_PRIVATE_ADDRESSES", false)?,
                timeout: env.millis("LINK_PREVIEW_TIMEOUT_MS", 5_000)?,
                max_bytes: env.positive("LINK_PREVIEW_MAX_BYTES", 1_048_576)?,
            },
            limits: Limits {
                status_chars: env.positive("LIMIT_STATUS_CHARS", defaults.status_chars)?,
                media_per_status: env
                    .positive("LIMIT_MEDIA_PER_STATUS", defaults.media_per_status)?,
                photo_bytes: env.positive("LIMIT_PHOTO_BYTES", defaults.photo_bytes)?,
                photo_pixels: env.positive("LIMIT_PHOTO_PIXELS", defaults.photo_pixels)?,
                photo_side: env.positive("LIMIT_PHOTO_SIDE", defaults.photo_side)?,
                alt_text_chars: env.positive("LIMIT_ALT_TEXT_CHARS", defaults.alt_text_chars)?,
                page_default: env.positive("LIMIT_PAGE_DEFAULT", defaults.page_default)?,
                page_max: env.positive("LIMIT_PAGE_MAX", defaults.page_max)?,
                signups_per_ip: env.positive("LIMIT_SIGNUPS_PER_IP", defaults.signups_per_ip)?,
                media_uploads_per_account: env
                    .positive("LIMIT_MEDIA_UPLOADS", defaults.media_uploads_per_account)?,
                signins_per_ip: env.positive("LIMIT_SIGNINS_PER_IP", defaults.signins_per_ip)?,
                signins_per_account: env
                    .positive("LIMIT_SIGNINS_PER_ACCOUNT", defaults.signins_per_account)?,
                api_per_token: env.positive("LIMIT_API_PER_TOKEN", defaults.api_per_token)?,
                poll_options: env.positive("LIMIT_POLL_OPTIONS", defaults.poll_options)?,
                poll_option_chars: env
                    .positive("LIMIT_POLL_OPTION_CHARS", defaults.poll_option_chars)?,
                poll_min_secs: env.positive("LIMIT_POLL_MIN_SECS", defaults.poll_min_secs)?,
                poll_max_secs: env.positive("LIMIT_POLL_MAX_SECS", defaults.poll_max_secs)?,
                schedule_min_secs: env
                    .positive("LIMIT_SCHEDULE_MIN_SECS", defaults.schedule_min_secs)?,
            },
        };
        if config.http.shutdown_linger >= config.http.shutdown_timeout {
            return Err(ConfigError {
                var: "SHUTDOWN_LINGER_MS",
                reason: "must be shorter than SHUTDOWN_TIMEOUT_MS (lingering counts against it)"
                    .into(),
            });
        }
        Ok(config)
    }
}

/// The host (and port, if any) of an `http(s)://` URL.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest).to_string()
}

/// The host of `domain` as mail addresses name it: without a port, and
/// `localhost` for a bare IP address (a lab's or a test's).
fn mail_host(domain: &str) -> String {
    let host = match domain.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => domain,
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.parse::<std::net::IpAddr>().is_ok() {
        "localhost".into()
    } else {
        host.into()
    }
}

/// The innermost message of an error chain, said once.
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut inner = err;
    while let Some(source) = inner.source() {
        inner = source;
    }
    inner.to_string()
}

/// Typed access to variables through a lookup function.
struct Env<'a>(&'a dyn Fn(&str) -> Option<String>);

impl Env<'_> {
    fn get(&self, var: &str) -> Option<String> {
        (self.0)(var)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    fn required(&self, var: &'static str) -> Result<String, ConfigError> {
        self.get(var).ok_or_else(|| ConfigError {
            var,
            reason: "is missing".into(),
        })
    }

    fn url(&self, var: &'static str) -> Result<String, ConfigError> {
        let value = self.required(var)?;
        let rest = value
            .strip_prefix("http://")
            .or_else(|| value.strip_prefix("https://"));
        match rest {
            Some(host) if !host.is_empty() && !host.starts_with('/') => {
                Ok(value.trim_end_matches('/').to_string())
            }
            _ => Err(ConfigError {
                var,
                reason: format!("must be an http:// or https:// URL, got '{value}'"),
            }),
        }
    }

    /// A PostgreSQL connection URL; the value is not repeated in the error,
    /// since it may carry a password.
    fn postgres_url(&self, var: &'static str) -> Result<String, ConfigError> {
        let value = self.required(var)?;
        match value.parse::<sqlx::postgres::PgConnectOptions>() {
            Ok(_) => Ok(value),
            Err(err) => Err(ConfigError {
                var,
                reason: format!(
                    "must be a URL like postgres://user:password@host:5432/database ({})",
                    root_cause(&err)
                ),
            }),
        }
    }

    /// A URL with one of `schemes`; the value is not repeated (it may carry a password).
    fn scheme_url(&self, var: &'static str, schemes: &[&str]) -> Result<String, ConfigError> {
        let value = self.required(var)?;
        let scheme = value.split_once("://").map(|(scheme, _)| scheme);
        if scheme.is_some_and(|s| schemes.contains(&s)) {
            return Ok(value);
        }
        Err(ConfigError {
            var,
            reason: format!("must be a {}:// URL", schemes.join(":// or ")),
        })
    }

    fn parse_or<T: std::str::FromStr>(
        &self,
        var: &'static str,
        default: T,
    ) -> Result<T, ConfigError> {
        match self.get(var) {
            None => Ok(default),
            Some(value) => value.parse().map_err(|_| ConfigError {
                var,
                reason: format!("is malformed: '{value}'"),
            }),
        }
    }

    fn positive<T>(&self, var: &'static str, default: T) -> Result<T, ConfigError>
    where
        T: std::str::FromStr + PartialOrd + Default,
    {
        match self.get(var) {
            None => Ok(default),
            Some(value) => match value.parse::<T>() {
                Ok(n) if n > T::default() => Ok(n),
                _ => Err(ConfigError {
                    var,
                    reason: format!("must be a whole number above 0, got '{value}'"),
                }),
            },
        }
    }

    /// `true` or `false` (unset: `default`).
    fn flag(&self, var: &'static str, default: bool) -> Result<bool, ConfigError> {
        match self.get(var).as_deref() {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(other) => Err(ConfigError {
                var,
                reason: format!("must be true or false, not {other:?}"),
            }),
        }
    }

    fn millis(&self, var: &'static str, default: u64) -> Result<Duration, ConfigError> {
        self.positive(var, default).map(Duration::from_millis)
    }

    fn list(&self, var: &'static str) -> Result<Vec<String>, ConfigError> {
        let value = self.required(var)?;
        let items: Vec<String> = value
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        if items.is_empty() {
            return Err(ConfigError {
                var,
                reason: "is an empty list".into(),
            });
        }
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn minimal() -> HashMap<&'static str, String> {
        [
            ("LOOKBOOK_PUBLIC_URL", "https://look.example/"),
            ("DATABASE_URL", "postgres://u@h/db"),
            ("REDIS_URL", "redis://h"),
            ("MEMCACHED_SERVERS", "a:11211, b:11211"),
            ("S3_ENDPOINT", "http://s3:9000"),
            ("S3_BUCKET", "media"),
            ("S3_ACCESS_KEY_ID", "k"),
            ("S3_SECRET_ACCESS_KEY", "s"),
            ("AMQP_URL", "amqp://h"),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect()
    }

    fn load(vars: &HashMap<&'static str, String>) -> Result<Config, ConfigError> {
        Config::from_lookup(|k| vars.get(k).cloned())
    }

    /// The minimal set of variables is enough, and defaults follow DESIGN.md.
    #[test]
    fn minimal_environment_starts_with_documented_defaults() {
        let config = load(&minimal()).unwrap();
        assert_eq!(config.public_url, "https://look.example");
        assert_eq!(config.domain, "look.example");
        assert_eq!(config.s3.media_base_url, "https://look.example/media");
        assert_eq!(config.memcached.servers, vec!["a:11211", "b:11211"]);
        assert_eq!(config.limits.status_chars, 500);
        assert_eq!(config.limits.page_max, 40);
        assert!(config.http.cors_allowed_origins.is_empty());
    }

    /// A configuration printed with `{:?}` (a log line, a panic message)
    /// shows no password, key or connection secret.
    #[test]
    fn debug_output_shows_no_secret() {
        let mut vars = minimal();
        vars.insert("DATABASE_URL", "postgres://app:pw-database@db/app".into());
        vars.insert(
            "DATABASE_REPLICA_URL",
            "postgres://app:pw-replica@db2/app".into(),
        );
        vars.insert("REDIS_URL", "redis://:pw-redis@cache".into());
        vars.insert("AMQP_URL", "amqp://app:pw-amqp@mq".into());
        vars.insert("SMTP_URL", "smtp://app:pw-smtp@mail".into());
        vars.insert("S3_SECRET_ACCESS_KEY", "pw-s3".into());
        let config = load(&vars).unwrap();
        let text = format!("{config:?} {config:#?}");
        assert!(!text.contains("pw-"), "{text}");
        assert_eq!(
            config.database.url.expose(),
            "postgres://app:pw-database@db/app"
        );
        assert_eq!(config.s3.secret_access_key.expose(), "pw-s3");
    }

    /// A worker can be limited to some task kinds; a kind that does not
    /// exist is named.
    #[test]
    fn worker_task_kinds_are_checked() {
        // Without the variable, a worker takes every kind.
        let every = crate::tasks::Task::KINDS.len();
        assert_eq!(load(&minimal()).unwrap().amqp.consume_kinds.len(), every);
        let mut vars = minimal();
        vars.insert(
            "WORKER_TASK_KINDS",
            "process_media, process_profile_image".into(),
        );
        let config = load(&vars).unwrap();
        assert_eq!(
            config.amqp.consume_kinds,
            vec!["process_media", "process_profile_image"]
        );
        vars.insert("WORKER_TASK_KINDS", "process_media,process_media".into());
        assert_eq!(load(&vars).unwrap_err().var, "WORKER_TASK_KINDS");
        vars.insert("WORKER_TASK_KINDS", "process_media,send_fax".into());
        let err = load(&vars).unwrap_err();
        assert_eq!(err.var, "WORKER_TASK_KINDS");
        assert!(err.reason.contains("send_fax"), "{}", err.reason);
    }

    /// Lingering counts against the shutdown timeout, so it must be shorter.
    #[test]
    fn a_linger_as_long_as_the_shutdown_timeout_is_refused() {
        let mut vars = minimal();
        vars.insert("SHUTDOWN_TIMEOUT_MS", "1000".into());
        vars.insert("SHUTDOWN_LINGER_MS", "1000".into());
        assert_eq!(load(&vars).unwrap_err().var, "SHUTDOWN_LINGER_MS");
        vars.insert("SHUTDOWN_LINGER_MS", "999".into());
        assert_eq!(
            load(&vars).unwrap().http.shutdown_linger,
            Duration::from_millis(999)
        );
    }

    /// Each required variable, when absent, is named in the error.
    /// APNs and FCM are off without credentials; APNs's key file without
    /// the key's id, the team or the topic names what is missing.
    #[test]
    fn native_push_channels_need_their_credentials() {
        let config = load(&minimal()).unwrap();
        assert!(config.push.native.apns.is_none() && config.push.native.fcm.is_none());
        assert_eq!(config.push.native.collapse_window, Duration::from_secs(60));
        let mut vars = minimal();
        vars.insert("APNS_KEY_FILE", "/etc/lookbook/AuthKey.p8".into());
        vars.insert("APNS_TEAM_ID", "TEAM".into());
        vars.insert("APNS_TOPIC", "social.lookbook.app".into());
        assert_eq!(load(&vars).unwrap_err().var, "APNS_KEY_ID");
        vars.insert("APNS_KEY_ID", "KEY".into());
        vars.insert("FCM_SERVICE_ACCOUNT_FILE", "/etc/lookbook/sa.json".into());
        vars.insert("FCM_URL", "fcm.example".into());
        assert_eq!(load(&vars).unwrap_err().var, "FCM_URL");
        vars.remove("FCM_URL");
        let native = load(&vars).unwrap().push.native;
        assert_eq!(native.apns.unwrap().url, "https://api.push.apple.com");
        assert_eq!(native.fcm.unwrap().url, "https://fcm.googleapis.com");
    }

    #[test]
    fn a_missing_variable_is_named() {
        for var in minimal().keys() {
            let mut vars = minimal();
            vars.remove(var);
            let err = load(&vars).unwrap_err();
            assert_eq!(err.var, *var);
            assert!(err.to_string().contains(var), "{err}");
        }
    }

    /// Connection URLs that cannot be used are refused with the variable
    /// named and the cause said once, without repeating the value (it may
    /// hold a password).
    #[test]
    fn a_malformed_connection_url_is_named_once() {
        for (var, bad) in [
            ("DATABASE_URL", "notaurl"),
            ("DATABASE_REPLICA_URL", "postgres://u:secret@h:notaport/db"),
            ("REDIS_URL", "127.0.0.1:6379"),
            ("AMQP_URL", "http://u:secret@h"),
        ] {
            let mut vars = minimal();
            vars.insert(var, bad.to_string());
            let err = load(&vars).unwrap_err();
            assert_eq!(err.var, var);
            let text = err.to_string();
            assert!(text.contains(var), "{text}");
            assert!(!text.contains("secret"), "{text}");
            assert_eq!(text.lines().count(), 1, "{text}");
        }
        let mut vars = minimal();
        vars.insert("DATABASE_URL", "notaurl".into());
        let text = load(&vars).unwrap_err().to_string();
        assert_eq!(
            text.matches("relative URL without a base").count(),
            1,
            "{text}"
        );
    }

    /// Malformed values are refused with the variable and the value.
    #[test]
    fn a_malformed_variable_is_named() {
        for (var, bad) in [
            ("LIMIT_PAGE_MAX", "forty"),
            ("LIMIT_PAGE_MAX", "0"),
            ("LOOKBOOK_BIND", "localhost"),
            ("S3_ENDPOINT", "s3:9000"),
            ("TASK_RETRY_BASE_MS", "-5"),
        ] {
            let mut vars = minimal();
            vars.insert(var, bad.to_string());
            let err = load(&vars).unwrap_err();
            assert_eq!(err.var, var);
            assert!(err.to_string().contains(bad), "{err}");
        }
    }
}
