//! Item tags (what a member wears in a photo) and the brands they name.

use std::collections::HashMap;

use sqlx::{PgConnection, PgExecutor};

use super::relationships::PageBounds;

/// Categories an item may have.
pub const CATEGORIES: &[&str] = &[
    "tops",
    "outerwear",
    "dresses",
    "bottoms",
    "skirts",
    "shoes",
    "bags",
    "accessories",
    "jewelry",
    "eyewear",
    "hats",
    "swimwear",
    "underwear",
    "other",
];

/// An item tag, with its brand.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Item {
    pub id: i64,
    pub media_id: i64,
    pub brand_slug: String,
    pub brand_name: String,
    pub name: String,
    pub category: String,
    pub product_url: Option<String>,
    /// The price as a decimal string (`"129.00"`).
    pub price: Option<String>,
    pub currency: Option<String>,
    pub x: f32,
    pub y: f32,
}

/// What tagging an item stores.
#[derive(Debug)]
pub struct NewItem<'a> {
    pub media_id: i64,
    pub brand_name: &'a str,
    pub name: &'a str,
    pub category: &'a str,
    pub product_url: Option<&'a str>,
    pub price: Option<&'a str>,
    pub currency: Option<&'a str>,
    pub x: f32,
    pub y: f32,
}

/// A brand.
#[derive(Debug, Clone)]
pub struct Brand {
    pub id: i64,
    pub slug: String,
    pub name: String,
}

/// The brand's slug: lowercase letters and digits joined by dashes.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for word in name
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(word);
    }
    out
}

/// Tags an item, creating its brand on first use; returns the item's id.
pub async fn insert(conn: &mut PgConnection, new: &NewItem<'_>) -> crate::Result<i64> {
    let slug = slug(new.brand_name);
    // The no-op update makes `returning` give the id of an existing brand too.
    let brand_id = sqlx::query_scalar!(
        "insert into brands (slug, name) values ($1, $2)
         on conflict (slug) do update set name = brands.name returning id",
        slug,
        new.brand_name.trim()
    )
    .fetch_one(&mut *conn)
    .await?;
    let id = sqlx::query_scalar!(
        "insert into item_tags (media_id, brand_id, name, category, product_url, price, currency, x, y)
         values ($1, $2, $3, $4, $5, $6::text::numeric, $7, $8, $9) returning id",
        new.media_id,
        brand_id,
        new.name,
        new.category,
        new.product_url,
        new.price,
        new.currency,
        new.x,
        new.y
    )
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Removes an item from a photo; returns whether it was there.
pub async fn delete(db: impl PgExecutor<'_>, media_id: i64, item_id: i64) -> crate::Result<bool> {
    let deleted = sqlx::query!(
        "delete from item_tags where id = $1 and media_id = $2",
        item_id,
        media_id
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(deleted == 1)
}

/// How many items a photo has.
pub async fn count(db: impl PgExecutor<'_>, media_id: i64) -> crate::Result<i64> {
    let n = sqlx::query_scalar!(
        r#"select count(*) as "n!" from item_tags where media_id = $1"#,
        media_id
    )
    .fetch_one(db)
    .await?;
    Ok(n)
}

/// The items of each photo, in the order they were tagged.
pub async fn of_media(
    db: impl PgExecutor<'_>,
    media_ids: &[i64],
) -> crate::Result<HashMap<i64, Vec<Item>>> {
    let rows = sqlx::query_as!(
        Item,
        r#"select i.id, i.media_id, b.slug as brand_slug, b.name as brand_name, i.name, i.category,
                  i.product_url, i.price::text as price, i.currency, i.x, i.y
           from item_tags i join brands b on b.id = i.brand_id
           where i.media_id = any($1) order by i.id"#,
        media_ids
    )
    .fetch_all(db)
    .await?;
    let mut out: HashMap<i64, Vec<Item>> = HashMap::new();
    for item in rows {
        out.entry(item.media_id).or_default().push(item);
    }
    Ok(out)
}

/// The brand with this slug, if it is on a photo of at least one public
/// post: a brand tagged only on followers-only or direct photos is not
/// shown, not even by its name.
pub async fn brand_by_slug(db: impl PgExecutor<'_>, slug: &str) -> crate::Result<Option<Brand>> {
    let brand = sqlx::query_as!(
        Brand,
        "select b.id, b.slug, b.name from brands b
         where b.slug = $1
           and exists (select 1 from item_tags i
                       join media_attachments m on m.id = i.media_id
                       join statuses s on s.id = m.status_id and s.visibility = 'public'
                       where i.brand_id = b.id)",
        slug
    )
    .fetch_optional(db)
    .await?;
    Ok(brand)
}

/// Brands whose name or slug starts with `prefix` (case-insensitive) that
/// appear on public posts, most tagged first (counting public posts only).
pub async fn search_brands(
    db: impl PgExecutor<'_>,
    prefix: &str,
    limit: i64,
) -> crate::Result<Vec<(Brand, i64)>> {
    let pattern = format!("{}%", super::accounts::escape_like(&prefix.to_lowercase()));
    let rows = sqlx::query!(
        r#"select b.id, b.slug, b.name, count(*) as "uses!"
           from brands b
           join item_tags i on i.brand_id = b.id
           join media_attachments m on m.id = i.media_id
           join statuses s on s.id = m.status_id and s.visibility = 'public'
           where lower(b.name) like $1 or b.slug like $1
           group by b.id
           order by 4 desc, b.slug limit $2"#,
        pattern,
        limit
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let brand = Brand {
                id: r.id,
                slug: r.slug,
                name: r.name,
            };
            (brand, r.uses)
        })
        .collect())
}

/// A page of posts with a photo that tags the brand, that `viewer` may see,
/// newest first.
pub async fn brand_statuses(
    db: impl PgExecutor<'_>,
    brand_id: i64,
    viewer: Option<i64>,
    bounds: PageBounds,
) -> crate::Result<Vec<i64>> {
    let (lower, ascending) = (bounds.lower(), bounds.ascending());
    let ids = sqlx::query_scalar!(
        "select s.id from statuses s
         where s.id in (select m.status_id from item_tags i
                        join media_attachments m on m.id = i.media_id
                        where i.brand_id = $1 and m.status_id is not null)
           and s.visibility = 'public'
           and ($2::bigint is null or s.id < $2) and ($3::bigint is null or s.id > $3)
           and status_visible(s.id, s.account_id, s.visibility, $4)
         order by case when $5 then s.id else -s.id end
         limit $6",
        brand_id,
        bounds.max_id,
        lower,
        viewer,
        ascending,
        bounds.limit
    )
    .fetch_all(db)
    .await?;
    Ok(bounds.newest_first(ids))
}

#[cfg(test)]
mod tests {
    /// Slugs are stable whatever the spelling and spacing.
    #[test]
    fn slugs_fold_case_and_punctuation() {
        assert_eq!(super::slug("  Acne Studios "), "acne-studios");
        assert_eq!(super::slug("A.P.C."), "a-p-c");
        assert_eq!(super::slug("Maison Kitsuné"), "maison-kitsuné");
    }
}
