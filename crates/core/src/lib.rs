//! Lookbook's core: everything the API and the worker share.
//!
//! - [`config`]: settings read once from the environment.
//! - [`counted`]: where the counts of posts and accounts are cached.
//! - [`db`]: PostgreSQL pools (primary and optional replica), migrations and
//!   one module of queries per table.
//! - [`auth`]: tokens, scopes and passwords.
//! - [`cache`]: the Memcached client for hydrated entities.
//! - [`kv`]: the Redis pool for small hot state; [`feeds`]: home feeds in it.
//! - [`posting`]: publishing a post, for the API and for scheduled posts.
//! - [`secret`]: settings kept out of debug output.
//! - [`storage`]: S3, where every byte of media lives.
//! - [`stream`]: live events (streaming API), published on Redis.
//! - [`tasks`]: task kinds, the outbox relay and the RabbitMQ topology.
//! - [`telemetry`]: JSON logs and the Prometheus recorder.
//! - [`text`]: hashtags, mentions and links in what members write.
//! - [`trending`]: trends, computed by the worker, stored in Redis.
//! - [`webpush`]: the VAPID key and push message encryption.

pub mod auth;
pub mod cache;
pub mod config;
pub mod counted;
pub mod db;
pub mod error;
pub mod feeds;
pub mod kv;
pub mod posting;
pub mod secret;
pub mod storage;
pub mod stream;
pub mod tasks;
pub mod telemetry;
pub mod text;
pub mod trending;
pub mod webpush;

pub use config::Config;
pub use secret::Secret;

pub use error::{Error, Result};
