//! Decoding and encoding photos safely, shared by the task kinds that make
//! images: size limits checked from the header before any pixel is decoded,
//! a memory bound on the decoder, EXIF orientation applied, and a bound on
//! how many images one worker decodes at once.

use std::io::Cursor;

use anyhow::{Context as _, anyhow};
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageEncoder, ImageReader};
use lookbook_core::config::Limits;
use tokio::sync::Semaphore;

/// Images decoded at once per worker: a 40-megapixel photo needs ~160 MB.
static DECODING: Semaphore = Semaphore::const_new(2);

/// JPEG quality of every served image.
const QUALITY: u8 = 85;

/// A decoded, upright image and the colour profile it came with.
#[derive(Debug)]
pub struct Decoded {
    pub image: DynamicImage,
    pub icc: Option<Vec<u8>>,
}

/// Runs `work` on the blocking pool once a decoding slot is free.
pub async fn with_slot<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<T> {
    let _slot = DECODING.acquire().await?;
    Ok(tokio::task::spawn_blocking(work).await?)
}

/// Decodes `bytes` within `limits` and turns the image upright.
pub fn decode(bytes: &[u8], limits: &Limits) -> anyhow::Result<Decoded> {
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format()?;
    if reader.format() == Some(image::ImageFormat::Jpeg) && !jpeg_complete(bytes) {
        // The decoder would fill the missing part with grey; refuse instead.
        return Err(anyhow!("the image data is damaged: the JPEG ends early"));
    }
    let mut decode_limits = image::Limits::default();
    decode_limits.max_image_width = Some(limits.photo_side);
    decode_limits.max_image_height = Some(limits.photo_side);
    decode_limits.max_alloc = Some(limits.photo_pixels.saturating_mul(4) + (64 << 20));
    reader.limits(decode_limits);
    let mut decoder = reader.into_decoder().context("not a supported image")?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > limits.photo_pixels {
        return Err(anyhow!(
            "{w}x{h} is more than {} pixels",
            limits.photo_pixels
        ));
    }
    let icc = decoder.icc_profile().ok().flatten();
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).context("the image data is damaged")?;
    image.apply_orientation(orientation);
    Ok(Decoded { image, icc })
}

/// Whether a JPEG's last scan is followed by the end-of-image marker. Neither
/// marker can occur inside compressed data, and searching from the last scan
/// skips an embedded EXIF thumbnail's own markers.
fn jpeg_complete(bytes: &[u8]) -> bool {
    let Some(last_scan) = bytes.windows(2).rposition(|w| w == [0xff, 0xda]) else {
        return false;
    };
    bytes[last_scan..].windows(2).any(|w| w == [0xff, 0xd9])
}

/// Scales down to at most `width` pixels wide (never up), keeping the aspect.
pub fn fit_width(image: &DynamicImage, width: u32) -> DynamicImage {
    if image.width() <= width {
        return image.clone();
    }
    let height = (u64::from(image.height()) * u64::from(width) / u64::from(image.width())).max(1);
    image.resize_exact(
        width,
        u32::try_from(height).unwrap_or(u32::MAX),
        FilterType::Lanczos3,
    )
}

/// Encodes a JPEG carrying only the colour profile: every other metadata
/// block of the original (EXIF, GPS, XMP) is gone.
pub fn jpeg(image: &DynamicImage, icc: Option<&[u8]>) -> anyhow::Result<Vec<u8>> {
    let rgb = image.to_rgb8();
    let mut out = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut out, QUALITY);
    if let Some(icc) = icc {
        // A profile the encoder cannot carry is dropped, not fatal.
        let _ = encoder.set_icc_profile(icc.to_vec());
    }
    encoder.write_image(
        rgb.as_raw(),
        rgb.width(),
        rgb.height(),
        image::ExtendedColorType::Rgb8,
    )?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    /// A JPEG cut short is told from a whole one.
    #[test]
    fn truncated_jpegs_are_detected() {
        let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8, y as u8, 7]));
        let mut whole = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(
                &mut std::io::Cursor::new(&mut whole),
                image::ImageFormat::Jpeg,
            )
            .unwrap();
        assert!(super::jpeg_complete(&whole));
        assert!(!super::jpeg_complete(&whole[..whole.len() / 2]));
    }
}
