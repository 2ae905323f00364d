//! Decoding and encoding photos safely, shared by the task kinds that make
//! images: size limits checked from the header before any pixel is decoded,
//! a memory bound on the decoder, EXIF orientation applied, and a bound on
//! how many images one worker decodes at once. Scaling, JPEG encoding,
//! conversion to sRGB and the blurhash live here; WebP and the colour
//! palette in submodules.
//!
//! Served images keep the photo's own colour profile (a Display P3 photo
//! stays P3, as the phone took it). What is computed from colours (the
//! blurhash, the dominant colours) is computed in sRGB, since that is how
//! clients read them.

pub mod palette;
pub mod webp;

use std::io::Cursor;

use anyhow::{Context as _, anyhow};
use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, ImageDecoder, ImageReader, RgbImage, RgbaImage};
use jpeg_encoder::{ChromaSubsamplingMethod, ColorType, Encoder, SamplingFactor};
use lookbook_core::config::Limits;
use tokio::sync::Semaphore;

/// Images decoded at once per worker: a 40-megapixel photo needs ~160 MB.
static DECODING: Semaphore = Semaphore::const_new(2);

/// JPEG quality of every served image.
const QUALITY: u8 = 85;

/// How the JPEGs are encoded, for reports.
pub const JPEG_ENCODER: &str =
    "jpeg-encoder, quality 85, progressive, 4:2:0 (averaged), optimised Huffman tables";

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

/// The size of an image `width` x `height` scaled down to at most
/// `max_width` pixels wide (never up), keeping the aspect.
pub fn fit_width(width: u32, height: u32, max_width: u32) -> (u32, u32) {
    if width <= max_width {
        return (width, height);
    }
    let scaled = (u64::from(height) * u64::from(max_width) / u64::from(width)).max(1);
    (max_width, u32::try_from(scaled).unwrap_or(u32::MAX))
}

/// The size of an image `width` x `height` scaled down to fit a `side`
/// square (never up), keeping the aspect.
pub fn fit_square(width: u32, height: u32, side: u32) -> (u32, u32) {
    if width >= height {
        fit_width(width, height, side)
    } else {
        let (h, w) = fit_width(height, width, side);
        (w, h)
    }
}

/// Scales `image` to exactly `width` x `height` with a Lanczos3 filter.
pub fn resize(image: &RgbImage, width: u32, height: u32) -> anyhow::Result<RgbImage> {
    if image.dimensions() == (width, height) {
        return Ok(image.clone());
    }
    scale(image, width, height, false)
}

/// Scales and crops `image` to fill exactly `width` x `height`, keeping the
/// middle of what does not fit, with a Lanczos3 filter.
pub fn resize_to_fill(image: &RgbImage, width: u32, height: u32) -> anyhow::Result<RgbImage> {
    scale(image, width, height, true)
}

/// Scales `image` (with transparency) to exactly `width` x `height` with a
/// Lanczos3 filter; colours are weighted by their opacity, so transparent
/// pixels leave no dark fringe around what is drawn.
pub fn resize_rgba(image: &RgbaImage, width: u32, height: u32) -> anyhow::Result<RgbaImage> {
    if image.dimensions() == (width, height) {
        return Ok(image.clone());
    }
    let source = ImageRef::new(
        image.width(),
        image.height(),
        image.as_raw(),
        PixelType::U8x4,
    )?;
    let mut target = Image::new(width, height, PixelType::U8x4);
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
        .use_alpha(true);
    Resizer::new().resize(&source, &mut target, &options)?;
    RgbaImage::from_raw(width, height, target.into_vec())
        .ok_or_else(|| anyhow!("the scaled image has the wrong size"))
}

fn scale(image: &RgbImage, width: u32, height: u32, fill: bool) -> anyhow::Result<RgbImage> {
    let source = ImageRef::new(
        image.width(),
        image.height(),
        image.as_raw(),
        PixelType::U8x3,
    )?;
    let mut target = Image::new(width, height, PixelType::U8x3);
    let mut options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    if fill {
        options = options.fit_into_destination(Some((0.5, 0.5)));
    }
    Resizer::new().resize(&source, &mut target, &options)?;
    RgbImage::from_raw(width, height, target.into_vec())
        .ok_or_else(|| anyhow!("the scaled image has the wrong size"))
}

/// `image` in sRGB: converted from the colour profile `icc` when it has
/// one (Display P3, Adobe RGB, ...), as it is when it has none or the
/// profile is not one an RGB image can be converted from.
pub fn to_srgb(image: RgbImage, icc: Option<&[u8]>) -> RgbImage {
    let Some(icc) = icc.filter(|icc| !icc.is_empty()) else {
        return image;
    };
    let converted = moxcms::ColorProfile::new_from_slice(icc).and_then(|profile| {
        let transform = profile.create_transform_8bit(
            moxcms::Layout::Rgb,
            &moxcms::ColorProfile::new_srgb(),
            moxcms::Layout::Rgb,
            moxcms::TransformOptions::default(),
        )?;
        let mut out = vec![0; image.as_raw().len()];
        transform.transform(image.as_raw(), &mut out)?;
        Ok(out)
    });
    match converted.map(|pixels| RgbImage::from_raw(image.width(), image.height(), pixels)) {
        Ok(Some(srgb)) => srgb,
        Ok(None) | Err(_) => {
            tracing::debug!("colour profile not usable for conversion; colours taken as sRGB");
            image
        }
    }
}

/// A blurhash of `image` with 4x3 components, as Mastodon makes them;
/// `image` should be a thumbnail, the cost grows with its pixels.
pub fn blurhash(image: &RgbImage) -> anyhow::Result<String> {
    let rgba: Vec<u8> = image
        .pixels()
        .flat_map(|p| [p[0], p[1], p[2], u8::MAX])
        .collect();
    blurhash::encode(4, 3, image.width(), image.height(), &rgba)
        .map_err(|e| anyhow!("blurhash: {e}"))
}

/// Encodes a JPEG carrying only the colour profile: every other metadata
/// block of the original (EXIF, GPS, XMP) is gone. Progressive (a photo shows whole at once on a slow network, then
/// sharpens), chroma subsampled 4:2:0 with averaging, and Huffman tables
/// made for the image: smaller files than a baseline encoder's at the
/// same quality.
pub fn jpeg(image: &RgbImage, icc: Option<&[u8]>) -> anyhow::Result<Vec<u8>> {
    let width = u16::try_from(image.width()).context("too wide for a JPEG")?;
    let height = u16::try_from(image.height()).context("too tall for a JPEG")?;
    let mut out = Vec::new();
    let mut encoder = Encoder::new(&mut out, QUALITY);
    encoder.set_sampling_factor(SamplingFactor::R_4_2_0);
    encoder.set_chroma_subsampling_method(ChromaSubsamplingMethod::Average);
    encoder.set_optimized_huffman_tables(true);
    encoder.set_progressive(true);
    if let Some(icc) = icc.filter(|icc| !icc.is_empty()) {
        // A profile the encoder cannot carry is dropped, not fatal.
        let _ = encoder.add_icc_profile(icc);
    }
    encoder
        .encode(image.as_raw(), width, height, ColorType::Rgb)
        .map_err(|e| anyhow!("JPEG encoding failed: {e}"))?;
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
