//! Test photographs: 12-megapixel JPEGs (4000×3000) with EXIF (camera,
//! date, orientation), drawn once and kept in the cache folder. Each shows
//! a lit backdrop, a standing figure in a coat and fine grain, so they
//! compress like camera photos (about 3 MB at quality 92), not like flat
//! test patterns.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use image::codecs::jpeg::JpegEncoder;
use image::{ImageEncoder, RgbImage};
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng};

pub const WIDTH: u32 = 4000;
pub const HEIGHT: u32 = 3000;
const COUNT: usize = 3;

/// The photos, made the first time they are asked for.
pub fn ensure(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut paths = Vec::new();
    for i in 0..COUNT {
        let path = dir.join(format!("photo{i}.jpg"));
        if !path.exists() {
            eprintln!("photos: drawing {}", path.display());
            let jpeg = with_exif(&encode(&draw(i as u64))?, i)?;
            let tmp = path.with_extension("part");
            std::fs::write(&tmp, jpeg)?;
            std::fs::rename(&tmp, &path)?;
        }
        paths.push(path);
    }
    Ok(paths)
}

fn draw(seed: u64) -> RgbImage {
    let mut rng = StdRng::seed_from_u64(seed);
    let base: [f32; 3] = [
        rng.random_range(120.0..220.0),
        rng.random_range(110.0..200.0),
        rng.random_range(100.0..190.0),
    ];
    let coat: [f32; 3] = [
        rng.random_range(20.0..160.0),
        rng.random_range(20.0..120.0),
        rng.random_range(20.0..120.0),
    ];
    let (cx, cy) = (
        WIDTH as f32 * rng.random_range(0.35..0.65),
        HEIGHT as f32 * 0.55,
    );
    let mut img = RgbImage::new(WIDTH, HEIGHT);
    let mut noise = rng.random::<u32>() | 1;
    for (x, y, px) in img.enumerate_pixels_mut() {
        let (fx, fy) = (x as f32, y as f32);
        // Light falls off from the upper left; the floor is darker.
        let light = 1.0 - 0.35 * (fx / WIDTH as f32) - 0.25 * (fy / HEIGHT as f32);
        let floor = if fy > HEIGHT as f32 * 0.8 { 0.7 } else { 1.0 };
        let mut c = base.map(|v| v * light * floor);
        // A figure: head, then a coat widening to the hem.
        let (dx, dy) = ((fx - cx) / 170.0, (fy - (cy - 900.0)) / 210.0);
        if dx * dx + dy * dy < 1.0 {
            c = [225.0 * light, 180.0 * light, 150.0 * light];
        } else if fy > cy - 650.0 && fy < cy + 1050.0 {
            let half = 300.0 + (fy - (cy - 650.0)) * 0.18;
            if (fx - cx).abs() < half {
                let fold = ((fx - cx) / 37.0).sin() * 12.0;
                c = coat.map(|v| (v + fold) * light);
            }
        }
        // Grain (xorshift, cheaper than the rng per pixel).
        noise ^= noise << 13;
        noise ^= noise >> 17;
        noise ^= noise << 5;
        let grain = (noise & 31) as f32 - 16.0;
        *px = image::Rgb(c.map(|v| (v + grain).clamp(0.0, 255.0) as u8));
    }
    img
}

fn encode(img: &RgbImage) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 92).write_image(
        img.as_raw(),
        img.width(),
        img.height(),
        image::ExtendedColorType::Rgb8,
    )?;
    Ok(out)
}

/// Puts an APP1 EXIF segment (little-endian TIFF, one IFD) right after SOI.
fn with_exif(jpeg: &[u8], i: usize) -> anyhow::Result<Vec<u8>> {
    anyhow::ensure!(jpeg.starts_with(&[0xFF, 0xD8]), "not a JPEG");
    let ascii = |s: &str| {
        let mut v = s.as_bytes().to_vec();
        v.push(0);
        v
    };
    let entries: Vec<(u16, u16, Vec<u8>)> = vec![
        (0x010F, 2, ascii("Lookbook Bench")),
        (0x0110, 2, ascii(&format!("Studio {i}"))),
        (0x0112, 3, 1u16.to_le_bytes().to_vec()),
        (0x0132, 2, ascii("2026:11:01 12:00:00")),
    ];
    let mut tiff = b"II*\0".to_vec();
    tiff.extend_from_slice(&8u32.to_le_bytes());
    tiff.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    let mut data_at = 8 + 2 + entries.len() * 12 + 4;
    let mut data = Vec::new();
    for (tag, kind, value) in &entries {
        tiff.extend_from_slice(&tag.to_le_bytes());
        tiff.extend_from_slice(&kind.to_le_bytes());
        let count = if *kind == 3 { 1u32 } else { value.len() as u32 };
        tiff.extend_from_slice(&count.to_le_bytes());
        if value.len() <= 4 {
            let mut inline = value.clone();
            inline.resize(4, 0);
            tiff.extend_from_slice(&inline);
        } else {
            tiff.extend_from_slice(&(data_at as u32).to_le_bytes());
            data.extend_from_slice(value);
            data_at += value.len();
        }
    }
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(&data);
    let mut segment = b"Exif\0\0".to_vec();
    segment.extend_from_slice(&tiff);
    let mut out = Vec::with_capacity(jpeg.len() + segment.len() + 4);
    out.extend_from_slice(&jpeg[..2]);
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((segment.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&segment);
    out.extend_from_slice(&jpeg[2..]);
    Ok(out)
}
