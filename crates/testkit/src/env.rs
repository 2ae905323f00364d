//! [`TestEnv`]: one test's own slice of the real services.
//!
//! The services are found through the same variables the app reads
//! (`DATABASE_URL`, `REDIS_URL`, ...), defaulting to the loopback setup that
//! `scripts/services` brings up. Each environment gets:
//! - a database cloned from a template migrated once per migration set
//!   (cloning takes milliseconds; migrating every test would not);
//! - its own S3 bucket;
//! - its own Redis and Memcached key prefix;
//! - its own exchange and queue names, which expire when unused.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lookbook_core::Config;
use lookbook_core::config::S3Config;
use lookbook_core::db::MIGRATOR;
use lookbook_core::storage::Storage;
use sqlx::{Connection, Executor, PgConnection, PgPool};

use crate::FaultProxy;

/// Databases made by tests start with this.
const DB_PREFIX: &str = "lbt_";
/// Test databases older than this are dropped by the next run (left by a crash).
const STALE_AFTER: Duration = Duration::from_secs(3 * 3600);

/// Where the services are, and the defaults tests use for everything else.
fn base_vars() -> BTreeMap<String, String> {
    let service = |var: &str, default: &str| {
        std::env::var(var)
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| default.to_string())
    };
    let mut vars = BTreeMap::new();
    let mut set = |k: &str, v: String| {
        vars.insert(k.to_string(), v);
    };
    set(
        "DATABASE_URL",
        service(
            "DATABASE_URL",
            "postgres://lookbook:lookbook@127.0.0.1:5432/lookbook",
        ),
    );
    set(
        "REDIS_URL",
        service("REDIS_URL", "redis://127.0.0.1:6379/0"),
    );
    set(
        "MEMCACHED_SERVERS",
        service("MEMCACHED_SERVERS", "127.0.0.1:11211"),
    );
    set(
        "S3_ENDPOINT",
        service("S3_ENDPOINT", "http://127.0.0.1:9000"),
    );
    set("S3_REGION", service("S3_REGION", "us-east-1"));
    set("S3_ACCESS_KEY_ID", service("S3_ACCESS_KEY_ID", "lookbook"));
    set(
        "S3_SECRET_ACCESS_KEY",
        service("S3_SECRET_ACCESS_KEY", "lookbook-secret"),
    );
    set(
        "AMQP_URL",
        service("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f"),
    );
    set("SMTP_URL", service("SMTP_URL", "smtp://127.0.0.1:2525"));
    // Members made by the tests are confirmed at once; the mail tests turn
    // confirmation on and read the mail.
    set("MAIL_CONFIRM_EMAIL", "false".into());
    set("LOOKBOOK_BIND", "127.0.0.1:0".into());
    set("LOOKBOOK_PUBLIC_URL", "http://lookbook.test".into());
    set("LOOKBOOK_CONTACT_EMAIL", "admin@lookbook.test".into());
    set("DATABASE_MAX_CONNECTIONS", "10".into());
    set("REDIS_POOL_SIZE", "8".into());
    set("OUTBOX_POLL_MS", "20".into());
    set("TRENDS_INTERVAL_MS", "300".into());
    set("POLL_SWEEP_MS", "200".into());
    // Tests read right after they write; the microcache has a test of its own.
    set("MICROCACHE_MS", "0".into());
    // Debug builds on a busy machine are slow; the shedding tests set a
    // latency target of their own.
    set("LATENCY_TARGET_MS", "600000".into());
    set("TASK_RETRY_BASE_MS", "100".into());
    set("TASK_RETRY_MAX_MS", "400".into());
    set("OUTBOUND_TIMEOUT_MS", "3000".into());
    set("SHUTDOWN_TIMEOUT_MS", "5000".into());
    // Test instances stop often and only tests about deploys are behind a load balancer.
    set("SHUTDOWN_LINGER_MS", "0".into());
    set("RUST_LOG", service("TEST_LOG", "warn"));
    // Every test member signs up and in from 127.0.0.1.
    set("LIMIT_SIGNUPS_PER_IP", "1000".into());
    set("LIMIT_SIGNINS_PER_IP", "1000".into());
    // Tests make many requests with one token; the limit has a test of its own.
    set("LIMIT_API_PER_TOKEN", "1000000".into());
    vars
}

/// One test's isolated resources and the variables that point at them.
#[derive(Debug)]
pub struct TestEnv {
    /// Unique to this environment; part of every name it made.
    pub tag: String,
    /// The test database's name.
    pub db_name: String,
    /// A small pool on the test database, for assertions.
    pub db: PgPool,
    vars: BTreeMap<String, String>,
    admin_url: String,
    /// The bucket made for this environment (a test may point S3_BUCKET elsewhere).
    bucket: String,
    /// The S3 server itself, whatever proxy a test puts in front of it.
    s3_endpoint: String,
}

impl TestEnv {
    /// Makes the database, the bucket and the prefixes.
    pub async fn new() -> TestEnv {
        let mut vars = base_vars();
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let tag = format!("{secs}{:06x}", rand::random::<u32>() & 0xff_ffff);
        let db_name = format!("{DB_PREFIX}{tag}");
        let server_url = vars["DATABASE_URL"].clone();
        let admin_url = with_database(&server_url, "postgres");
        create_database(&admin_url, &server_url, &db_name).await;
        let db_url = with_database(&server_url, &db_name);
        vars.insert("DATABASE_URL".into(), db_url.clone());
        vars.insert("REDIS_KEY_PREFIX".into(), format!("{tag}:"));
        vars.insert("MEMCACHED_KEY_PREFIX".into(), format!("{tag}:"));
        vars.insert("S3_BUCKET".into(), format!("lbt-{tag}"));
        vars.insert(
            "MEDIA_BASE_URL".into(),
            format!("http://lookbook.test/media/lbt-{tag}"),
        );
        vars.insert("TASK_QUEUE_PREFIX".into(), format!("lbt.{tag}"));
        // Test queues delete themselves once no one uses them, also those of the
        // worker binary that tests start.
        vars.insert("TASK_QUEUE_EXPIRES_MS".into(), "600000".into());
        let db = sqlx::postgres::PgPoolOptions::new()
            .max_connections(4)
            .connect(&db_url)
            .await
            .expect("connect to the test database");
        let bucket = vars["S3_BUCKET"].clone();
        let s3_endpoint = vars["S3_ENDPOINT"].clone();
        let env = TestEnv {
            tag,
            db_name,
            db,
            vars,
            admin_url,
            bucket,
            s3_endpoint,
        };
        env.storage()
            .ensure_bucket()
            .await
            .expect("create the test bucket");
        env
    }

    /// A variable's value.
    pub fn var(&self, name: &str) -> &str {
        self.vars.get(name).map_or("", String::as_str)
    }

    /// Sets or replaces a variable (for example to route a service through a
    /// [`crate::FaultProxy`]).
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.vars.insert(name.to_string(), value.into());
    }

    /// Sends this environment's traffic to the service named by `var` (a URL
    /// or `host:port`) through a new [`FaultProxy`], which the test can then
    /// cut or slow.
    pub async fn proxy(&mut self, var: &str) -> FaultProxy {
        let original = self.var(var).to_string();
        let upstream = host_port(&original).to_string();
        let proxy = FaultProxy::start(&upstream).await;
        self.set(var, original.replacen(&upstream, &proxy.addr(), 1));
        proxy
    }

    /// All variables, for a child process.
    pub fn vars(&self) -> &BTreeMap<String, String> {
        &self.vars
    }

    /// The configuration a Lookbook process gets from these variables.
    pub fn config(&self) -> Config {
        Config::from_lookup(|k| self.vars.get(k).cloned()).expect("test configuration is valid")
    }

    /// The bucket `S3_BUCKET` names, reached directly (not through any proxy).
    pub fn storage(&self) -> Storage {
        self.storage_for(self.var("S3_BUCKET"))
    }

    fn storage_for(&self, bucket: &str) -> Storage {
        let s3 = S3Config {
            endpoint: self.s3_endpoint.clone(),
            public_endpoint: self.s3_endpoint.clone(),
            region: self.var("S3_REGION").to_string(),
            bucket: bucket.to_string(),
            access_key_id: self.var("S3_ACCESS_KEY_ID").to_string(),
            secret_access_key: self.var("S3_SECRET_ACCESS_KEY").to_string().into(),
            media_base_url: String::new(),
        };
        Storage::new(&s3, Duration::from_secs(5))
    }

    /// Drops the database and the bucket.
    pub async fn cleanup(&self) {
        self.db.close().await;
        if let Ok(mut admin) = PgConnection::connect(&self.admin_url).await {
            let _ = admin
                .execute(
                    format!(r#"drop database if exists "{}" with (force)"#, self.db_name).as_str(),
                )
                .await;
        }
        let _ = self.storage_for(&self.bucket).delete_bucket().await;
        if self.var("S3_BUCKET") != self.bucket {
            let _ = self.storage().delete_bucket().await;
        }
    }
}

/// The `host:port` in a service URL (or a bare `host:port`).
pub fn host_port(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    authority.rsplit_once('@').map_or(authority, |(_, h)| h)
}

/// `url` with its database name replaced.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{database}", &base[..host_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// Creates `name` as a clone of the template for the current migrations,
/// making the template first if this migration set has none yet. Serialised
/// across test processes with an advisory lock.
async fn create_database(admin_url: &str, server_url: &str, name: &str) {
    let mut admin = PgConnection::connect(admin_url)
        .await
        .expect("connect to the postgres database");
    admin
        .execute("select pg_advisory_lock(7061746)")
        .await
        .expect("take the template lock");
    drop_stale(&mut admin).await;
    let template = format!("{DB_PREFIX}template_{}", migrations_fingerprint());
    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
            .bind(&template)
            .fetch_one(&mut admin)
            .await
            .expect("look up the template");
    if !exists {
        let building = format!("{template}_building");
        admin
            .execute(format!(r#"drop database if exists "{building}" with (force)"#).as_str())
            .await
            .expect("drop a half-built template");
        admin
            .execute(format!(r#"create database "{building}""#).as_str())
            .await
            .expect("create the template");
        let mut conn = PgConnection::connect(&with_database(server_url, &building))
            .await
            .expect("connect to the template");
        MIGRATOR.run(&mut conn).await.expect("migrate the template");
        conn.close().await.expect("close the template connection");
        admin
            .execute(format!(r#"alter database "{building}" rename to "{template}""#).as_str())
            .await
            .expect("publish the template");
    }
    admin
        .execute(format!(r#"create database "{name}" template "{template}""#).as_str())
        .await
        .expect("clone the template");
    admin
        .execute("select pg_advisory_unlock(7061746)")
        .await
        .expect("release the template lock");
}

/// Drops test databases older than [`STALE_AFTER`], judged by the time in
/// their names; templates are kept.
async fn drop_stale(admin: &mut PgConnection) {
    let names: Vec<String> =
        sqlx::query_scalar("select datname from pg_database where datname like 'lbt\\_%'")
            .fetch_all(&mut *admin)
            .await
            .unwrap_or_default();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    for name in names {
        let digits: String = name[DB_PREFIX.len()..].chars().take(10).collect();
        let Ok(secs) = digits.parse::<u64>() else {
            continue;
        };
        if now.saturating_sub(secs) > STALE_AFTER.as_secs() {
            let _ = admin
                .execute(format!(r#"drop database if exists "{name}" with (force)"#).as_str())
                .await;
        }
    }
}

/// A short fingerprint of every migration's version and checksum.
fn migrations_fingerprint() -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for migration in MIGRATOR.iter() {
        let bytes = migration
            .version
            .to_le_bytes()
            .into_iter()
            .chain(migration.checksum.iter().copied());
        for byte in bytes {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    /// The database name is replaced, the server and query string kept.
    #[test]
    fn with_database_swaps_only_the_name() {
        assert_eq!(
            super::with_database("postgres://u:p@h:5432/a?sslmode=disable", "b"),
            "postgres://u:p@h:5432/b?sslmode=disable"
        );
        assert_eq!(super::with_database("postgres://h", "b"), "postgres://h/b");
    }

    /// Credentials, paths and bare addresses all yield the host and port.
    #[test]
    fn host_port_finds_the_authority() {
        assert_eq!(
            super::host_port("amqp://guest:guest@127.0.0.1:5672/%2f"),
            "127.0.0.1:5672"
        );
        assert_eq!(super::host_port("http://127.0.0.1:9000"), "127.0.0.1:9000");
        assert_eq!(super::host_port("127.0.0.1:11211"), "127.0.0.1:11211");
    }
}
