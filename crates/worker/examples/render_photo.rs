//! Renders a photo the way `process_media` does, several times, and prints
//! the median time and what it made, to compare the pipeline's speed with
//! other tools on the same file:
//!
//! ```text
//! cargo run --release -p lookbook-worker --example render_photo -- PHOTO [RUNS] [OUT_DIR]
//! ```
//!
//! With `OUT_DIR`, the variants are written there to be looked at.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use lookbook_core::config::Limits;
use lookbook_worker::tasks::media::render;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .context("usage: render_photo PHOTO [RUNS] [OUT_DIR]")?;
    let runs: usize = args.next().map_or(Ok(5), |n| n.parse())?;
    let out_dir = args.next();
    let bytes = std::fs::read(&path).with_context(|| format!("reading {path}"))?;
    let limits = Limits {
        media_per_status: 4,
        photo_bytes: 40 << 20,
        ..Limits::default()
    };
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        last = Some(render(&bytes, &limits, (0.0, 0.0))?);
        times.push(started.elapsed());
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let runs: Vec<String> = times.iter().map(|t| format!("{:.0}", ms(*t))).collect();
    println!(
        "{path}: median {:.0} ms over {} runs ({} ms)",
        ms(times[times.len() / 2]),
        times.len(),
        runs.join(", ")
    );
    let rendered = last.context("no run")?;
    println!("meta {}", rendered.meta);
    println!(
        "blurhash {} colors {:?}",
        rendered.blurhash, rendered.colors
    );
    for file in &rendered.files {
        println!("{:>14} {:>9} bytes", file.file_name, file.bytes.len());
        if let Some(dir) = &out_dir {
            std::fs::write(format!("{dir}/{}", file.file_name), &file.bytes)?;
        }
    }
    Ok(())
}
