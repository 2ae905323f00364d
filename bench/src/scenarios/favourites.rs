//! Favourite and unfavourite: members like and unlike the same 50 posts
//! as fast as they are answered, then every count is compared with the
//! rows in PostgreSQL.

use std::sync::Arc;
use std::time::Duration;

use crate::load::{Req, closed};
use crate::report::Scenario;

use super::{Ctx, scenario};

const USERS: usize = 32;
const POSTS: usize = 50;

pub async fn run(ctx: &Ctx) -> anyhow::Result<Scenario> {
    let posts: Arc<Vec<i64>> = Arc::new(ctx.posts.iter().take(POSTS).copied().collect());
    let members: Arc<Vec<Arc<str>>> =
        Arc::new(ctx.members.iter().map(|m| m.token.clone()).collect());
    let (p, m) = (posts.clone(), members.clone());
    let run = closed(
        &ctx.api,
        USERS,
        ctx.warmup(),
        ctx.duration(),
        move |u, i, s| {
            let id = p[(u + i as usize) % p.len()];
            let token = m[(u * 997 + i as usize * USERS) % m.len()].clone();
            async move {
                s.send(
                    Req::post(format!("/api/v1/statuses/{id}/favourite"))
                        .token(&token)
                        .kind(0),
                )
                .await;
                s.send(
                    Req::post(format!("/api/v1/statuses/{id}/unfavourite"))
                        .token(&token)
                        .kind(1),
                )
                .await;
            }
        },
    )
    .await;
    let mut sc = scenario(
        "favourite",
        &format!(
            "{USERS} members at a time like and then unlike one of the {POSTS} newest posts \
             (authenticated POST /favourite, /unfavourite); contended counters"
        ),
        &run,
        &["favourite", "unfavourite"],
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (exact, checked) = exact_counts(ctx, &posts).await?;
    sc.notes.push(format!(
        "afterwards favourites_count equals the rows in PostgreSQL for {exact} of {checked} posts"
    ));
    Ok(sc)
}

/// How many of the posts show exactly as many favourites as PostgreSQL holds.
pub async fn exact_counts(ctx: &Ctx, posts: &[i64]) -> anyhow::Result<(usize, usize)> {
    let mut exact = 0;
    for id in posts {
        let answer = ctx
            .api
            .send(&Req::get(format!("/api/v1/statuses/{id}")))
            .await;
        let shown = answer.json()["favourites_count"].as_i64();
        let rows = sqlx::query_scalar!(
            "select count(*) as \"n!\" from favourites where status_id = $1",
            id
        )
        .fetch_one(&ctx.db)
        .await?;
        if shown == Some(rows) {
            exact += 1;
        } else {
            eprintln!("  post {id}: shows {shown:?} favourites, PostgreSQL has {rows}");
        }
    }
    Ok((exact, posts.len()))
}
