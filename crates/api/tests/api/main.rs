//! End-to-end tests of the API through HTTP against the real services. One
//! binary, one module per concern, so the suite links once.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod account_notes;
mod accounts;
mod authorization;
mod burst;
mod caching;
mod compose;
mod deploys;
mod docs;
mod domain_blocks;
mod favourites;
mod featured_tags;
mod forgery;
mod graph;
mod health;
mod hostile;
mod http;
mod instance;
mod limits;
mod lists;
mod lookups;
mod mail;
mod malformed;
mod mastodon_py;
mod media;
mod metrics;
mod multipart;
mod native_push;
mod nginx;
mod notifications;
mod oauth;
mod pins;
mod process;
mod push;
mod push_services;
mod ratelimit;
mod reblogs;
mod replica;
mod reports;
mod revocation;
mod search;
mod shedding;
mod spoofing;
mod status_access;
mod status_history;
mod statuses;
mod streaming;
mod streaming_replica;
mod suggestions;
mod thread_mutes;
mod timelines;
mod trends;
mod uploads;
