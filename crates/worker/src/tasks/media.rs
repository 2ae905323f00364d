//! `process_media`: turns an uploaded photo into the served variants — a
//! capped original and 1080, 640 and 320 px wide, each as JPEG and as WebP
//! carrying only the colour profile (EXIF and GPS are gone) — fills in
//! Mastodon's `meta` and `blurhash`, and finds the dominant colours (both
//! read in sRGB, whatever the photo's colour profile). A photo
//! that cannot be decoded (damaged, a bomb, not an image) is marked failed
//! with the reason the member will see.
//!
//! The upload itself, metadata and all, is deleted once processed.
//! Idempotent: variant keys follow from the original's, the rest from the
//! pixels, and only media still `processing` is touched.

use lookbook_core::config::Limits;
use lookbook_core::db::media;
use serde_json::{Value, json};
use sqlx::PgConnection;

use super::TaskError;
use crate::{Context, imaging};

/// Variant names and their widths, largest first (each is scaled from the
/// one before); the first is the capped original. The JPEG of each is
/// recorded under the name, the WebP under `<name>.webp`.
pub const VARIANTS: &[(&str, u32)] = &[
    ("original", 3840),
    ("1080", 1080),
    ("640", 640),
    ("320", 320),
];

/// The side of the thumbnail the blurhash and the colours are taken from.
const THUMBNAIL: u32 = 64;

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

/// One encoded variant.
#[derive(Debug)]
pub struct File {
    /// Its name in `variants`.
    pub name: String,
    /// Its object key below the media's base.
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// Everything made from one photo.
#[derive(Debug)]
pub struct Rendered {
    pub files: Vec<File>,
    /// Mastodon's `meta`.
    pub meta: Value,
    pub blurhash: String,
    /// `#rrggbb`, most prominent first.
    pub colors: Vec<String>,
}

/// Decodes the photo once and makes everything from it, scaling down from
/// one variant to the next.
pub fn render(bytes: &[u8], limits: &Limits, focus: (f32, f32)) -> anyhow::Result<Rendered> {
    let decoded = imaging::decode(bytes, limits)?;
    let icc = decoded.icc.as_deref();
    let (width, height) = (decoded.image.width(), decoded.image.height());
    let mut current = decoded.image.into_rgb8();
    let mut files = Vec::new();
    for (name, max_width) in VARIANTS {
        let (w, h) = imaging::fit_width(width, height, *max_width);
        if current.dimensions() != (w, h) {
            current = imaging::resize(&current, w, h)?;
        }
        files.push(File {
            name: (*name).to_string(),
            file_name: format!("{name}.jpg"),
            content_type: "image/jpeg",
            bytes: imaging::jpeg(&current, icc)?,
        });
        files.push(File {
            name: format!("{name}.webp"),
            file_name: format!("{name}.webp"),
            content_type: "image/webp",
            bytes: imaging::webp::encode(&current, icc)?,
        });
    }
    // `current` is now the smallest variant; colours are read in sRGB.
    let (w, h) = imaging::fit_square(current.width(), current.height(), THUMBNAIL);
    let thumbnail = imaging::to_srgb(imaging::resize(&current, w, h)?, icc);
    let meta = json!({
        "original": size(width, height),
        "small": size(current.width(), current.height()),
        "focus": { "x": focus.0, "y": focus.1 },
    });
    Ok(Rendered {
        files,
        meta,
        blurhash: imaging::blurhash(&thumbnail)?,
        colors: imaging::palette::dominant(&thumbnail),
    })
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
    let rendered = match rendered {
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
    for file in rendered.files {
        let key = format!("{base}/{}", file.file_name);
        ctx.storage
            .put(&key, file.bytes, file.content_type)
            .await
            .map_err(transient)?;
        keys.insert(file.name, Value::String(key));
    }
    let done = media::Processed {
        variants: &Value::Object(keys),
        meta: &rendered.meta,
        blurhash: &rendered.blurhash,
        colors: &json!(rendered.colors),
    };
    media::mark_ready(&mut *tx, media_id, &done)
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
pub(crate) mod tests {
    use std::io::Cursor;

    use image::ImageEncoder;
    use image::codecs::png::PngEncoder;

    /// A Display P3 profile, made once: its header carries the time it was
    /// made, so two made a second apart differ.
    pub fn p3_icc() -> &'static [u8] {
        static ICC: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        ICC.get_or_init(|| moxcms::ColorProfile::new_display_p3().encode().unwrap())
    }

    /// A PNG of one colour carrying the Display P3 profile.
    pub fn p3_png(width: u32, height: u32, p3: [u8; 3]) -> Vec<u8> {
        let img = image::RgbImage::from_pixel(width, height, image::Rgb(p3));
        let mut out = Vec::new();
        let mut encoder = PngEncoder::new(Cursor::new(&mut out));
        encoder.set_icc_profile(p3_icc().to_vec()).unwrap();
        encoder
            .write_image(img.as_raw(), width, height, image::ExtendedColorType::Rgb8)
            .unwrap();
        out
    }

    fn near(found: [u8; 3], expected: [u8; 3]) -> bool {
        found.iter().zip(expected).all(|(a, b)| a.abs_diff(b) <= 3)
    }

    /// A Display P3 photo whose colour is sRGB (200, 80, 60) — written in
    /// P3 as (186, 88, 67), by the standard primaries — gets that sRGB
    /// colour as its dominant colour and in its blurhash, and its variants
    /// keep the P3 profile.
    #[test]
    fn colours_of_a_display_p3_photo_are_read_in_srgb() {
        let png = p3_png(300, 200, [186, 88, 67]);
        let limits = lookbook_core::config::Limits::default();
        let rendered = super::render(&png, &limits, (0.0, 0.0)).unwrap();
        let dominant = rendered.colors.first().expect("a dominant colour");
        let rgb = [1, 3, 5].map(|i| u8::from_str_radix(&dominant[i..i + 2], 16).unwrap());
        assert!(near(rgb, [200, 80, 60]), "dominant colour {dominant}");
        // The blurhash's average colour: characters 2 to 5, base 83, as sRGB.
        const DIGITS: &str =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";
        let dc = rendered.blurhash[2..6]
            .chars()
            .fold(0u32, |n, c| n * 83 + DIGITS.find(c).unwrap() as u32);
        let average = [(dc >> 16) as u8, (dc >> 8) as u8, dc as u8];
        assert!(near(average, [200, 80, 60]), "blurhash colour {average:?}");
        let jpeg = &rendered
            .files
            .iter()
            .find(|f| f.name == "320")
            .unwrap()
            .bytes;
        let mut decoder = image::codecs::jpeg::JpegDecoder::new(Cursor::new(jpeg)).unwrap();
        let icc = image::ImageDecoder::icc_profile(&mut decoder).unwrap();
        assert_eq!(icc.as_deref(), Some(p3_icc()));
    }

    /// Served JPEGs are progressive, with 4:2:0 chroma: they show whole
    /// early on a slow network and weigh less.
    #[test]
    fn variants_are_progressive_and_subsampled() {
        let img = image::RgbImage::from_fn(640, 480, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
        });
        let jpeg = crate::imaging::jpeg(&img, None).unwrap();
        let sof2 = jpeg
            .windows(2)
            .position(|w| w == [0xff, 0xc2])
            .expect("a progressive frame header (SOF2)");
        assert!(
            !jpeg.windows(2).any(|w| w == [0xff, 0xc0]),
            "no baseline frame"
        );
        // SOF2: length (2), precision (1), height (2), width (2), components (1),
        // then per component: id, sampling factors, table. Luma samples 2x2.
        assert_eq!(jpeg[sof2 + 2 + 2 + 1 + 2 + 2 + 1 + 1], 0x22);
        let back = image::load_from_memory(&jpeg).unwrap();
        assert_eq!((back.width(), back.height()), (640, 480));
    }

    /// Variant keys follow from the original's key.
    #[test]
    fn variant_keys_follow_the_original() {
        assert_eq!(
            super::variant_base("originals/media/7/abc.jpg"),
            "media/7/abc"
        );
    }
}
