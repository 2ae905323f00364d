//! What idle live connections cost: members' phones hold the user stream
//! open (`/api/v1/streaming/user`, server-sent events) and wait. This opens
//! many at once on one instance, straight to it, and reads its resident
//! memory before and after; then a post by one of the listeners must reach
//! its own stream while all are held.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::load::Req;
use crate::report::Scenario;
use crate::stats::summarize;

use super::Ctx;
use super::hotkey::rss_mb;

pub async fn run(ctx: &Ctx) -> anyhow::Result<Scenario> {
    let pid = ctx
        .api_pid
        .context("the sockets scenario needs --api-pid")?;
    let wanted = if ctx.quick { 1_000 } else { 10_000 };
    let addr = ctx.api.base().trim_start_matches("http://").to_string();
    let before = rss_mb(pid)?;
    let started = Instant::now();
    // In order (`buffered`): the first stream is the first member's.
    let opened: Vec<anyhow::Result<TcpStream>> = futures_util::stream::iter(0..wanted)
        .map(|i| {
            let token = ctx.members[i % ctx.members.len()].token.clone();
            let addr = addr.clone();
            async move { open_stream(&addr, &token).await }
        })
        .buffered(64)
        .collect()
        .await;
    let opening = started.elapsed();
    let failed = opened.iter().filter(|s| s.is_err()).count();
    let mut opened = opened.into_iter();
    let mut first_stream = opened
        .next()
        .context("no stream")?
        .context("the first member's stream did not open")?;
    let streams: Vec<TcpStream> = opened.filter_map(Result::ok).collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let held = rss_mb(pid)?;
    // The first stream's member posts; the post comes down that stream.
    let first = &ctx.members[0];
    let posted = Instant::now();
    let answer = ctx
        .api
        .send_until_admitted(
            &Req::post("/api/v1/statuses")
                .token(&first.token)
                .form("status=Still+here".into()),
        )
        .await;
    let id = answer.json()["id"].as_str().unwrap_or_default().to_string();
    let heard = if id.is_empty() {
        None
    } else {
        hears(&mut first_stream, &id).await
    };
    let count = streams.len() + 1;
    let per_socket_kb = (held - before).max(0.0) * 1024.0 / count as f64;
    let mut notes = vec![
        format!(
            "{} streams open ({failed} failed) in {:.1} s; {held:.1} MB resident (VmRSS) \
             while held, {before:.1} MB before: {per_socket_kb:.1} KB per stream",
            count,
            opening.as_secs_f64()
        ),
        match heard {
            Some(after) => format!(
                "a post by the first listener reached its stream {} ms after it was sent, \
                 with all streams held",
                (after - posted).as_millis()
            ),
            None => "the first listener's post did not come down its stream within 10 s".into(),
        },
    ];
    drop(streams);
    drop(first_stream);
    tokio::time::sleep(Duration::from_secs(1)).await;
    notes.push(format!("{:.1} MB resident after they closed", rss_mb(pid)?));
    Ok(Scenario {
        name: "sockets".into(),
        what: format!(
            "{wanted} members' user streams (server-sent events) held open on one instance"
        ),
        summary: summarize(std::iter::empty(), 1.0),
        ratio: None,
        by_kind: Default::default(),
        notes,
    })
}

async fn open_stream(addr: &str, token: &str) -> anyhow::Result<TcpStream> {
    let mut stream = TcpStream::connect(addr).await?;
    stream
        .write_all(
            format!(
                "GET /api/v1/streaming/user HTTP/1.1\r\nHost: bench\r\n\
                 Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
            )
            .as_bytes(),
        )
        .await?;
    let mut buf = [0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf)).await??;
    anyhow::ensure!(buf[..n].starts_with(b"HTTP/1.1 200"), "not answered 200");
    Ok(stream)
}

/// When `id` first appears on the stream, if within ten seconds.
async fn hears(stream: &mut TcpStream, id: &str) -> Option<Instant> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        let left = deadline - Instant::now();
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => {
                seen.extend_from_slice(&buf[..n]);
                if String::from_utf8_lossy(&seen).contains(id) {
                    return Some(Instant::now());
                }
            }
            _ => return None,
        }
    }
    None
}
