//! Two figures about one instance: how many database loads 1,000 concurrent
//! requests for one cold post cause, and how much memory the instance holds
//! with 1,000 connections open.

use std::time::Duration;

use anyhow::Context as _;
use futures_util::future::join_all;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::load::{Http, Req};
use crate::report::Scenario;
use crate::stats::summarize;

use super::Ctx;

const CONCURRENT: usize = 1000;

pub async fn misses(ctx: &Ctx) -> anyhow::Result<(Scenario, u64)> {
    // A brand's oldest post: far below the first page of a brand with
    // thousands of posts, and older than any home page read before.
    let id = sqlx::query_scalar!(
        "select id from statuses where account_id = $1 order by id limit 1",
        ctx.brands[ctx.brands.len() - 1].id
    )
    .fetch_one(&ctx.db)
    .await?;
    let before = loads(&ctx.api).await?;
    let started = std::time::Instant::now();
    let answers = join_all((0..CONCURRENT).map(|_| {
        let api = ctx.api.clone();
        async move {
            let sent = std::time::Instant::now();
            let answer = api.send(&Req::get(format!("/api/v1/statuses/{id}"))).await;
            crate::load::Sample {
                at_ms: sent.duration_since(started).as_millis() as u32,
                latency_us: sent.elapsed().as_micros() as u32,
                status: answer.status,
                kind: 0,
                tag: 0,
                retry_after: answer.retry_after,
            }
        }
    }))
    .await;
    let seconds = started.elapsed().as_secs_f64();
    let after = loads(&ctx.api).await?;
    let mut sc = Scenario {
        name: "hotkey".into(),
        what: format!(
            "{CONCURRENT} concurrent anonymous GETs of one cold post, straight to one instance"
        ),
        summary: summarize(answers.iter(), seconds),
        ratio: None,
        by_kind: Default::default(),
        notes: Vec::new(),
    };
    sc.notes.push(format!(
        "posts loaded from PostgreSQL by the instance meanwhile: {} (lookbook_cache_loads_total)",
        after - before
    ));
    Ok((sc, after - before))
}

/// The instance's count of posts loaded from PostgreSQL.
async fn loads(api: &Http) -> anyhow::Result<u64> {
    let text = api.send(&Req::get("/metrics")).await;
    let text = String::from_utf8_lossy(&text.body);
    Ok(text
        .lines()
        .find(|l| l.starts_with("lookbook_cache_loads_total") && l.contains("kind=\"status\""))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse::<f64>().ok())
        .unwrap_or(0.0) as u64)
}

/// Resident memory of an instance with 1,000 open keep-alive connections,
/// each of which has been answered once: the instance that served every
/// scenario before (what the target is judged on) and, when there is one,
/// an instance that served nothing yet.
pub async fn memory(ctx: &Ctx, api_addr: &str) -> anyhow::Result<(Scenario, f64)> {
    let pid = ctx.api_pid.context("the memory scenario needs --api-pid")?;
    let mut sc = Scenario {
        name: "memory".into(),
        what: format!(
            "{CONCURRENT} keep-alive connections held open to one instance, each answered once"
        ),
        summary: summarize(std::iter::empty(), 1.0),
        ratio: None,
        by_kind: Default::default(),
        notes: Vec::new(),
    };
    let (rss, note) = held(api_addr, pid).await?;
    sc.notes.push(format!(
        "the instance that served the scenarios before: {note}"
    ));
    if let Some((addr, idle_pid)) = &ctx.idle_api {
        let (_, note) = held(addr, *idle_pid).await?;
        sc.notes
            .push(format!("an instance that had served nothing: {note}"));
    }
    Ok((sc, rss))
}

/// Opens the connections, reads the resident memory, closes them.
async fn held(addr: &str, pid: u32) -> anyhow::Result<(f64, String)> {
    let before = rss_mb(pid)?;
    let mut open = Vec::with_capacity(CONCURRENT);
    let mut failed = 0;
    for _ in 0..CONCURRENT {
        match hello_on_new_connection(addr).await {
            Ok(stream) => open.push(stream),
            Err(_) => failed += 1,
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss = rss_mb(pid)?;
    let note = format!(
        "{rss:.1} MB resident (VmRSS) with {} connections open ({failed} failed), \
         {before:.1} MB before they opened",
        open.len()
    );
    drop(open);
    Ok((rss, note))
}

async fn hello_on_new_connection(addr: &str) -> anyhow::Result<TcpStream> {
    let mut stream = TcpStream::connect(addr).await?;
    stream
        .write_all(b"GET /hello HTTP/1.1\r\nHost: bench\r\n\r\n")
        .await?;
    let mut buf = [0u8; 1024];
    let n = stream.read(&mut buf).await?;
    anyhow::ensure!(buf[..n].starts_with(b"HTTP/1.1 200"), "not answered 200");
    Ok(stream)
}

pub(crate) fn rss_mb(pid: u32) -> anyhow::Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("no VmRSS")?;
    Ok(kb / 1024.0)
}
