//! Accounts, their access tokens and the follower graph.
//!
//! Five brand accounts are followed by 45–92 % of members each; otherwise
//! members follow between 5 and about 100 accounts picked with a power law,
//! so a few members have thousands of followers and most have a handful.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use lookbook_core::auth::{password, secret};
use rand::Rng as _;
use rand::rngs::StdRng;
use sqlx::PgConnection;

use super::copy::{Copy, bytea};
use super::{BRANDS, Ids, Scale, skewed, token_for, ts, username};

/// Share of members following each brand account.
const BRAND_REACH: [f64; BRANDS] = [0.92, 0.85, 0.75, 0.6, 0.45];

/// Every member's password, so a person can sign in as one.
pub const PASSWORD: &str = "bench-password";

pub struct Graph {
    pub ids: Vec<i64>,
    pub created: Vec<DateTime<Utc>>,
    pub followers: Vec<u32>,
    pub following: Vec<u32>,
}

pub async fn load(
    conn: &mut PgConnection,
    rng: &mut StdRng,
    ids: &mut Ids,
    scale: Scale,
    begin: DateTime<Utc>,
    app_id: i64,
) -> anyhow::Result<Graph> {
    let n = scale.accounts();
    let hash = password::hash(PASSWORD.to_string()).await?;
    let mut graph = Graph {
        ids: Vec::with_capacity(n),
        created: Vec::with_capacity(n),
        followers: vec![0; n],
        following: vec![0; n],
    };
    // Accounts exist before the posts: created in the 30 days before them.
    for _ in 0..n {
        let t = begin - Duration::seconds(rng.random_range(0..30 * 86_400));
        graph.ids.push(ids.at(t));
        graph.created.push(t);
    }

    let mut copy = Copy::start(
        conn,
        "accounts",
        "id, username, display_name, note, email, password_hash, created_at, updated_at, confirmed_at",
        n as u64,
    )
    .await?;
    for i in 0..n {
        let name = username(i);
        let display = if i < BRANDS {
            format!("Brand {i}")
        } else {
            format!("Member {i}")
        };
        copy.field(graph.ids[i])
            .field(&name)
            .field(display)
            .field("Outfits, mostly.")
            .field(format!("{name}@bench.lookbook.test"))
            .field(&hash)
            .field(ts(graph.created[i]))
            .field(ts(graph.created[i]))
            .field(ts(graph.created[i]));
        copy.end_row().await?;
    }
    copy.finish().await?;

    let mut copy = Copy::start(
        conn,
        "tokens",
        "id, token_hash, app_id, account_id, scopes",
        n as u64,
    )
    .await?;
    for i in 0..n {
        let id = ids.at(graph.created[i]);
        copy.field(id)
            .field(bytea(&secret::hash(&token_for(&username(i)))))
            .field(app_id)
            .field(graph.ids[i])
            .field("{read,write,follow,push}");
        copy.end_row().await?;
    }
    copy.finish().await?;

    let expected = (n as f64 * 50.0) as u64;
    let mut copy = Copy::start(
        conn,
        "follows",
        "id, account_id, target_account_id, created_at",
        expected,
    )
    .await?;
    let mut targets = HashSet::new();
    for member in BRANDS..n {
        targets.clear();
        for (brand, reach) in BRAND_REACH.iter().enumerate() {
            if rng.random::<f64>() < *reach {
                targets.insert(brand);
            }
        }
        let u: f64 = rng.random();
        let wanted = 5 + (u * u * 95.0) as usize;
        for _ in 0..wanted * 2 {
            if targets.len() >= wanted + BRANDS {
                break;
            }
            let target = BRANDS + skewed(rng, n - BRANDS, 2.5);
            if target != member {
                targets.insert(target);
            }
        }
        for &target in &targets {
            let t = graph.created[member].max(graph.created[target]) + Duration::minutes(5);
            copy.field(ids.at(t))
                .field(graph.ids[member])
                .field(graph.ids[target])
                .field(ts(t));
            copy.end_row().await?;
            graph.followers[target] += 1;
            graph.following[member] += 1;
        }
    }
    copy.finish().await?;
    Ok(graph)
}
