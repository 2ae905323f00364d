//! The instrument checked against a light one: the hello and anonymous post
//! scenarios measured again with wrk (C, a few threads, no body parsing) on
//! the same instance, with the same connections and duration, so the
//! report shows whether this driver's own cost skews its figures.

use std::process::Command;

use anyhow::Context as _;

use crate::report::Reference;

use super::Ctx;

/// Connections wrk keeps busy: the read scenarios' users.
const CONNECTIONS: usize = 64;

/// Requests per second wrk gets from `paths` (taken in turn), and how it
/// was run.
pub fn measure(ctx: &Ctx, name: &str, paths: &[String]) -> anyhow::Result<(f64, String)> {
    let dir = ctx.work_dir.join("wrk");
    std::fs::create_dir_all(&dir)?;
    let script = dir.join(format!("{name}.lua"));
    let list: Vec<String> = paths.iter().map(|p| format!("{p:?}")).collect();
    std::fs::write(
        &script,
        format!(
            "local paths = {{{}}}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  \
             return wrk.format(\"GET\", paths[(i % #paths) + 1])\nend\n",
            list.join(", ")
        ),
    )?;
    let seconds = ctx.duration().as_secs().max(1);
    let args = [
        "-t2".to_string(),
        format!("-c{CONNECTIONS}"),
        format!("-d{seconds}s"),
        "-s".into(),
        script.display().to_string(),
        ctx.api.base().to_string(),
    ];
    let text = super::references::run(Command::new("wrk").args(&args))?;
    let rps = text
        .lines()
        .find(|l| l.starts_with("Requests/sec:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .with_context(|| format!("no Requests/sec in wrk's output:\n{text}"))?;
    let non_2xx = text
        .lines()
        .find(|l| l.contains("Non-2xx or 3xx responses"))
        .map(|l| format!("; {}", l.trim()))
        .unwrap_or_default();
    Ok((
        rps,
        format!("wrk -t2 -c{CONNECTIONS} -d{seconds}s, same instance{non_2xx}"),
    ))
}

/// A reference comparing wrk's figure for a scenario with the driver's.
pub fn reference(name: &str, wrk: f64, how: String, driver: Option<f64>) -> Reference {
    let agreement = driver.map_or_else(String::new, |d| {
        format!(
            "; the bench's driver measured {d:.0} req/s ({:.2} of wrk's{})",
            d / wrk,
            if (d / wrk - 1.0).abs() <= 0.10 {
                ", within 10 %"
            } else {
                ", NOT within 10 %"
            }
        )
    });
    Reference {
        name: format!("wrk: {name}"),
        value: wrk,
        unit: "req/s".into(),
        how: format!("{how}{agreement}"),
    }
}
