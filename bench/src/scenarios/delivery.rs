//! How long a post takes to reach its author's followers' home timelines:
//! an author with a few hundred followers posts, and the time from the
//! post's answer to its id being in each sampled follower's home feed (in
//! Redis, read directly: a light instrument that adds no API load) is
//! recorded, once on a quiet system and once while the journey scenario
//! runs beside it.

use std::time::{Duration, Instant};

use lookbook_core::Config;
use lookbook_core::feeds;
use lookbook_core::kv::Kv;

use crate::load::Req;
use crate::report::Scenario;
use crate::stats::summarize;

use super::{Ctx, Member, journey};

/// Followers whose feeds are watched per post.
const WATCHED: usize = 10;
/// A post not in a watched feed after this long counts as not delivered.
const GIVE_UP: Duration = Duration::from_secs(10);
/// How often the watched feeds are looked at.
const POLL: Duration = Duration::from_millis(5);

pub async fn run(ctx: &Ctx) -> anyhow::Result<Scenario> {
    let config = Config::from_env().map_err(|e| anyhow::anyhow!("{e}"))?;
    let kv = Kv::connect(&config.redis, Duration::from_secs(2))?;
    let (author, followers) = author(ctx).await?;
    let watched: Vec<&Member> = ctx
        .members
        .iter()
        .filter(|m| followers.contains(&m.id))
        .take(WATCHED)
        .collect();
    anyhow::ensure!(!watched.is_empty(), "the author's followers have no tokens");
    // A first read builds each watched feed, so the fan-out is what fills it.
    for member in &watched {
        ctx.api
            .send(&Req::get("/api/v1/timelines/home?limit=1").token(&member.token))
            .await;
    }
    let posts = if ctx.quick { 5 } else { 20 };
    let quiet = deliveries(ctx, &kv, &author, &watched, posts).await;
    let (_, loaded) = tokio::join!(
        journey::run(ctx),
        deliveries(ctx, &kv, &author, &watched, posts)
    );
    let mut scenario = Scenario {
        name: "delivery".into(),
        what: format!(
            "an author with {} followers posts {posts} times, quiet and then under the journey \
             load; time from the post's answer to its id in each of {} followers' home feeds",
            followers.len(),
            watched.len()
        ),
        summary: summarize(quiet.samples.iter(), quiet.seconds),
        ratio: None,
        by_kind: Default::default(),
        notes: Vec::new(),
    };
    scenario.by_kind.insert(
        "1. quiet".into(),
        summarize(quiet.samples.iter(), quiet.seconds),
    );
    scenario.by_kind.insert(
        "2. under the journey load".into(),
        summarize(loaded.samples.iter(), loaded.seconds),
    );
    for (label, run) in [("quiet", &quiet), ("under load", &loaded)] {
        let missing = run.samples.iter().filter(|s| s.status != 200).count();
        if missing > 0 {
            scenario.notes.push(format!(
                "{label}: {missing} deliveries not seen within {} s",
                GIVE_UP.as_secs()
            ));
        }
    }
    Ok(scenario)
}

/// The member whose follower count is closest to 300 (below the fan-out
/// threshold), with the ids of those followers.
async fn author(ctx: &Ctx) -> anyhow::Result<(Member, Vec<i64>)> {
    let row = sqlx::query!(
        r#"select f.target_account_id as "id!", count(*) as "followers!"
           from follows f join accounts a on a.id = f.target_account_id
           where a.username like 'member%'
           group by f.target_account_id
           order by abs(count(*) - 300), f.target_account_id
           limit 1"#
    )
    .fetch_one(&ctx.db)
    .await?;
    let followers = sqlx::query_scalar!(
        "select account_id from follows where target_account_id = $1",
        row.id
    )
    .fetch_all(&ctx.db)
    .await?;
    let author = ctx
        .members
        .iter()
        .find(|m| m.id == row.id)
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("the author {} has no token", row.id))?;
    Ok((author, followers))
}

/// Posts `posts` times and records, per watched follower, how long each
/// post took to appear in their feed (status 200), or that it did not
/// within [`GIVE_UP`] (status 0).
async fn deliveries(
    ctx: &Ctx,
    kv: &Kv,
    author: &Member,
    watched: &[&Member],
    posts: usize,
) -> crate::load::Run {
    let started = Instant::now();
    let mut samples = Vec::new();
    for i in 0..posts {
        let answer = ctx
            .api
            .send_until_admitted(
                &Req::post("/api/v1/statuses")
                    .token(&author.token)
                    .form(format!("status=Delivery+check+{i}")),
            )
            .await;
        let posted_at = Instant::now();
        let Some(id) = answer.json()["id"]
            .as_str()
            .and_then(|id| id.parse::<i64>().ok())
        else {
            continue;
        };
        let mut waiting: Vec<&Member> = watched.to_vec();
        while !waiting.is_empty() && posted_at.elapsed() < GIVE_UP {
            let mut still = Vec::new();
            for member in waiting {
                let seen = feeds::range(kv, member.id, None, Some(id - 1), true, 1)
                    .await
                    .ok()
                    .flatten()
                    .is_some_and(|ids| ids.first() == Some(&id));
                if seen {
                    samples.push(sample(started, posted_at, 200));
                } else {
                    still.push(member);
                }
            }
            waiting = still;
            tokio::time::sleep(POLL).await;
        }
        samples.extend(waiting.iter().map(|_| sample(started, posted_at, 0)));
    }
    crate::load::Run {
        samples,
        seconds: started.elapsed().as_secs_f64(),
    }
}

fn sample(started: Instant, posted_at: Instant, status: u16) -> crate::load::Sample {
    crate::load::Sample {
        at_ms: u32::try_from(posted_at.duration_since(started).as_millis()).unwrap_or(u32::MAX),
        latency_us: u32::try_from(posted_at.elapsed().as_micros()).unwrap_or(u32::MAX),
        status,
        kind: 0,
        tag: 0,
        retry_after: false,
    }
}
