//! `lookbook-bench`: the data generator and the benchmark scenarios.
//! `bench/run` builds everything, starts the system and calls this; see
//! the README's "Benchmarks" section.
//!
//! ```text
//! lookbook-bench generate --database-url URL [--scale 1] [--seed 42]
//! lookbook-bench photos --dir DIR
//! lookbook-bench run --api URL --edge URL --database-url URL --out DIR [--quick]
//!     [--api-pid PID] [--idle-api HOST:PORT --idle-api-pid PID] [--pgbench-url URL] [--photos DIR]
//!     [--baseline REQ_PER_S] [SCENARIO...]
//! ```

mod generate;
mod load;
mod photos;
mod progress;
mod report;
mod scenarios;
mod stats;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use sqlx::postgres::PgPoolOptions;

use crate::load::Http;
use crate::report::Report;
use crate::scenarios::targets::{Findings, FlashFindings, judge};
use crate::scenarios::{ALL, Ctx};

/// Command-line flags (`--name value`, or `--name` alone for a switch) and
/// the remaining words.
struct Args {
    flags: HashMap<String, String>,
    words: Vec<String>,
}

impl Args {
    fn parse(args: impl Iterator<Item = String>) -> Args {
        let mut flags = HashMap::new();
        let mut words = Vec::new();
        let mut args = args.peekable();
        while let Some(arg) = args.next() {
            if let Some(name) = arg.strip_prefix("--") {
                let value = match args.peek() {
                    Some(next) if !next.starts_with("--") && name != "quick" => {
                        args.next().unwrap_or_default()
                    }
                    _ => String::new(),
                };
                flags.insert(name.to_string(), value);
            } else {
                words.push(arg);
            }
        }
        Args { flags, words }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.flags.get(name).map(String::as_str)
    }

    fn need(&self, name: &str) -> anyhow::Result<&str> {
        self.get(name)
            .with_context(|| format!("--{name} is required"))
    }

    fn parsed<T: std::str::FromStr>(&self, name: &str, default: T) -> anyhow::Result<T> {
        match self.get(name) {
            Some(v) => v
                .parse()
                .ok()
                .with_context(|| format!("--{name}: bad value {v}")),
            None => Ok(default),
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut argv = std::env::args().skip(1);
    let command = argv.next().unwrap_or_default();
    let args = Args::parse(argv);
    match command.as_str() {
        "generate" => {
            let scale = generate::Scale {
                factor: args.parsed("scale", 1.0)?,
                seed: args.parsed("seed", 42)?,
            };
            generate::run(args.need("database-url")?, scale).await
        }
        "photos" => {
            photos::ensure(&PathBuf::from(args.need("dir")?))?;
            Ok(())
        }
        "run" => run(&args).await,
        "images" => {
            let dir = PathBuf::from(args.need("dir")?);
            let photos = photos::ensure(&dir)?;
            for photo in &photos {
                println!("{}", photo.display());
                for r in scenarios::quality::jpeg_variants(photo, &dir.join("work"))? {
                    println!("  {}: {:.1} {} ({})", r.name, r.value, r.unit, r.how);
                }
            }
            Ok(())
        }
        _ => bail!("usage: lookbook-bench generate|photos|images|run …; see bench/run"),
    }
}

async fn run(args: &Args) -> anyhow::Result<()> {
    let out = PathBuf::from(args.need("out")?);
    let db = PgPoolOptions::new()
        .max_connections(4)
        .connect(args.need("database-url")?)
        .await?;
    let api_base = args.need("api")?.to_string();
    let photos_dir = PathBuf::from(args.get("photos").unwrap_or("bench/.cache/photos"));
    let ctx = Ctx::load(Ctx {
        api: Http::new(&api_base, None),
        edge_base: args.need("edge")?.to_string(),
        db,
        members: Vec::new(),
        brands: Vec::new(),
        posts: Arc::new(Vec::new()),
        quick: args.get("quick").is_some(),
        photos: photos::ensure(&photos_dir)?,
        api_pid: args.get("api-pid").and_then(|p| p.parse().ok()),
        idle_api: args
            .get("idle-api")
            .zip(args.get("idle-api-pid").and_then(|p| p.parse().ok()))
            .map(|(addr, pid)| (addr.to_string(), pid)),
        pgbench_url: args.get("pgbench-url").map(str::to_string),
        work_dir: out.join("work"),
    })
    .await?;
    let chosen: Vec<&str> = if args.words.is_empty() {
        ALL.to_vec()
    } else {
        for w in &args.words {
            anyhow::ensure!(
                ALL.contains(&w.as_str()),
                "unknown scenario {w}; known: {ALL:?}"
            );
        }
        ALL.iter()
            .copied()
            .filter(|s| args.words.iter().any(|w| w == s))
            .collect()
    };
    let mut report = Report {
        generated_at: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        machine: machine(),
        dataset: args.get("dataset").unwrap_or("?").to_string(),
        quick: ctx.quick,
        ..Report::default()
    };
    let mut findings = Findings::default();
    let api_addr = api_base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    for name in chosen {
        eprintln!("scenario: {name}");
        match name {
            "hello" => {
                let sc = scenarios::reads::hello(&ctx).await;
                let (rps, how) = scenarios::wrk::measure(&ctx, "hello", &["/hello".into()])?;
                findings.wrk_hello = Some(rps);
                report.references.push(scenarios::wrk::reference(
                    "hello",
                    rps,
                    how,
                    Some(sc.summary.throughput),
                ));
                report.scenarios.push(sc);
            }
            "status" => {
                let sc = scenarios::reads::status(&ctx).await;
                let paths: Vec<String> = ctx
                    .posts
                    .iter()
                    .map(|id| format!("/api/v1/statuses/{id}"))
                    .collect();
                let (rps, how) = scenarios::wrk::measure(&ctx, "status", &paths)?;
                report.references.push(scenarios::wrk::reference(
                    "anonymous post",
                    rps,
                    how,
                    Some(sc.summary.throughput),
                ));
                if let Some(hello) = findings.wrk_hello {
                    report.references.push(crate::report::Reference {
                        name: "wrk: anonymous post / hello".into(),
                        value: rps / hello,
                        unit: "ratio".into(),
                        how: "both measured with wrk in this run (the target's ratio by the \
                              light instrument)"
                            .into(),
                    });
                }
                // The same posts' public web pages (`/@name/:id`), warm.
                let pages = scenarios::reads::page_paths(&ctx, 200).await;
                let (page_rps, how) = scenarios::wrk::measure(&ctx, "post page", &pages)?;
                report.references.push(scenarios::wrk::reference(
                    "anonymous post page",
                    page_rps,
                    how,
                    None,
                ));
                if let Some(hello) = findings.wrk_hello {
                    report.references.push(crate::report::Reference {
                        name: "wrk: anonymous post page / hello".into(),
                        value: page_rps / hello,
                        unit: "ratio".into(),
                        how: "both measured with wrk in this run: the HTML page of a post, \
                              rendered from the same caches as the API"
                            .into(),
                    });
                }
                report.scenarios.push(sc);
            }
            "status_signed_in" => report
                .scenarios
                .push(scenarios::reads::status_signed_in(&ctx).await),
            "home" => report.scenarios.push(scenarios::reads::home(&ctx).await),
            "profile" => report.scenarios.push(scenarios::reads::profile(&ctx).await),
            "hotkey" => {
                let (sc, loads) = scenarios::hotkey::misses(&ctx).await?;
                findings.hot_loads = Some(loads);
                report.scenarios.push(sc);
            }
            "favourite" => report
                .scenarios
                .push(scenarios::favourites::run(&ctx).await?),
            "photo" => report.scenarios.push(scenarios::photo::run(&ctx).await?),
            "journey" => report.scenarios.push(scenarios::journey::run(&ctx).await),
            "delivery" => report.scenarios.push(scenarios::delivery::run(&ctx).await?),
            "push" => report.scenarios.push(scenarios::push::run(&ctx).await?),
            "sockets" => report.scenarios.push(scenarios::sockets::run(&ctx).await?),
            "memory" => {
                let (sc, rss) = scenarios::hotkey::memory(&ctx, &api_addr).await?;
                findings.rss_mb = Some(rss);
                report.scenarios.push(sc);
            }
            "flash" => {
                let flash = scenarios::flash::run(&ctx, args.parsed("baseline", 40.0)?).await?;
                findings.flash = Some(FlashFindings {
                    exact: flash.exact,
                    admitted_p99_ms: flash.scenario.summary.p99_ms,
                    failures: flash.scenario.summary.failures,
                });
                report.flash_timeline = flash.timeline;
                report.scenarios.push(flash.scenario);
            }
            "pgbench" => report
                .references
                .push(scenarios::references::pgbench(&ctx).await?),
            "vips" => {
                let (ours, vips) = scenarios::references::images(&ctx)?;
                report.references.push(ours);
                report.references.push(vips);
                report.references.extend(scenarios::quality::jpeg_variants(
                    &ctx.photos[0],
                    &ctx.work_dir,
                )?);
            }
            _ => unreachable!("checked above"),
        }
        if let Some(s) = report.scenarios.last().filter(|s| s.name == name) {
            eprintln!(
                "  {:.0} ok/s, p50 {:.1} ms, p99 {:.1} ms, not 2xx {:?}",
                s.summary.throughput, s.summary.p50_ms, s.summary.p99_ms, s.summary.errors
            );
        }
    }
    judge(&mut report, &findings);
    report.write(&out)?;
    println!("{}", report.markdown());
    Ok(())
}

/// What the run ran on: cores and CPU model.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores ({model})")
}
