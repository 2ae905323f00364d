//! `process_profile_image`: turns an uploaded avatar or header into the image
//! that is served: decoded within the size limits (refused from the header
//! before any pixels are decoded), turned upright by its EXIF orientation,
//! cropped to fill 400x400 (avatar) or 1500x500 (header), and re-encoded as
//! JPEG, which drops every metadata block, GPS included, but keeps the
//! colour profile (a Display P3 avatar keeps its colours).
//!
//! The account keeps showing its previous image until the new one is ready;
//! an upload that fails to process is dropped and the previous image stays.
//! Idempotent: the served key is derived from the original's, and a rerun
//! after success finds the upload no longer pending and its image shown.

use anyhow::anyhow;
use lookbook_core::config::Limits;
use lookbook_core::db::accounts;
use lookbook_core::tasks::{self, Task};
use sqlx::PgConnection;

use super::TaskError;
use crate::{Context, imaging};

/// The size a profile image is served at.
fn target(field: &str) -> Option<(u32, u32)> {
    match field {
        "avatar" => Some((400, 400)),
        "header" => Some((1500, 500)),
        _ => None,
    }
}

/// Where the processed image of `original` is stored: `originals/avatars/1/x.png`
/// becomes `avatars/1/x.jpg`.
pub fn served_key(original: &str) -> String {
    let path = original.strip_prefix("originals/").unwrap_or(original);
    let stem = path.rsplit_once('.').map_or(path, |(stem, _)| stem);
    format!("{stem}.jpg")
}

pub async fn run(
    ctx: &Context,
    account_id: i64,
    field: &str,
    original: &str,
    tx: &mut PgConnection,
) -> Result<(), TaskError> {
    let transient = |e: lookbook_core::Error| TaskError::Transient(e.into());
    let (width, height) = target(field)
        .ok_or_else(|| TaskError::Permanent(anyhow!("unknown profile image field {field}")))?;
    let served = served_key(original);
    let Some((pending, shown)) = accounts::lock_images(&mut *tx, account_id, field)
        .await
        .map_err(transient)?
    else {
        // The account is gone: only the upload is left to clean up.
        return delete_later(tx, vec![original.to_string(), served])
            .await
            .map_err(transient);
    };
    if pending.as_deref() != Some(original) {
        if shown.as_deref() == Some(served.as_str()) {
            return Ok(()); // Done by an earlier run.
        }
        // Superseded by a newer upload.
        return delete_later(tx, vec![original.to_string(), served])
            .await
            .map_err(transient);
    }
    let Some(bytes) = ctx
        .storage
        .get(original, ctx.limits.photo_bytes)
        .await
        .map_err(transient)?
    else {
        accounts::finish_pending_image(&mut *tx, account_id, field, None)
            .await
            .map_err(transient)?;
        return Ok(());
    };
    let limits = ctx.limits.clone();
    let rendered = imaging::with_slot(move || render(&bytes, width, height, &limits))
        .await
        .map_err(TaskError::Transient)?;
    let mut obsolete = vec![original.to_string()];
    match rendered {
        Ok(jpeg) => {
            ctx.storage
                .put(&served, jpeg, "image/jpeg")
                .await
                .map_err(transient)?;
            accounts::finish_pending_image(&mut *tx, account_id, field, Some(&served))
                .await
                .map_err(transient)?;
            obsolete.extend(shown);
        }
        Err(reason) => {
            // The member keeps the image they had.
            tracing::warn!(account_id, field, error = %format!("{reason:#}"), "profile image refused");
            accounts::finish_pending_image(&mut *tx, account_id, field, None)
                .await
                .map_err(transient)?;
        }
    }
    delete_later(tx, obsolete).await.map_err(transient)
}

/// Hands objects to the delete task, in this task's transaction.
async fn delete_later(tx: &mut PgConnection, keys: Vec<String>) -> lookbook_core::Result<()> {
    tasks::enqueue(tx, &Task::DeleteObjects { keys })
        .await
        .map(|_| ())
}

/// Decodes `bytes` within `limits`, applies the orientation, crops to fill
/// `width` x `height` and encodes a JPEG.
pub fn render(bytes: &[u8], width: u32, height: u32, limits: &Limits) -> anyhow::Result<Vec<u8>> {
    let decoded = imaging::decode(bytes, limits)?;
    let cropped = imaging::resize_to_fill(&decoded.image.into_rgb8(), width, height)?;
    imaging::jpeg(&cropped, decoded.icc.as_deref())
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn limits() -> Limits {
        Limits::default()
    }

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_pixel(width, height, image::Rgb([200, 30, 90]));
        let mut out = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    /// Any picture comes out as a JPEG of exactly the target size.
    #[test]
    fn images_are_cropped_to_the_target() {
        let jpeg = render(&png(800, 300), 400, 400, &limits()).unwrap();
        let out = image::load_from_memory(&jpeg).unwrap();
        assert_eq!((out.width(), out.height()), (400, 400));
        assert_eq!(
            image::guess_format(&jpeg).unwrap(),
            image::ImageFormat::Jpeg
        );
    }

    /// Oversized pictures and damaged data are refused, not decoded.
    #[test]
    fn bombs_and_damage_are_refused() {
        let mut small = limits();
        small.photo_side = 100;
        assert!(render(&png(200, 50), 400, 400, &small).is_err());
        let mut few = limits();
        few.photo_pixels = 1000;
        assert!(render(&png(50, 50), 400, 400, &few).is_err());
        let mut damaged = png(50, 50);
        damaged.truncate(40);
        assert!(render(&damaged, 400, 400, &limits()).is_err());
    }

    /// A Display P3 avatar keeps its profile, so its colours stay as taken.
    #[test]
    fn avatars_keep_their_colour_profile() {
        let png = crate::tasks::media::tests::p3_png(600, 500, [186, 88, 67]);
        let jpeg = render(&png, 400, 400, &limits()).unwrap();
        let mut decoder = image::codecs::jpeg::JpegDecoder::new(Cursor::new(&jpeg)).unwrap();
        let icc = image::ImageDecoder::icc_profile(&mut decoder).unwrap();
        assert_eq!(icc.as_deref(), Some(crate::tasks::media::tests::p3_icc()));
    }

    /// Filling crops what does not fit evenly on both sides: of a wide
    /// picture with a green middle and red and blue ends, the avatar is
    /// the green middle.
    #[test]
    fn filling_keeps_the_middle() {
        let img = image::RgbImage::from_fn(900, 300, |x, _| match x {
            0..300 => image::Rgb([255, 0, 0]),
            300..600 => image::Rgb([0, 255, 0]),
            _ => image::Rgb([0, 0, 255]),
        });
        let mut png = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let jpeg = render(&png, 400, 400, &limits()).unwrap();
        let out = image::load_from_memory(&jpeg).unwrap().to_rgb8();
        for (x, y) in [(10, 10), (200, 200), (390, 390)] {
            let [r, g, b] = out.get_pixel(x, y).0;
            assert!(g > 200 && r < 40 && b < 40, "({x}, {y}) is {r},{g},{b}");
        }
    }

    /// Served keys follow from the original's, so a rerun writes the same object.
    #[test]
    fn served_keys_follow_the_original() {
        assert_eq!(
            served_key("originals/avatars/7/abc.png"),
            "avatars/7/abc.jpg"
        );
    }
}
