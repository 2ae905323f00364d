//! Closed-loop read throughput, straight to one API instance: the
//! hello-world ceiling, an anonymous post, a post signed in, the home
//! timeline, and a profile's posts (a read whose page query always goes to
//! PostgreSQL).

use std::sync::Arc;

use crate::load::{Req, closed};
use crate::report::Scenario;

use super::{Ctx, scenario};

/// Users of the read scenarios (each keeps one connection busy).
const USERS: usize = 64;

/// Runs `USERS` users, each sending `request(user, iteration)` in turn.
async fn throughput<F>(ctx: &Ctx, name: &str, what: &str, request: F) -> Scenario
where
    F: Fn(usize, usize) -> Req + Send + Sync + 'static,
{
    let request = Arc::new(request);
    let run = closed(
        &ctx.api,
        USERS,
        ctx.warmup(),
        ctx.duration(),
        move |u, i, s| {
            let req = request(u, i as usize);
            async move {
                s.send(req).await;
            }
        },
    )
    .await;
    scenario(name, what, &run, &[])
}

fn tokens(ctx: &Ctx, skip: usize) -> Vec<Arc<str>> {
    ctx.members
        .iter()
        .skip(skip)
        .take(256)
        .map(|m| m.token.clone())
        .collect()
}

pub async fn hello(ctx: &Ctx) -> Scenario {
    throughput(
        ctx,
        "hello",
        "GET /hello, a static text answer through the same router and middleware \
         (request id, tracing, metrics, load shedding) as every route: the ceiling",
        |_, _| Req::get("/hello"),
    )
    .await
}

pub async fn status(ctx: &Ctx) -> Scenario {
    let posts = ctx.posts.clone();
    throughput(
        ctx,
        "status",
        &format!(
            "anonymous GET /api/v1/statuses/:id over the {} newest posts (photo, item tags, \
             hashtags), cache warmed during the warm-up",
            posts.len()
        ),
        move |u, i| {
            Req::get(format!(
                "/api/v1/statuses/{}",
                posts[(u * 131 + i * 7) % posts.len()]
            ))
        },
    )
    .await
}

pub async fn status_signed_in(ctx: &Ctx) -> Scenario {
    let posts = ctx.posts.clone();
    let tokens = tokens(ctx, ctx.members.len() / 2);
    throughput(
        ctx,
        "status_signed_in",
        "GET /api/v1/statuses/:id as one of 256 members: the post from the warm cache, but \
         whether this member may see it and has liked or bookmarked it from PostgreSQL",
        move |u, i| {
            Req::get(format!(
                "/api/v1/statuses/{}",
                posts[(u * 131 + i * 7) % posts.len()]
            ))
            .token(&tokens[(u + i) % tokens.len()])
        },
    )
    .await
}

pub async fn home(ctx: &Ctx) -> Scenario {
    let tokens = tokens(ctx, 0);
    throughput(
        ctx,
        "home",
        "authenticated GET /api/v1/timelines/home?limit=20 for 256 members (brand posts merged \
         in, the rest from Redis feeds built on first read), warm",
        move |u, i| {
            Req::get("/api/v1/timelines/home?limit=20")
                .token(&tokens[(u + i * USERS) % tokens.len()])
        },
    )
    .await
}

pub async fn profile(ctx: &Ctx) -> Scenario {
    let accounts: Vec<i64> = ctx.members.iter().take(500).map(|m| m.id).collect();
    throughput(
        ctx,
        "profile",
        "anonymous GET /api/v1/accounts/:id/statuses?limit=20 over 500 members: the page's ids \
         come from PostgreSQL on every request, the posts from the warm cache",
        move |u, i| {
            Req::get(format!(
                "/api/v1/accounts/{}/statuses?limit=20",
                accounts[(u * 17 + i) % accounts.len()]
            ))
        },
    )
    .await
}

/// The paths of the web pages (`/@name/:id`) of the first `n` posts, read
/// from their entities' `url`.
pub async fn page_paths(ctx: &Ctx, n: usize) -> Vec<String> {
    let mut paths = Vec::new();
    for id in ctx.posts.iter().take(n) {
        let post = ctx
            .api
            .send(&Req::get(format!("/api/v1/statuses/{id}")))
            .await
            .json();
        let path = post["url"]
            .as_str()
            .and_then(|url| url.split_once("://"))
            .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()));
        if let Some(path) = path {
            paths.push(path);
        }
    }
    paths
}
