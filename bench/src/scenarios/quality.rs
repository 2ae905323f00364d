//! What the worker's JPEG variants weigh and how close they stay to the
//! photo: each variant's bytes, its encoding time, and its DSSIM (the
//! `dssim` tool from crates.io; 0 is identical, lower is better) against the
//! scaled pixels it was encoded from; and the time an avatar takes to
//! make from the same photo. Run inside the `vips` scenario and
//! alone as `lookbook-bench images`, which needs no running system.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::Context as _;
use lookbook_core::config::Limits;
use lookbook_worker::imaging;
use lookbook_worker::tasks::media::VARIANTS;
use lookbook_worker::tasks::profile_image;

use crate::report::Reference;

/// The JPEG variants of `photo`, one reference each.
pub fn jpeg_variants(photo: &Path, work_dir: &Path) -> anyhow::Result<Vec<Reference>> {
    let dir = work_dir.join("quality");
    std::fs::create_dir_all(&dir)?;
    let bytes = std::fs::read(photo)?;
    let limits = Limits {
        photo_bytes: 40 << 20,
        ..Limits::default()
    };
    let decoded = imaging::decode(&bytes, &limits)?;
    let icc = decoded.icc.clone();
    let (width, height) = (decoded.image.width(), decoded.image.height());
    let mut current = decoded.image.into_rgb8();
    let mut out = Vec::new();
    for (name, max_width) in VARIANTS {
        let (w, h) = imaging::fit_width(width, height, *max_width);
        if current.dimensions() != (w, h) {
            current = imaging::resize(&current, w, h)?;
        }
        let started = Instant::now();
        let jpeg = imaging::jpeg(&current, icc.as_deref())?;
        let encode_ms = started.elapsed().as_secs_f64() * 1000.0;
        let reference = dir.join(format!("{name}.png"));
        current.save(&reference)?;
        let encoded = dir.join(format!("{name}.jpg"));
        std::fs::write(&encoded, &jpeg)?;
        let dssim = dssim(&reference, &encoded)?;
        out.push(Reference {
            name: format!("JPEG variant {name} ({w}x{h})"),
            value: jpeg.len() as f64 / 1024.0,
            unit: "KiB".into(),
            how: format!(
                "DSSIM {dssim:.6} against the scaled pixels (dssim); encoded in {encode_ms:.1} ms; {}",
                imaging::JPEG_ENCODER
            ),
        });
    }
    let mut times = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        profile_image::render(&bytes, 400, 400, &limits)?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    out.push(Reference {
        name: "avatar 400x400 from the photo".into(),
        value: times[1],
        unit: "ms".into(),
        how: "decode, crop to fill, scale, encode; median of 3".into(),
    });
    Ok(out)
}

/// `dssim`'s score of `encoded` against `reference`.
fn dssim(reference: &Path, encoded: &Path) -> anyhow::Result<f64> {
    let out = Command::new("dssim")
        .arg(reference)
        .arg(encoded)
        .output()
        .context("running dssim (cargo install dssim)")?;
    anyhow::ensure!(
        out.status.success(),
        "dssim failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .with_context(|| format!("no score in dssim's output: {text}"))
}
