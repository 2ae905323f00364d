//! The scenarios, each runnable alone, and what they share: the clients,
//! the generated members with their tokens, and the posts to read.

pub mod delivery;
pub mod favourites;
pub mod flash;
pub mod hotkey;
pub mod journey;
pub mod photo;
pub mod push;
pub mod quality;
pub mod reads;
pub mod references;
pub mod sockets;
pub mod targets;
pub mod wrk;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;

use crate::generate;
use crate::load::{Http, Run};
use crate::report::{Ratio, Scenario};
use crate::stats::summarize;

/// Every scenario, in the order a full run takes them.
pub const ALL: &[&str] = &[
    "pgbench",
    "hello",
    "status",
    "status_signed_in",
    "home",
    "profile",
    "hotkey",
    "favourite",
    "journey",
    "delivery",
    "push",
    "photo",
    "vips",
    "memory",
    "sockets",
    "flash",
];

#[derive(Debug, Clone)]
pub struct Member {
    pub id: i64,
    pub token: Arc<str>,
}

pub struct Ctx {
    /// One API instance, directly.
    pub api: Http,
    /// nginx in front of the instances.
    pub edge_base: String,
    pub db: PgPool,
    pub members: Vec<Member>,
    pub brands: Vec<Member>,
    /// Recent public posts with photos, newest first.
    pub posts: Arc<Vec<i64>>,
    pub quick: bool,
    pub photos: Vec<PathBuf>,
    pub api_pid: Option<u32>,
    /// A second instance that served nothing before the memory scenario:
    /// its address and pid.
    pub idle_api: Option<(String, u32)>,
    pub pgbench_url: Option<String>,
    pub work_dir: PathBuf,
}

impl Ctx {
    pub async fn load(mut ctx: Ctx) -> anyhow::Result<Ctx> {
        let accounts = sqlx::query!("select id, username from accounts order by id")
            .fetch_all(&ctx.db)
            .await?;
        for row in accounts {
            let member = Member {
                id: row.id,
                token: generate::token_for(&row.username).into(),
            };
            if row.username.starts_with("brand") {
                ctx.brands.push(member);
            } else if row.username.starts_with("member") {
                ctx.members.push(member);
            }
        }
        anyhow::ensure!(
            ctx.members.len() > 100 && !ctx.brands.is_empty(),
            "the database holds no generated dataset; run `lookbook-bench generate` first"
        );
        ctx.brands.sort_by_key(|b| b.id);
        let posts = sqlx::query_scalar!(
            "select id from statuses
             where visibility = 'public' and in_reply_to_id is null and has_media
             order by id desc limit 1000"
        )
        .fetch_all(&ctx.db)
        .await?;
        ctx.posts = Arc::new(posts);
        Ok(ctx)
    }

    /// The measured window of a closed-loop scenario.
    pub fn duration(&self) -> Duration {
        if self.quick {
            Duration::from_millis(1500)
        } else {
            Duration::from_secs(8)
        }
    }

    pub fn warmup(&self) -> Duration {
        if self.quick {
            Duration::from_millis(500)
        } else {
            Duration::from_secs(2)
        }
    }
}

/// A scenario's entry in the report from its run.
pub fn scenario(name: &str, what: &str, run: &Run, kinds: &[&str]) -> Scenario {
    let mut by_kind = BTreeMap::new();
    if kinds.len() > 1 {
        for (k, kind) in kinds.iter().enumerate() {
            let samples = run.samples.iter().filter(|s| s.kind as usize == k);
            by_kind.insert(
                format!("{}. {kind}", k + 1),
                summarize(samples, run.seconds),
            );
        }
    }
    Scenario {
        name: name.to_string(),
        what: what.to_string(),
        summary: summarize(run.samples.iter(), run.seconds),
        ratio: None,
        by_kind,
        notes: Vec::new(),
    }
}

/// Sets a scenario's ratio to a reference throughput.
pub fn ratio(scenario: &mut Scenario, to: &str, reference: Option<f64>) {
    if let Some(reference) = reference.filter(|r| *r > 0.0) {
        scenario.ratio = Some(Ratio {
            to: to.to_string(),
            value: scenario.summary.throughput / reference,
        });
    }
}
