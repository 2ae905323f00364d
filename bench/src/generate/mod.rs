//! The data generator: a network of the configured size, bulk-loaded with
//! `COPY` into an empty Lookbook database. Deterministic for a scale and a
//! seed, and idempotent: a database already holding that dataset is left
//! as it is; any other content of the data tables is replaced.
//!
//! At scale 1: 20,000 accounts (five of them brands followed by most
//! members) with a power-law follower graph, 200,000 posts with photos,
//! item tags and hashtags, 1,000,000 favourites. Every member has an access
//! token, `token_for(username)`, so the scenarios can act as anyone.

mod copy;
mod graph;
mod posts;

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use rand::SeedableRng;
use rand::rngs::StdRng;
use sqlx::{Connection, PgConnection};

/// Accounts that are brands: followed by most members, posting often.
pub const BRANDS: usize = 5;

/// The client id of the app the generator registers; its name records the
/// dataset, and it is written last, so its presence means a finished load.
const APP_CLIENT_ID: &str = "lookbook-bench";

/// How big a network to make.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub factor: f64,
    pub seed: u64,
}

impl Scale {
    pub fn accounts(&self) -> usize {
        ((20_000.0 * self.factor) as usize).max(BRANDS + 20)
    }
    pub fn posts(&self) -> usize {
        ((200_000.0 * self.factor) as usize).max(100)
    }
    pub fn favourites(&self) -> usize {
        (1_000_000.0 * self.factor) as usize
    }
    fn label(&self) -> String {
        // The format's version (2: tokens carry `push`) is part of the mark,
        // so a dataset of an older format is made again.
        format!("lookbook-bench v2 scale={} seed={}", self.factor, self.seed)
    }
}

/// The access token of a generated account.
pub fn token_for(username: &str) -> String {
    format!("bench-token-{username}")
}

/// The username of the `i`th generated account (brands first).
pub fn username(i: usize) -> String {
    if i < BRANDS {
        format!("brand{i}")
    } else {
        format!("member{i}")
    }
}

/// Time-ordered ids in the shape `lookbook_id()` makes (milliseconds, then
/// 16 bits of sequence), each one unique: a millisecond whose 65,536 ids
/// are used up lends from the next.
pub struct Ids {
    used: HashMap<i64, u32>,
}

impl Ids {
    const EPOCH_MS: i64 = 1_767_225_600_000;

    pub fn new() -> Ids {
        Ids {
            used: HashMap::new(),
        }
    }

    pub fn at(&mut self, t: DateTime<Utc>) -> i64 {
        let mut ms = t.timestamp_millis() - Self::EPOCH_MS;
        loop {
            let n = self.used.entry(ms).or_insert(0);
            if *n <= 0xffff {
                let id = (ms << 16) | i64::from(*n);
                *n += 1;
                return id;
            }
            ms += 1;
        }
    }
}

/// A timestamp in COPY's text format.
pub fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.3f+00").to_string()
}

/// Loads the dataset unless the database already holds it.
pub async fn run(database_url: &str, scale: Scale) -> anyhow::Result<()> {
    let mut conn = PgConnection::connect(database_url).await?;
    let label = scale.label();
    let loaded = sqlx::query_scalar!("select name from apps where client_id = $1", APP_CLIENT_ID)
        .fetch_optional(&mut conn)
        .await?;
    if loaded.as_deref() == Some(label.as_str()) {
        eprintln!("dataset: {label} is already loaded");
        return Ok(());
    }
    eprintln!(
        "dataset: loading {label}: {} accounts, {} posts, {} favourites",
        scale.accounts(),
        scale.posts(),
        scale.favourites()
    );
    let started = std::time::Instant::now();
    sqlx::query!(
        "truncate accounts, apps, tags, brands, outbox, task_done, idempotency_keys,
            direct_uploads cascade"
    )
    .execute(&mut conn)
    .await?;
    let mut rng = StdRng::seed_from_u64(scale.seed);
    let now = Utc::now();
    let begin = now - Duration::days(90);
    let mut ids = Ids::new();
    let app_id = sqlx::query_scalar!(
        "insert into apps (name, redirect_uris, scopes, client_id, client_secret_hash)
         values ('lookbook-bench (loading)', '{urn:ietf:wg:oauth:2.0:oob}',
                 '{read,write,follow}', $1, '\\x00') returning id",
        APP_CLIENT_ID
    )
    .fetch_one(&mut conn)
    .await?;
    let graph = graph::load(&mut conn, &mut rng, &mut ids, scale, begin, app_id).await?;
    posts::load(&mut conn, &mut rng, &mut ids, scale, &graph, begin, now).await?;
    eprintln!("  analyze");
    sqlx::query!("analyze").execute(&mut conn).await?;
    sqlx::query!(
        "update apps set name = $2 where client_id = $1",
        APP_CLIENT_ID,
        label
    )
    .execute(&mut conn)
    .await?;
    eprintln!(
        "dataset: loaded in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// An index in `0..n` drawn with a power law: small indexes are far more
/// likely than large ones (`skew` > 1 makes it steeper).
pub fn skewed(rng: &mut StdRng, n: usize, skew: f64) -> usize {
    use rand::Rng as _;
    let u: f64 = rng.random();
    ((n as f64 * u.powf(skew)) as usize).min(n - 1)
}
