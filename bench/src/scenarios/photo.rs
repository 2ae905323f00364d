//! Posting a photo: a 12-megapixel JPEG uploaded to `POST /api/v2/media`,
//! then polled until the worker has made its variants. Each upload is one
//! member's (uploads are limited per member).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::load::{Answer, Http, Req, Session, closed};
use crate::report::Scenario;

use super::{Ctx, scenario};

const BOUNDARY: &str = "lookbook-bench-boundary-7d3f";

/// A multipart body with one `file` part.
pub fn multipart(jpeg: &[u8]) -> Bytes {
    let mut body = Vec::with_capacity(jpeg.len() + 300);
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"look.jpg\"\r\n\
             Content-Type: image/jpeg\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(jpeg);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    Bytes::from(body)
}

pub fn upload(body: &Bytes, token: &Arc<str>) -> Req {
    Req::post("/api/v2/media").token(token).body(
        body.clone(),
        // A constant, so the content type can be &'static.
        "multipart/form-data; boundary=lookbook-bench-boundary-7d3f",
    )
}

/// Polls the media until it is ready (200 with a URL); the last answer.
pub async fn wait_ready(http: &Http, token: &Arc<str>, id: &str) -> Answer {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let answer = http
            .send(&Req::get(format!("/api/v1/media/{id}")).token(token))
            .await;
        if answer.status != 206 || Instant::now() > deadline {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn run(ctx: &Ctx) -> anyhow::Result<Scenario> {
    let jpeg = std::fs::read(&ctx.photos[0])?;
    let size = jpeg.len();
    let body = multipart(&jpeg);
    let members: Arc<Vec<Arc<str>>> =
        Arc::new(ctx.members.iter().rev().map(|m| m.token.clone()).collect());
    let next = Arc::new(AtomicUsize::new(0));
    let users = if ctx.quick { 1 } else { 2 };
    let duration = if ctx.quick {
        ctx.duration()
    } else {
        ctx.duration() * 2
    };
    let run = closed(&ctx.api, users, Duration::ZERO, duration, move |_, _, s| {
        let token = members[next.fetch_add(1, Ordering::Relaxed) % members.len()].clone();
        let body = body.clone();
        async move { post_one(&s, &token, &body).await }
    })
    .await;
    let mut sc = scenario(
        "photo",
        &format!(
            "{users} members at a time upload a 4000×3000 JPEG ({:.1} MB, EXIF) to POST \
             /api/v2/media and poll GET /api/v1/media/:id until the worker has made its eight \
             variants (four sizes, JPEG and WebP), blurhash and colours",
            size as f64 / 1e6
        ),
        &run,
        &["upload (202)", "upload to ready"],
    );
    sc.notes.push(
        "the upload-to-ready line is the photo's whole trip: request, S3, queue, worker, ready"
            .into(),
    );
    Ok(sc)
}

async fn post_one(s: &Session, token: &Arc<str>, body: &Bytes) {
    let started = Instant::now();
    let answer = s.send(upload(body, token).kind(0)).await;
    let id = answer.json()["id"].as_str().map(str::to_string);
    let status = match id {
        Some(id) if answer.ok() => wait_ready(&s.http, token, &id).await.status,
        _ => answer.status,
    };
    s.note(1, started, status);
}
