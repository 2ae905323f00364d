//! Lossy WebP variants through libwebp. libwebp's one-call encoder writes a
//! bare `VP8` file with no metadata at all; when the photo has a colour
//! profile, it is carried over by rewriting that file in WebP's extended
//! layout (`VP8X`, then `ICCP`, then the unchanged image data), which costs a
//! copy of the encoded bytes and nothing more.

use anyhow::{Context as _, anyhow, bail};
use image::RgbImage;

/// WebP quality of every served image; looks like the JPEG's 85 at a
/// smaller size.
const QUALITY: f32 = 80.0;

/// libwebp's speed/size trade-off, 0 (fast) to 6 (small); 4 is its default.
const METHOD: i32 = 4;

/// The `VP8X` flag saying an `ICCP` chunk follows.
const ICC_FLAG: u8 = 0x20;

/// Encodes `image` as lossy WebP carrying only `icc`, if given.
pub fn encode(image: &RgbImage, icc: Option<&[u8]>) -> anyhow::Result<Vec<u8>> {
    let mut config =
        ::webp::WebPConfig::new().map_err(|()| anyhow!("libwebp has no default configuration"))?;
    config.quality = QUALITY;
    config.method = METHOD;
    let encoded = ::webp::Encoder::from_rgb(image.as_raw(), image.width(), image.height())
        .encode_advanced(&config)
        .map_err(|e| anyhow!("WebP encoding failed: {e:?}"))?;
    match icc {
        Some(icc) if !icc.is_empty() => with_icc(&encoded, icc, image.width(), image.height()),
        _ => Ok(encoded.to_vec()),
    }
}

/// Rewrites a WebP file of `width` x `height` to carry `icc`.
fn with_icc(file: &[u8], icc: &[u8], width: u32, height: u32) -> anyhow::Result<Vec<u8>> {
    if file.len() < 20 || &file[..4] != b"RIFF" || &file[8..12] != b"WEBP" {
        bail!("libwebp wrote something that is not a WebP file");
    }
    let chunks = &file[12..];
    let mut out = Vec::with_capacity(file.len() + icc.len() + 32);
    out.extend_from_slice(b"RIFF\0\0\0\0WEBP");
    let rest = if &chunks[..4] == b"VP8X" {
        // Already extended: keep its header, raise the profile flag.
        let header = chunks.get(..18).context("a VP8X chunk cut short")?;
        out.extend_from_slice(header);
        out[20] |= ICC_FLAG;
        &chunks[18..]
    } else {
        let mut header = [0u8; 10];
        header[0] = ICC_FLAG;
        header[4..7].copy_from_slice(&canvas_side(width)?);
        header[7..10].copy_from_slice(&canvas_side(height)?);
        push_chunk(&mut out, b"VP8X", &header)?;
        chunks
    };
    push_chunk(&mut out, b"ICCP", icc)?;
    out.extend_from_slice(rest);
    let riff_size = u32::try_from(out.len() - 8).context("the WebP file is too large")?;
    out[4..8].copy_from_slice(&riff_size.to_le_bytes());
    Ok(out)
}

/// A canvas side as `VP8X` stores it: one less, in 24 bits little-endian.
fn canvas_side(side: u32) -> anyhow::Result<[u8; 3]> {
    let stored = side.checked_sub(1).filter(|s| *s < 1 << 24);
    let [a, b, c, _] = stored
        .context("no WebP canvas has that size")?
        .to_le_bytes();
    Ok([a, b, c])
}

/// Appends a RIFF chunk, padded to an even length as RIFF requires.
fn push_chunk(out: &mut Vec<u8>, fourcc: &[u8; 4], payload: &[u8]) -> anyhow::Result<()> {
    let size = u32::try_from(payload.len()).context("a WebP chunk is too large")?;
    out.extend_from_slice(fourcc);
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(payload);
    if payload.len() % 2 == 1 {
        out.push(0);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use image::ImageDecoder as _;
    use image::codecs::webp::WebPDecoder;

    fn photo() -> image::RgbImage {
        image::RgbImage::from_fn(90, 61, |x, y| {
            image::Rgb([(x * 2) as u8, (y * 4) as u8, 120])
        })
    }

    /// A profile of odd length comes back byte for byte from a WebP decoder,
    /// and the pixels still decode at the right size.
    #[test]
    fn the_colour_profile_survives_in_webp() {
        let icc = b"lookbook-test-colour-profile!".to_vec();
        assert_eq!(icc.len() % 2, 1);
        let bytes = super::encode(&photo(), Some(&icc)).unwrap();
        let mut decoder = WebPDecoder::new(Cursor::new(&bytes)).unwrap();
        assert_eq!(decoder.icc_profile().unwrap(), Some(icc));
        assert_eq!(decoder.dimensions(), (90, 61));
        let image = image::DynamicImage::from_decoder(decoder)
            .unwrap()
            .to_rgb8();
        let pixel = image.get_pixel(40, 30);
        assert!(
            pixel[0].abs_diff(80) < 12 && pixel[2].abs_diff(120) < 12,
            "{pixel:?}"
        );
    }

    /// Without a profile the file stays the plain lossy kind.
    #[test]
    fn without_a_profile_the_file_is_plain() {
        let bytes = super::encode(&photo(), None).unwrap();
        assert_eq!(&bytes[12..16], b"VP8 ");
        let mut decoder = WebPDecoder::new(Cursor::new(&bytes)).unwrap();
        assert_eq!(decoder.icc_profile().unwrap(), None);
    }
}
