//! `process_media`: turns an uploaded photo into the served variants — a
//! capped original and 1080, 640 and 320 px wide, as JPEG carrying only the
//! colour profile (EXIF and GPS are gone) — and fills in Mastodon's `meta`.
//! A photo that cannot be decoded (damaged, a bomb, not an image) is marked
//! failed with the reason the member will see.
//!
//! The upload itself, metadata and all, is deleted once processed.
//! Idempotent: variant keys follow from the original's, and only media still
//! `processing` is touched.

use lookbook_core::db::media;
use serde_json::{Value, json};
use sqlx::PgConnection;

use super::TaskError;
use crate::{Context, imaging};

/// Variant names and their widths; the first is the capped original.
const VARIANTS: &[(&str, u32)] = &[
    ("original", 3840),
    ("1080", 1080),
    ("640", 640),
    ("320", 320),
];

/// Where the variants of `original` live: `originals/media/1/x.jpg` → `media/1/x`.
pub fn variant_base(original: &str) -> String {
    let path = original.strip_prefix("originals/").unwrap_or(original);
    path.rsplit_once('.')
        .map_or(path, |(stem, _)| stem)
        .to_string()
}

fn size(width: u32, height: u32) -> Value {
    let aspect = if height == 0 {
        0.0
    } else {
        f64::from(width) / f64::from(height)
    };
    json!({ "width": width, "height": height, "size": format!("{width}x{height}"), "aspect": aspect })
}

/// The encoded variants and the `meta` object.
type Rendered = (Vec<(&'static str, Vec<u8>)>, Value);

fn render(
    bytes: &[u8],
    limits: &lookbook_core::config::Limits,
    focus: (f32, f32),
) -> anyhow::Result<Rendered> {
    let decoded = imaging::decode(bytes, limits)?;
    let (width, height) = (decoded.image.width(), decoded.image.height());
    let mut out = Vec::new();
    let mut small = (width, height);
    for (name, max_width) in VARIANTS {
        let variant = imaging::fit_width(&decoded.image, *max_width);
        if *name == "320" {
            small = (variant.width(), variant.height());
        }
        out.push((*name, imaging::jpeg(&variant, decoded.icc.as_deref())?));
    }
    let meta = json!({
        "original": size(width, height),
        "small": size(small.0, small.1),
        "focus": { "x": focus.0, "y": focus.1 },
    });
    Ok((out, meta))
}

pub async fn run(ctx: &Context, media_id: i64, tx: &mut PgConnection) -> Result<(), TaskError> {
    let transient = |e: lookbook_core::Error| TaskError::Transient(e.into());
    let Some(item) = media::by_id(&mut *tx, media_id).await.map_err(transient)? else {
        return Ok(()); // Deleted meanwhile.
    };
    if item.state != "processing" {
        return Ok(());
    }
    let Some(bytes) = ctx
        .storage
        .get(&item.original_key, ctx.limits.photo_bytes)
        .await
        .map_err(transient)?
    else {
        media::mark_failed(&mut *tx, media_id, "the upload is missing")
            .await
            .map_err(transient)?;
        return Ok(());
    };
    let limits = ctx.limits.clone();
    let focus = (item.focus_x, item.focus_y);
    let rendered = imaging::with_slot(move || render(&bytes, &limits, focus))
        .await
        .map_err(TaskError::Transient)?;
    let (variants, meta) = match rendered {
        Ok(done) => done,
        Err(reason) => {
            let reason = format!("{reason:#}");
            tracing::warn!(media_id, error = %reason, "photo refused");
            media::mark_failed(&mut *tx, media_id, &reason)
                .await
                .map_err(transient)?;
            return delete_upload(tx, &item.original_key)
                .await
                .map_err(transient);
        }
    };
    let base = variant_base(&item.original_key);
    let mut keys = serde_json::Map::new();
    for (name, jpeg) in variants {
        let key = format!("{base}/{name}.jpg");
        ctx.storage
            .put(&key, jpeg, "image/jpeg")
            .await
            .map_err(transient)?;
        keys.insert(name.to_string(), Value::String(key));
    }
    media::mark_ready(&mut *tx, media_id, &Value::Object(keys), &meta)
        .await
        .map_err(transient)?;
    delete_upload(tx, &item.original_key)
        .await
        .map_err(transient)
}

/// The upload still carries its metadata (GPS above all): once the variants
/// exist, or it proved unusable, it goes.
async fn delete_upload(tx: &mut PgConnection, key: &str) -> lookbook_core::Result<()> {
    let task = lookbook_core::tasks::Task::DeleteObjects {
        keys: vec![key.to_string()],
    };
    lookbook_core::tasks::enqueue(tx, &task).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    /// Variant keys follow from the original's key.
    #[test]
    fn variant_keys_follow_the_original() {
        assert_eq!(
            super::variant_base("originals/media/7/abc.jpg"),
            "media/7/abc"
        );
    }
}
