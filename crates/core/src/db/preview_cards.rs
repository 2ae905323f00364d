//! Link previews: the card of a post's first link, fetched by the worker.
//! A card is kept per URL and shared by the posts that link to it.

use sqlx::PgExecutor;

/// What a linked page says of itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub url: String,
    pub title: String,
    pub description: String,
    /// An absolute https URL.
    pub image_url: Option<String>,
    pub provider_name: String,
}

/// The text of a post (None when it is gone).
pub async fn text_of(db: impl PgExecutor<'_>, status: i64) -> crate::Result<Option<String>> {
    let text = sqlx::query_scalar!("select text from statuses where id = $1", status)
        .fetch_optional(db)
        .await?;
    Ok(text)
}

/// The card of `url`, if it was fetched within `within_secs`.
pub async fn recent(
    db: impl PgExecutor<'_>,
    url: &str,
    within_secs: f64,
) -> crate::Result<Option<i64>> {
    let id = sqlx::query_scalar!(
        "select id from preview_cards
         where url = $1 and fetched_at > now() - make_interval(secs => $2)",
        url,
        within_secs
    )
    .fetch_optional(db)
    .await?;
    Ok(id)
}

/// Keeps `card` (replacing an older one of its URL); answers its id.
pub async fn store(db: impl PgExecutor<'_>, card: &Card) -> crate::Result<i64> {
    let id = sqlx::query_scalar!(
        "insert into preview_cards (url, title, description, image_url, provider_name)
         values ($1, $2, $3, $4, $5)
         on conflict (url) do update set title = excluded.title, description = excluded.description,
             image_url = excluded.image_url, provider_name = excluded.provider_name, fetched_at = now()
         returning id",
        card.url,
        card.title,
        card.description,
        card.image_url,
        card.provider_name
    )
    .fetch_one(db)
    .await?;
    Ok(id)
}

/// Shows `card` (or none) on the post, if its text is still `text` (an
/// edit since queues a fetch of its own); answers whether that changed it.
pub async fn attach(
    db: impl PgExecutor<'_>,
    status: i64,
    text: &str,
    card: Option<i64>,
) -> crate::Result<bool> {
    let changed = sqlx::query!(
        "update statuses set preview_card_id = $2
         where id = $1 and text = $3 and preview_card_id is distinct from $2",
        status,
        card,
        text
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// The cards of these posts, by post.
pub async fn of_statuses(
    db: impl PgExecutor<'_>,
    statuses: &[i64],
) -> crate::Result<Vec<(i64, Card)>> {
    let rows = sqlx::query!(
        "select s.id as status_id, c.url, c.title, c.description, c.image_url, c.provider_name
         from statuses s join preview_cards c on c.id = s.preview_card_id
         where s.id = any($1)",
        statuses
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let card = Card {
                url: r.url,
                title: r.title,
                description: r.description,
                image_url: r.image_url,
                provider_name: r.provider_name,
            };
            (r.status_id, card)
        })
        .collect())
}
