//! Posts with photos, item tags and hashtags; comments; favourites; and the
//! counters that go with them.
//!
//! A third of the posts are the brands', the rest come from members picked
//! with a power law; one post in ten is a comment on an earlier post.
//! Favourites go mostly to recent, popular posts, at most one per member
//! and post.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use rand::Rng as _;
use rand::rngs::StdRng;
use sqlx::PgConnection;

use super::copy::Copy;
use super::graph::Graph;
use super::{BRANDS, Ids, Scale, skewed, ts};

const WORDS: &[&str] = &[
    "linen",
    "oversized",
    "vintage",
    "denim",
    "tailored",
    "layered",
    "monochrome",
    "pastel",
    "weekend",
    "office",
    "street",
    "minimal",
    "wool",
    "silk",
    "leather",
    "cropped",
    "look",
    "today",
    "fit",
    "autumn",
    "spring",
    "coat",
    "blazer",
    "sneakers",
    "loafers",
    "scarf",
];
const CATEGORIES: &[&str] = &[
    "outerwear",
    "tops",
    "bottoms",
    "shoes",
    "bags",
    "accessories",
];
const ITEMS: &[&str] = &[
    "Wool coat",
    "Linen shirt",
    "Straight jeans",
    "Leather loafers",
    "Canvas tote",
    "Silk scarf",
    "Knit cardigan",
    "Trench coat",
    "White sneakers",
    "Pleated skirt",
];
const TAGS: usize = 300;
const BRAND_ROWS: usize = 60;
/// Valid blurhash strings, so clients can draw the placeholders.
const BLURHASHES: &[&str] = &[
    "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
    "LKO2?U%2Tw=w]~RBVZRi};RPxuwH",
    "L6PZfSi_.AyE_3t7t7R**0o#DgR4",
];

pub async fn load(
    conn: &mut PgConnection,
    rng: &mut StdRng,
    ids: &mut Ids,
    scale: Scale,
    graph: &Graph,
    begin: DateTime<Utc>,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let accounts = graph.ids.len();
    let n = scale.posts();

    let tag_ids: Vec<i64> = (0..TAGS).map(|_| ids.at(begin)).collect();
    let mut copy = Copy::start(conn, "tags", "id, name", TAGS as u64).await?;
    for (i, id) in tag_ids.iter().enumerate() {
        copy.field(id)
            .field(format!("{}{i}", WORDS[i % WORDS.len()]));
        copy.end_row().await?;
    }
    copy.finish().await?;

    let brand_ids: Vec<i64> = (0..BRAND_ROWS).map(|_| ids.at(begin)).collect();
    let mut copy = Copy::start(conn, "brands", "id, slug, name", BRAND_ROWS as u64).await?;
    for (i, id) in brand_ids.iter().enumerate() {
        copy.field(id)
            .field(format!("label-{i}"))
            .field(format!("Label {i}"));
        copy.end_row().await?;
    }
    copy.finish().await?;

    // Post times, oldest first, so ids grow with them and a comment's
    // parent is always older.
    let span = (now - begin).num_seconds() - 600;
    let mut times: Vec<DateTime<Utc>> = (0..n)
        .map(|_| begin + Duration::seconds(rng.random_range(0..span)))
        .collect();
    times.sort();
    let mut post_ids = Vec::with_capacity(n);
    let mut authors = Vec::with_capacity(n);
    let mut parents: Vec<Option<usize>> = Vec::with_capacity(n);
    let mut statuses = vec![0u32; accounts];
    let mut replies = vec![0u32; n];
    let mut copy = Copy::start(
        conn,
        "statuses",
        "id, account_id, text, visibility, language, in_reply_to_id, in_reply_to_account_id, \
         has_media, created_at",
        n as u64,
    )
    .await?;
    let mut text = String::new();
    let mut post_tags: Vec<(usize, usize)> = Vec::new();
    for (i, t) in times.iter().enumerate() {
        let author = if rng.random::<f64>() < 0.33 {
            rng.random_range(0..BRANDS)
        } else {
            BRANDS + skewed(rng, accounts - BRANDS, 2.0)
        };
        let parent = (i > 10 && rng.random::<f64>() < 0.1).then(|| i - 1 - skewed(rng, i, 3.0));
        let id = ids.at(*t);
        text.clear();
        for _ in 0..rng.random_range(4..14) {
            text.push_str(WORDS[rng.random_range(0..WORDS.len())]);
            text.push(' ');
        }
        let hashtags = if parent.is_some() {
            0
        } else {
            rng.random_range(0..4)
        };
        for _ in 0..hashtags {
            let tag = skewed(rng, TAGS, 2.0);
            if !post_tags.iter().rev().take(3).any(|pt| *pt == (i, tag)) {
                post_tags.push((i, tag));
            }
            text.push_str(&format!("#{}{tag} ", WORDS[tag % WORDS.len()]));
        }
        let visibility = if rng.random::<f64>() < 0.05 {
            "unlisted"
        } else {
            "public"
        };
        copy.field(id)
            .field(graph.ids[author])
            .field(text.trim_end())
            .field(visibility)
            .field("en");
        match parent {
            Some(p) => {
                copy.field(post_ids[p]).field(graph.ids[authors[p]]);
                replies[p] += 1;
            }
            None => {
                copy.null().null();
            }
        }
        copy.field(parent.is_none()).field(ts(*t));
        copy.end_row().await?;
        post_ids.push(id);
        authors.push(author);
        parents.push(parent);
        statuses[author] += 1;
    }
    copy.finish().await?;

    let mut copy = Copy::start(
        conn,
        "status_tags",
        "status_id, tag_id",
        post_tags.len() as u64,
    )
    .await?;
    for &(post, tag) in &post_tags {
        copy.field(post_ids[post]).field(tag_ids[tag]);
        copy.end_row().await?;
    }
    copy.finish().await?;

    // One photo per post that is not a comment, with up to three items.
    let photos: Vec<usize> = (0..n).filter(|i| parents[*i].is_none()).collect();
    let media_ids: Vec<i64> = photos.iter().map(|p| ids.at(times[*p])).collect();
    let mut copy = Copy::start(
        conn,
        "media_attachments",
        "id, account_id, state, original_key, content_type, file_size, variants, meta, \
         blurhash, colors, status_id, position, created_at",
        photos.len() as u64,
    )
    .await?;
    for (k, &post) in photos.iter().enumerate() {
        let id = media_ids[k];
        let base = format!("bench/{id}");
        let variants = serde_json::json!({
            "original": format!("{base}/original.jpg"), "original.webp": format!("{base}/original.webp"),
            "1080": format!("{base}/1080.jpg"), "1080.webp": format!("{base}/1080.webp"),
            "640": format!("{base}/640.jpg"), "640.webp": format!("{base}/640.webp"),
            "320": format!("{base}/320.jpg"), "320.webp": format!("{base}/320.webp"),
        });
        let meta = serde_json::json!({
            "original": {"width": 3840, "height": 2880, "size": "3840x2880", "aspect": 1.3333334},
            "small": {"width": 320, "height": 240, "size": "320x240", "aspect": 1.3333334},
            "focus": {"x": 0.0, "y": 0.0},
        });
        let colour = rng.random_range(0..0xff_ffffu32);
        copy.field(id)
            .field(graph.ids[authors[post]])
            .field("ready")
            .field(format!("originals/{base}.jpg"))
            .field("image/jpeg")
            .field(rng.random_range(2_000_000..4_000_000))
            .field(variants)
            .field(meta)
            .field(BLURHASHES[k % BLURHASHES.len()])
            .field(format!("[\"#{colour:06x}\"]"))
            .field(post_ids[post])
            .field(0)
            .field(ts(times[post]));
        copy.end_row().await?;
    }
    copy.finish().await?;

    let mut copy = Copy::start(
        conn,
        "item_tags",
        "id, media_id, brand_id, name, category, product_url, price, currency, x, y",
        photos.len() as u64 * 3 / 2,
    )
    .await?;
    for (k, &post) in photos.iter().enumerate() {
        for _ in 0..rng.random_range(0..4) {
            let item = rng.random_range(0..ITEMS.len());
            copy.field(ids.at(times[post]))
                .field(media_ids[k])
                .field(brand_ids[skewed(rng, BRAND_ROWS, 1.5)])
                .field(ITEMS[item])
                .field(CATEGORIES[item % CATEGORIES.len()]);
            if rng.random::<f64>() < 0.7 {
                copy.field(format!(
                    "https://shop.example/p/{}",
                    rng.random_range(0..100_000)
                ))
                .field(format!(
                    "{}.{:02}",
                    rng.random_range(9..400),
                    rng.random_range(0..100)
                ))
                .field("EUR");
            } else {
                copy.null().null().null();
            }
            copy.field(format!("{:.3}", rng.random_range(0.1..0.9)))
                .field(format!("{:.3}", rng.random_range(0.1..0.9)));
            copy.end_row().await?;
        }
    }
    copy.finish().await?;

    // Favourites: recent, popular posts get most; one per member and post.
    let wanted = scale.favourites();
    let mut seen: HashSet<u64> = HashSet::with_capacity(wanted);
    let mut favourites = vec![0u32; n];
    let mut copy = Copy::start(
        conn,
        "favourites",
        "id, account_id, status_id, created_at",
        wanted as u64,
    )
    .await?;
    let mut attempts = 0;
    while seen.len() < wanted && attempts < wanted * 3 {
        attempts += 1;
        let post = photos[photos.len() - 1 - skewed(rng, photos.len(), 3.0)];
        let member = rng.random_range(BRANDS..accounts);
        if !seen.insert(((member as u64) << 32) | post as u64) {
            continue;
        }
        let age = (now - times[post]).num_seconds().max(2);
        let t = times[post] + Duration::seconds(rng.random_range(1..age));
        copy.field(ids.at(t))
            .field(graph.ids[member])
            .field(post_ids[post])
            .field(ts(t));
        copy.end_row().await?;
        favourites[post] += 1;
    }
    copy.finish().await?;

    let mut copy = Copy::start(
        conn,
        "status_counters",
        "status_id, shard, favourites, replies",
        n as u64,
    )
    .await?;
    for (i, id) in post_ids.iter().enumerate() {
        copy.field(id)
            .field(0)
            .field(favourites[i])
            .field(replies[i]);
        copy.end_row().await?;
    }
    copy.finish().await?;

    let mut copy = Copy::start(
        conn,
        "account_counters",
        "account_id, shard, followers, following, statuses",
        accounts as u64,
    )
    .await?;
    for (i, id) in graph.ids.iter().enumerate() {
        copy.field(id)
            .field(0)
            .field(graph.followers[i])
            .field(graph.following[i])
            .field(statuses[i]);
        copy.end_row().await?;
    }
    copy.finish().await?;
    Ok(())
}
