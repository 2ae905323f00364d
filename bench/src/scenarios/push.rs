//! How fast notifications go out as Web Push: members subscribe with a push
//! service this process runs on loopback (it only notes when each push
//! arrives, a light instrument), then each of their posts is liked once, at
//! a steady rate; the time from the like's answer to its push arriving is
//! recorded, with pushes per second over the whole delivery.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::{BodyExt as _, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

use crate::load::{Req, Run, Sample};
use crate::report::Scenario;
use crate::stats::summarize;

use super::{Ctx, Member};

/// A valid subscription key pair (RFC 8291's example receiver); the sink
/// never decrypts, so every subscriber may share it.
const P256DH: &str =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";
/// A push not arrived this long after the last like counts as lost.
const GIVE_UP: Duration = Duration::from_secs(60);

type Arrivals = Arc<Mutex<HashMap<u32, Instant>>>;

pub async fn run(ctx: &Ctx) -> anyhow::Result<Scenario> {
    let wanted = if ctx.quick { 500 } else { 10_000 };
    // Below what one instance admits of likes that also make pushes on this
    // machine (at 250/s offered, about 75/s were admitted and the rest shed
    // after retrying), so that every like is admitted and all 10,000 pushes
    // are made: the pushes, not the load shedding, are measured.
    let rate = if ctx.quick { 100.0 } else { 60.0 };
    let arrivals: Arrivals = Arc::default();
    let sink = sink(arrivals.clone()).await?;
    let likers: Vec<&Member> = ctx.members.iter().rev().take(20).collect();
    let liker_ids: Vec<i64> = likers.iter().map(|m| m.id).collect();
    let author_ids: Vec<i64> = ctx
        .members
        .iter()
        .take(wanted + 50)
        .map(|m| m.id)
        .filter(|id| !liker_ids.contains(id))
        .collect();
    // One post per author, and a liker who has not liked it yet.
    let rows = sqlx::query!(
        r#"select distinct on (s.account_id) s.account_id as "author!", s.id as "post!",
                  (select l from unnest($2::bigint[]) as l
                   where not exists (select 1 from favourites f
                                     where f.status_id = s.id and f.account_id = l)
                   limit 1) as liker
           from statuses s
           where s.account_id = any($1) and s.visibility = 'public'
           order by s.account_id, s.id desc"#,
        &author_ids,
        &liker_ids
    )
    .fetch_all(&ctx.db)
    .await?;
    let by_id: HashMap<i64, &Member> = ctx.members.iter().map(|m| (m.id, m)).collect();
    let pairs: Vec<(&Member, i64, &Member)> = rows
        .iter()
        .filter_map(|r| {
            let liker = likers.iter().find(|l| Some(l.id) == r.liker)?;
            Some((*by_id.get(&r.author)?, r.post, *liker))
        })
        .take(wanted)
        .collect();
    anyhow::ensure!(!pairs.is_empty(), "no posts to like");

    // Subscribe every author, each with an endpoint of their own.
    let subscribed = futures_util::stream::iter(pairs.iter().enumerate())
        .map(|(i, (author, _, _))| {
            let form = format!(
                "subscription[endpoint]=http://{sink}/p/{i}&subscription[keys][p256dh]={P256DH}\
                 &subscription[keys][auth]={AUTH}&subscription[standard]=true\
                 &data[alerts][favourite]=true"
            );
            let req = Req::post("/api/v1/push/subscription")
                .token(&author.token)
                .form(form);
            async move { ctx.api.send_until_admitted(&req).await.ok() }
        })
        .buffer_unordered(32)
        .filter(|ok| std::future::ready(*ok))
        .count()
        .await;
    anyhow::ensure!(
        subscribed == pairs.len(),
        "only {subscribed} of {} subscriptions were made",
        pairs.len()
    );

    // Like each post once, on a schedule; each push is timed from its
    // like's answer (the like committed).
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (i, (_, post, liker)) in pairs.iter().enumerate() {
        let due = started + Duration::from_secs_f64(i as f64 / rate);
        tokio::time::sleep_until(due.into()).await;
        let req = Req::post(format!("/api/v1/statuses/{post}/favourite")).token(&liker.token);
        let api = ctx.api.clone();
        tasks.spawn(async move {
            let ok = api.send_until_admitted(&req).await.ok();
            (i, ok.then(Instant::now))
        });
    }
    let mut answered_at: Vec<Option<Instant>> = vec![None; pairs.len()];
    while let Some(Ok((i, at))) = tasks.join_next().await {
        answered_at[i] = at;
    }
    let liked = answered_at.iter().flatten().count();
    let deadline = Instant::now() + GIVE_UP;
    while arrivals.lock().expect("arrivals").len() < liked && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let arrived = arrivals.lock().expect("arrivals").clone();
    let first = arrived.values().min().copied().unwrap_or(started);
    let last = arrived.values().max().copied().unwrap_or(started);
    let seconds = last.duration_since(started).as_secs_f64().max(0.001);
    // Pushes that arrived, timed from their like's answer; the lost are
    // counted apart.
    let samples: Vec<Sample> = answered_at
        .iter()
        .enumerate()
        .filter_map(|(i, answered)| {
            let answered = (*answered)?;
            let at = arrived.get(&(i as u32))?;
            Some(Sample {
                at_ms: u32::try_from(answered.duration_since(started).as_millis())
                    .unwrap_or(u32::MAX),
                latency_us: u32::try_from(at.saturating_duration_since(answered).as_micros())
                    .unwrap_or(u32::MAX),
                status: 200,
                kind: 0,
                tag: i as u32,
                retry_after: false,
            })
        })
        .collect();
    let draining = last.duration_since(first).as_secs_f64().max(0.001);
    let run = Run { samples, seconds };
    let mut scenario = Scenario {
        name: "push".into(),
        what: format!(
            "{} posts by {} subscribed members each liked once, {rate} likes/s offered; time \
             from the like's answer to its Web Push (aes128gcm, VAPID-signed) arriving at a \
             push service on loopback; throughput counts pushes from the first like to the \
             last push",
            pairs.len(),
            pairs.len()
        ),
        summary: summarize(run.samples.iter(), run.seconds),
        ratio: None,
        by_kind: Default::default(),
        notes: vec![format!(
            "{liked} likes answered, {} pushes arrived, {:.0} pushes/s from the first push to \
             the last",
            arrived.len(),
            arrived.len() as f64 / draining
        )],
    };
    if arrived.len() < liked {
        scenario.notes.push(format!(
            "{} pushes did not arrive within {} s of the last like",
            liked - arrived.len(),
            GIVE_UP.as_secs()
        ));
    }

    // Leave the dataset as it was: no subscriptions, no likes.
    futures_util::stream::iter(pairs.iter())
        .map(|(author, post, liker)| async move {
            // Unsubscribed first: the unlikes push nothing to a sink gone.
            let mut req = Req::post("/api/v1/push/subscription").token(&author.token);
            req.method = hyper::Method::DELETE;
            ctx.api.send_until_admitted(&req).await;
            ctx.api
                .send_until_admitted(
                    &Req::post(format!("/api/v1/statuses/{post}/unfavourite")).token(&liker.token),
                )
                .await;
        })
        .buffer_unordered(32)
        .collect::<Vec<()>>()
        .await;
    Ok(scenario)
}

/// A push service on loopback that answers 201 and notes when each
/// endpoint (`/p/<n>`) was first pushed to.
async fn sink(arrivals: Arrivals) -> anyhow::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let arrivals = arrivals.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                    let arrivals = arrivals.clone();
                    async move {
                        let at = Instant::now();
                        let n = request
                            .uri()
                            .path()
                            .strip_prefix("/p/")
                            .and_then(|n| n.parse::<u32>().ok());
                        let _ = request.into_body().collect().await;
                        if let Some(n) = n {
                            arrivals.lock().expect("arrivals").entry(n).or_insert(at);
                        }
                        hyper::Response::builder()
                            .status(201)
                            .body(Full::new(Bytes::new()))
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(addr)
}
