//! Custom emojis: written by the operator command (`lookbook-worker emoji`),
//! read whole by the API, which keeps the list in Memcached under
//! [`CACHE_KEY`]. Whoever changes the table deletes that key.
//!
//! Pictures are stored under keys made from their bytes, so two shortcodes
//! may share one object: replacing or removing an emoji reports its old
//! object for deletion only when no other emoji still uses it.

use serde::{Deserialize, Serialize};
use sqlx::{Connection, PgConnection, PgExecutor};

use crate::text::shortcodes::Shortcode;

/// The Memcached key (under the deployment's prefix) of the list the API serves.
pub const CACHE_KEY: &str = "custom_emojis";

/// How long the API keeps the list: the longest a change takes to show
/// when Memcached missed the command's deletion.
pub const CACHE_SECS: u32 = 600;

/// One custom emoji as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomEmoji {
    pub shortcode: String,
    /// The picker's group, if any.
    pub category: Option<String>,
    /// False keeps it out of pickers; posts still show it.
    pub visible_in_picker: bool,
    /// The PNG's key in S3.
    pub image_key: String,
    pub width: i32,
    pub height: i32,
}

/// What saving an emoji did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// The shortcode is new.
    Added,
    /// The shortcode had another picture, category or visibility;
    /// `unused_image` is its old object when nothing uses it any more.
    Replaced { unused_image: Option<String> },
    /// It was already exactly so.
    Unchanged,
}

/// What removing an emoji did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removed {
    /// There was no emoji of that shortcode.
    NotThere,
    /// It is gone; `unused_image` is its object when nothing else uses it.
    Removed { unused_image: Option<String> },
}

/// Every custom emoji, by shortcode (byte order, so `Z` before `a`).
pub async fn all(db: impl PgExecutor<'_>) -> crate::Result<Vec<CustomEmoji>> {
    let rows = sqlx::query_as!(
        CustomEmoji,
        r#"select shortcode, category, visible_in_picker, image_key, width, height
           from custom_emojis order by shortcode collate "C""#
    )
    .fetch_all(db)
    .await?;
    Ok(rows)
}

/// Adds `emoji`, or replaces the one of its shortcode; saving the same
/// emoji again changes nothing (not even `updated_at`). A shortcode that
/// breaks the rule of [`Shortcode`] is refused by the table's check.
pub async fn save(conn: &mut PgConnection, emoji: &CustomEmoji) -> crate::Result<Saved> {
    let mut tx = conn.begin().await?;
    let old = sqlx::query_as!(
        CustomEmoji,
        "select shortcode, category, visible_in_picker, image_key, width, height
         from custom_emojis where shortcode = $1 for update",
        emoji.shortcode
    )
    .fetch_optional(&mut *tx)
    .await?;
    if old.as_ref() == Some(emoji) {
        return Ok(Saved::Unchanged);
    }
    sqlx::query!(
        "insert into custom_emojis (shortcode, category, visible_in_picker, image_key, width, height)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (shortcode) do update set category = excluded.category,
             visible_in_picker = excluded.visible_in_picker, image_key = excluded.image_key,
             width = excluded.width, height = excluded.height, updated_at = now()",
        emoji.shortcode,
        emoji.category,
        emoji.visible_in_picker,
        emoji.image_key,
        emoji.width,
        emoji.height
    )
    .execute(&mut *tx)
    .await?;
    let saved = match old {
        None => Saved::Added,
        Some(old) if old.image_key == emoji.image_key => Saved::Replaced { unused_image: None },
        Some(old) => Saved::Replaced {
            unused_image: unused(&mut *tx, old.image_key).await?,
        },
    };
    tx.commit().await?;
    Ok(saved)
}

/// Removes the emoji named `shortcode`.
pub async fn remove(conn: &mut PgConnection, shortcode: &Shortcode) -> crate::Result<Removed> {
    let mut tx = conn.begin().await?;
    let key = sqlx::query_scalar!(
        "delete from custom_emojis where shortcode = $1 returning image_key",
        shortcode.as_str()
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(key) = key else {
        return Ok(Removed::NotThere);
    };
    let unused_image = unused(&mut *tx, key).await?;
    tx.commit().await?;
    Ok(Removed::Removed { unused_image })
}

/// `key` if no emoji uses it.
async fn unused(db: impl PgExecutor<'_>, key: String) -> crate::Result<Option<String>> {
    let used = sqlx::query_scalar!(
        r#"select exists (select 1 from custom_emojis where image_key = $1) as "used!""#,
        key
    )
    .fetch_one(db)
    .await?;
    Ok((!used).then_some(key))
}
