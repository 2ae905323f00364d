//! Closed-loop read throughput, straight to one API instance: the
//! hello-world ceiling, an anonymous post, the home timeline, and a
//! profile's posts (a read whose page query always goes to PostgreSQL).

use std::sync::Arc;

use crate::load::{Req, closed};
use crate::report::Scenario;

use super::{Ctx, scenario};

/// Users of the read scenarios (each keeps one connection busy).
const USERS: usize = 64;

pub async fn hello(ctx: &Ctx) -> Scenario {
    let run = closed(
        &ctx.api,
        USERS,
        ctx.warmup(),
        ctx.duration(),
        |_, _, s| async move {
            s.send(Req::get("/hello")).await;
        },
    )
    .await;
    scenario(
        "hello",
        "GET /hello, a static text answer through the same router and middleware \
         (request id, tracing, metrics, load shedding) as every route: the ceiling",
        &run,
        &[],
    )
}

pub async fn status(ctx: &Ctx) -> Scenario {
    let posts = ctx.posts.clone();
    let run = closed(
        &ctx.api,
        USERS,
        ctx.warmup(),
        ctx.duration(),
        move |u, i, s| {
            let id = posts[(u * 131 + i as usize * 7) % posts.len()];
            async move {
                s.send(Req::get(format!("/api/v1/statuses/{id}"))).await;
            }
        },
    )
    .await;
    scenario(
        "status",
        &format!(
            "anonymous GET /api/v1/statuses/:id over the {} newest posts (photo, item tags, \
             hashtags), cache warmed during the warm-up",
            ctx.posts.len()
        ),
        &run,
        &[],
    )
}

pub async fn home(ctx: &Ctx) -> Scenario {
    let tokens: Arc<Vec<Arc<str>>> = Arc::new(
        ctx.members
            .iter()
            .take(256)
            .map(|m| m.token.clone())
            .collect(),
    );
    let run = closed(
        &ctx.api,
        USERS,
        ctx.warmup(),
        ctx.duration(),
        move |u, i, s| {
            let token = tokens[(u + i as usize * USERS) % tokens.len()].clone();
            async move {
                s.send(Req::get("/api/v1/timelines/home?limit=20").token(&token))
                    .await;
            }
        },
    )
    .await;
    scenario(
        "home",
        "authenticated GET /api/v1/timelines/home?limit=20 for 256 members (brand posts merged \
         in, the rest from Redis feeds built on first read), warm",
        &run,
        &[],
    )
}

pub async fn profile(ctx: &Ctx) -> Scenario {
    let accounts: Arc<Vec<i64>> = Arc::new(ctx.members.iter().take(500).map(|m| m.id).collect());
    let run = closed(
        &ctx.api,
        USERS,
        ctx.warmup(),
        ctx.duration(),
        move |u, i, s| {
            let id = accounts[(u * 17 + i as usize) % accounts.len()];
            async move {
                s.send(Req::get(format!("/api/v1/accounts/{id}/statuses?limit=20")))
                    .await;
            }
        },
    )
    .await;
    scenario(
        "profile",
        "anonymous GET /api/v1/accounts/:id/statuses?limit=20 over 500 members: the page's ids \
         come from PostgreSQL on every request, the posts from the warm cache",
        &run,
        &[],
    )
}

pub async fn status_signed_in(ctx: &Ctx) -> Scenario {
    let posts = ctx.posts.clone();
    let tokens: Arc<Vec<Arc<str>>> = Arc::new(
        ctx.members
            .iter()
            .skip(ctx.members.len() / 2)
            .take(256)
            .map(|m| m.token.clone())
            .collect(),
    );
    let run = closed(
        &ctx.api,
        USERS,
        ctx.warmup(),
        ctx.duration(),
        move |u, i, s| {
            let id = posts[(u * 131 + i as usize * 7) % posts.len()];
            let token = tokens[(u + i as usize) % tokens.len()].clone();
            async move {
                s.send(Req::get(format!("/api/v1/statuses/{id}")).token(&token))
                    .await;
            }
        },
    )
    .await;
    scenario(
        "status_signed_in",
        "GET /api/v1/statuses/:id as one of 256 members: the post from the warm cache, but \
         whether this member may see it and has liked or bookmarked it from PostgreSQL",
        &run,
        &[],
    )
}
