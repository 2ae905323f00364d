//! The flash crowd: a brand account followed by most members posts a photo,
//! and traffic on that post and on home timelines climbs from the baseline
//! to thirty times it within a minute, holds, then falls back. Requests go
//! through nginx from 200 loopback addresses (200 clients), on a schedule
//! that does not wait for answers. Afterwards the post's counts are
//! compared with PostgreSQL and with the answers the crowd got.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use anyhow::Context as _;

use crate::load::{Http, Req, open};
use crate::report::Scenario;
use crate::stats::{Second, refused, timeline};

use super::photo::{multipart, upload, wait_ready};
use super::{Ctx, scenario};

const KINDS: &[&str] = &[
    "read the post (anonymous)",
    "read its comments (anonymous)",
    "home timeline",
    "read the post (signed in)",
    "like",
    "comment",
    "the brand reads its grouped notifications",
];
/// Percent of requests of each kind.
const MIX: [u64; 7] = [44, 10, 25, 5, 12, 3, 1];
const LIKE: u8 = 4;
const COMMENT: u8 = 5;
const CLIENTS: u8 = 200;
const PEAK: f64 = 30.0;

/// The rate over time: baseline, a climb to 30× within a minute, a hold,
/// the fall back, baseline again.
#[derive(Debug, Clone, Copy)]
struct Shape {
    baseline: f64,
    before: f64,
    climb: f64,
    hold: f64,
    fall: f64,
    after: f64,
}

impl Shape {
    fn total(&self) -> f64 {
        self.before + self.climb + self.hold + self.fall + self.after
    }

    fn rate(&self, t: f64) -> f64 {
        let peak = self.baseline * PEAK;
        let t1 = self.before;
        let t2 = t1 + self.climb;
        let t3 = t2 + self.hold;
        let t4 = t3 + self.fall;
        if t < t1 || t >= t4 {
            self.baseline
        } else if t < t2 {
            self.baseline + (peak - self.baseline) * (t - t1) / self.climb
        } else if t < t3 {
            peak
        } else {
            peak - (peak - self.baseline) * (t - t3) / self.fall
        }
    }
}

pub struct Flash {
    pub scenario: Scenario,
    pub timeline: Vec<Second>,
    pub exact: bool,
}

pub async fn run(ctx: &Ctx, baseline: f64) -> anyhow::Result<Flash> {
    let shape = if ctx.quick {
        Shape {
            baseline,
            before: 2.0,
            climb: 8.0,
            hold: 2.0,
            fall: 2.0,
            after: 1.0,
        }
    } else {
        Shape {
            baseline,
            before: 5.0,
            climb: 60.0,
            hold: 15.0,
            fall: 15.0,
            after: 5.0,
        }
    };
    let hot = brand_posts(ctx).await?;
    let hot_id: i64 = hot.parse().context("the post's id")?;
    eprintln!("  brand0 posted {hot}; crowd for {:.0} s", shape.total());

    let clients: Vec<Http> = (0..CLIENTS)
        .map(|i| {
            Http::new(
                &ctx.edge_base,
                Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2 + i))),
            )
        })
        .collect();
    let members: Vec<Arc<str>> = ctx.members.iter().map(|m| m.token.clone()).collect();
    let brand = ctx.brands[0].token.clone();
    let likers = AtomicU32::new(0);
    let n = members.len() as u32;
    let make = |i: u64| {
        let roll = i.wrapping_mul(2_654_435_761) % 100;
        let mut kind = 0;
        let mut acc = 0;
        for (k, share) in MIX.iter().enumerate() {
            acc += share;
            if roll < acc {
                kind = k;
                break;
            }
        }
        let someone = &members[(i as usize * 7) % members.len()];
        let req = match kind {
            0 => Req::get(format!("/api/v1/statuses/{hot}")),
            1 => Req::get(format!("/api/v1/statuses/{hot}/context")),
            2 => Req::get("/api/v1/timelines/home?limit=20").token(someone),
            3 => Req::get(format!("/api/v1/statuses/{hot}")).token(someone),
            4 => {
                // Each like is a member's first, as long as there are members.
                let who = likers.fetch_add(1, Ordering::Relaxed) % n;
                Req::post(format!("/api/v1/statuses/{hot}/favourite"))
                    .token(&members[who as usize])
                    .tag(who)
            }
            5 => Req::post("/api/v1/statuses")
                .token(someone)
                .form(format!("status=Need+this+coat&in_reply_to_id={hot}")),
            // The brand watches the likes come in.
            _ => Req::get("/api/v2/notifications?limit=20").token(&brand),
        };
        req.kind(kind as u8)
    };
    let run = open(
        &clients,
        Duration::from_secs_f64(shape.total()),
        |t| shape.rate(t),
        make,
    )
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;

    let liked: HashSet<u32> = run
        .samples
        .iter()
        .filter(|s| s.kind == LIKE && s.status == 200)
        .map(|s| s.tag)
        .collect();
    let unanswered_likes = run
        .samples
        .iter()
        .filter(|s| s.kind == LIKE && s.status == 0)
        .count();
    let commented = run
        .samples
        .iter()
        .filter(|s| s.kind == COMMENT && s.status == 200)
        .count() as i64;
    let shown = ctx
        .api
        .send_until_admitted(&Req::get(format!("/api/v1/statuses/{hot}")))
        .await;
    anyhow::ensure!(
        shown.ok(),
        "reading the post afterwards answered {}",
        shown.status
    );
    let shown = shown.json();
    let shown_likes = shown["favourites_count"]
        .as_i64()
        .context("no favourites_count")?;
    let shown_replies = shown["replies_count"]
        .as_i64()
        .context("no replies_count")?;
    let rows = sqlx::query!(
        r#"select (select count(*) from favourites where status_id = $1) as "likes!",
                  (select count(*) from statuses where in_reply_to_id = $1) as "replies!""#,
        hot_id
    )
    .fetch_one(&ctx.db)
    .await?;
    // Exact: the post shows what PostgreSQL holds, and every like and
    // comment the crowd was told succeeded is there. (A request whose answer
    // was lost to a timeout may have taken effect too; those are counted.)
    let exact = shown_likes == rows.likes
        && rows.likes >= liked.len() as i64
        && shown_replies == rows.replies
        && rows.replies >= commented;

    let mut sc = scenario(
        "flash",
        &format!(
            "brand0 (followed by most members) posts a photo; then, through nginx from {CLIENTS} \
             addresses, {:.0} requests/s for {:.0} s, climbing to {:.0}/s ({PEAK:.0}×) over {:.0} \
             s, held {:.0} s, falling back over {:.0} s, {:.0} s of baseline; mix: {}",
            shape.baseline,
            shape.before,
            shape.baseline * PEAK,
            shape.climb,
            shape.hold,
            shape.fall,
            shape.after,
            KINDS
                .iter()
                .zip(MIX)
                .map(|(k, m)| format!("{m} % {k}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        &run,
        KINDS,
    );
    let (failures, admitted_p99_ms) = (sc.summary.failures, sc.summary.p99_ms);
    let refused_count = run.samples.iter().filter(|s| refused(s)).count();
    sc.notes.push(format!(
        "likes: {} answered 200 (each a different member), {unanswered_likes} unanswered, {} \
         took effect without a 200; the post shows {shown_likes}, PostgreSQL holds {}",
        liked.len(),
        rows.likes - liked.len() as i64,
        rows.likes
    ));
    sc.notes.push(format!(
        "comments: {commented} answered 200; the post shows {shown_replies}, PostgreSQL holds {}",
        rows.replies
    ));
    sc.notes.push(format!(
        "counts exact afterwards: {}; refused with Retry-After: {refused_count}; other 5xx or \
         no answer: {failures}; admitted p99 {admitted_p99_ms:.1} ms",
        if exact { "yes" } else { "NO" }
    ));
    Ok(Flash {
        timeline: timeline(&run.samples),
        scenario: sc,
        exact,
    })
}

/// brand0 uploads a photo and posts it; the post's id.
async fn brand_posts(ctx: &Ctx) -> anyhow::Result<String> {
    let brand = ctx.brands.first().context("no brand account")?;
    let jpeg = std::fs::read(&ctx.photos[ctx.photos.len() - 1])?;
    let answer = ctx.api.send(&upload(&multipart(&jpeg), &brand.token)).await;
    let media = answer.json()["id"]
        .as_str()
        .with_context(|| format!("upload answered {}", answer.status))?
        .to_string();
    let ready = wait_ready(&ctx.api, &brand.token, &media).await;
    anyhow::ensure!(
        ready.status == 200,
        "the photo was not processed: {}",
        ready.status
    );
    let posted = ctx
        .api
        .send(
            &Req::post("/api/v1/statuses")
                .token(&brand.token)
                .form(format!(
                    "status=The+autumn+drop+is+here+%23autumn19&media_ids[]={media}"
                )),
        )
        .await;
    posted.json()["id"]
        .as_str()
        .map(str::to_string)
        .with_context(|| format!("posting answered {}", posted.status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crowd_climbs_to_thirty_times_within_a_minute_and_falls_back() {
        let s = Shape {
            baseline: 40.0,
            before: 5.0,
            climb: 60.0,
            hold: 15.0,
            fall: 15.0,
            after: 5.0,
        };
        assert_eq!(s.rate(0.0), 40.0);
        assert!(s.rate(35.0) > 40.0 && s.rate(35.0) < 1200.0);
        assert_eq!(s.rate(65.0), 1200.0);
        assert_eq!(s.rate(79.9), 1200.0);
        assert_eq!(s.rate(96.0), 40.0);
        assert_eq!(s.total(), 100.0);
    }

    #[test]
    fn the_mix_adds_up() {
        assert_eq!(MIX.iter().sum::<u64>(), 100);
        assert_eq!(MIX.len(), KINDS.len());
    }
}
