//! `fetch_preview`: reads the page a post's first link names and keeps its
//! title, description, picture and site as the post's `card`. Pages are
//! fetched from public addresses only ([`crate::public_net`]), within a
//! time and size limit; a card fetched in the last day is reused for other
//! posts linking there. It talks to another server, so it holds no
//! database connection while it waits ([`crate::claimed`]). A page that
//! cannot be read gives no card and is not retried; running twice changes
//! nothing.

use lookbook_core::db::preview_cards::{self, Card};
use lookbook_core::text;

use super::TaskError;
use crate::Context;
use crate::{opengraph, public_net};

/// How long a card is reused for other posts linking to the same page.
const REUSE_SECS: f64 = 86_400.0;

/// Redirects followed, each checked like the first URL.
const REDIRECTS: usize = 3;

/// The client for linked pages and its limits.
#[derive(Debug)]
pub struct Previews {
    http: reqwest::Client,
    allow_private: bool,
    max_bytes: usize,
}

impl Previews {
    pub fn new(config: &lookbook_core::Config) -> anyhow::Result<Previews> {
        let previews = &config.previews;
        let agent = format!(
            "Lookbook/{} (+{})",
            env!("CARGO_PKG_VERSION"),
            config.public_url
        );
        Ok(Previews {
            http: public_net::page_client(
                &agent,
                previews.timeout,
                REDIRECTS,
                previews.allow_private_addresses,
            )?,
            allow_private: previews.allow_private_addresses,
            max_bytes: previews.max_bytes,
        })
    }
}

/// How a fetch went, for the metrics.
fn count(outcome: &'static str) {
    metrics::counter!("link_previews_total", "outcome" => outcome).increment(1);
}

fn transient(e: lookbook_core::Error) -> TaskError {
    TaskError::Transient(e.into())
}

pub async fn run(ctx: &Context, task_id: i64, status_id: i64) -> Result<(), TaskError> {
    crate::claimed::once(&ctx.db, task_id, "fetch_preview", || async {
        let Some(text) = preview_cards::text_of(&ctx.db, status_id)
            .await
            .map_err(transient)?
        else {
            // Deleted since.
            return Ok(());
        };
        let card = match text::first_web_link(&text) {
            Some(url) => card_for(ctx, url).await?,
            None => None,
        };
        if preview_cards::attach(&ctx.db, status_id, &text, card)
            .await
            .map_err(transient)?
        {
            let key = ctx.cache.entity_key("status", status_id);
            ctx.cache.delete_many(&[key]).await;
        }
        Ok(())
    })
    .await
}

/// The card of `url`: reused, or fetched and kept; none for a page that
/// cannot be read or says nothing of itself.
async fn card_for(ctx: &Context, url: &str) -> Result<Option<i64>, TaskError> {
    if let Some(id) = preview_cards::recent(&ctx.db, url, REUSE_SECS)
        .await
        .map_err(transient)?
    {
        count("reused");
        return Ok(Some(id));
    }
    let previews = &ctx.previews;
    if !public_net::allowed(url, previews.allow_private) {
        count("refused");
        return Ok(None);
    }
    let html = match fetch(previews, url).await {
        Ok(Some(html)) => html,
        Ok(None) => {
            count("not_html");
            return Ok(None);
        }
        Err(error) => {
            tracing::info!(%error, "a linked page could not be read for its preview");
            count("failed");
            return Ok(None);
        }
    };
    let Some(found) = opengraph::parse(&html, url) else {
        count("untitled");
        return Ok(None);
    };
    let card = Card {
        url: url.to_string(),
        title: found.title,
        description: found.description,
        // Shown by apps as it is: only over https.
        image_url: found.image.filter(|src| src.starts_with("https://")),
        provider_name: found.site_name,
    };
    count("fetched");
    Ok(Some(
        preview_cards::store(&ctx.db, &card)
            .await
            .map_err(transient)?,
    ))
}

/// The page's HTML (its first `max_bytes`); none when it is not HTML.
async fn fetch(previews: &Previews, url: &str) -> Result<Option<String>, reqwest::Error> {
    let mut response = previews
        .http
        .get(url)
        .header(reqwest::header::ACCEPT, "text/html,application/xhtml+xml")
        .send()
        .await?
        .error_for_status()?;
    let html = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.to_ascii_lowercase().contains("html"));
    if !html {
        return Ok(None);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = previews.max_bytes - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= previews.max_bytes {
            break;
        }
    }
    Ok(Some(String::from_utf8_lossy(&body).into_owned()))
}
