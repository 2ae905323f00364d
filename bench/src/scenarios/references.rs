//! The references measured in the same run on the same machine:
//! `pgbench -S` with prepared statements (what PostgreSQL alone answers),
//! and `vipsthumbnail` making the sizes our worker makes from the same JPEG,
//! timed beside the worker's own pipeline (called in this process).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::Context as _;
use sqlx::Connection as _;

use lookbook_core::config::Limits;
use lookbook_worker::tasks::media::render;

use crate::report::Reference;

use super::Ctx;

/// Connections pgbench uses: the API's pool size.
const PGBENCH_CLIENTS: u32 = 20;
/// Widths the worker makes (JPEG and WebP of each).
const WIDTHS: [u32; 4] = [3840, 1080, 640, 320];
/// Timed runs of each (one in quick mode).
const RUNS: usize = 3;

pub async fn pgbench(ctx: &Ctx) -> anyhow::Result<Reference> {
    let url = ctx.pgbench_url.as_deref().context("no --pgbench-url")?;
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let ready = sqlx::query_scalar!("select to_regclass('pgbench_accounts')::text as t")
        .fetch_one(&mut conn)
        .await?
        .is_some();
    drop(conn);
    if !ready {
        eprintln!("  pgbench: initializing (scale 10)");
        run(Command::new("pgbench").args(["-i", "-q", "-s", "10", url]))?;
    }
    let seconds = ctx.duration().as_secs().to_string();
    let out = run(Command::new("pgbench").args([
        "-S",
        "-M",
        "prepared",
        "-n",
        "-c",
        &PGBENCH_CLIENTS.to_string(),
        "-j",
        "2",
        "-T",
        &seconds,
        url,
    ]))?;
    let tps = out
        .lines()
        .find(|l| l.starts_with("tps = "))
        .and_then(|l| l.split_whitespace().nth(2))
        .and_then(|v| v.parse::<f64>().ok())
        .with_context(|| format!("no tps in pgbench's output:\n{out}"))?;
    Ok(Reference {
        name: "pgbench -S".into(),
        value: tps,
        unit: "select/s".into(),
        how: format!(
            "pgbench -S -M prepared -c {PGBENCH_CLIENTS} -j 2 -T {seconds}, scale 10, same server"
        ),
    })
}

/// The worker's pipeline and vipsthumbnail on the same photo: (ours, vips).
pub fn images(ctx: &Ctx) -> anyhow::Result<(Reference, Reference)> {
    let photo = &ctx.photos[0];
    let runs = if ctx.quick { 1 } else { RUNS };
    let ours = render_median(photo, runs)?;
    let dir = ctx.work_dir.join("vips");
    std::fs::create_dir_all(&dir)?;
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        vips_all(photo, &dir)?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let vips = times[times.len() / 2];
    Ok((
        Reference {
            name: "Lookbook image pipeline".into(),
            value: ours,
            unit: "ms".into(),
            how: format!(
                "the worker's own render function: one decode, {} variants, blurhash and \
                 colours; median of {runs}",
                WIDTHS.len() * 2
            ),
        },
        Reference {
            name: "vipsthumbnail".into(),
            value: vips,
            unit: "ms".into(),
            how: format!(
                "vipsthumbnail --size Wx for W in {WIDTHS:?}, JPEG Q85 and WebP Q80 each \
                 (one call per file); median of {runs}"
            ),
        },
    ))
}

/// The worker's pipeline on the photo, in this process: median milliseconds.
fn render_median(photo: &Path, runs: usize) -> anyhow::Result<f64> {
    let bytes = std::fs::read(photo)?;
    let limits = Limits {
        photo_bytes: 40 << 20,
        ..Limits::default()
    };
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        render(&bytes, &limits, (0.0, 0.0))?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

fn vips_all(photo: &Path, dir: &Path) -> anyhow::Result<()> {
    for w in WIDTHS {
        for (ext, opts) in [("jpg", "Q=85"), ("webp", "Q=80,effort=4")] {
            let target = format!("{}/{w}.{ext}[{opts}]", dir.display());
            run(Command::new("vipsthumbnail").arg(photo).args([
                "--size",
                &format!("{w}x"),
                "-o",
                &target,
            ]))?;
        }
    }
    Ok(())
}

/// Runs `cmd`, its standard output, or an error with its standard error.
pub(super) fn run(cmd: &mut Command) -> anyhow::Result<String> {
    let out = cmd
        .output()
        .with_context(|| format!("running {:?}", cmd.get_program()))?;
    anyhow::ensure!(
        out.status.success(),
        "{:?} failed: {}",
        cmd.get_program(),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
