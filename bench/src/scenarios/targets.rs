//! DESIGN.md's performance targets, judged from one run's figures.

use crate::report::{Report, Target};

use super::ratio;

/// Figures some targets need beyond the scenario table.
#[derive(Debug, Default)]
pub struct Findings {
    pub hot_loads: Option<u64>,
    pub rss_mb: Option<f64>,
    pub flash: Option<FlashFindings>,
    /// wrk's hello figure, for the ratio of the anonymous post by wrk.
    pub wrk_hello: Option<f64>,
}

#[derive(Debug)]
pub struct FlashFindings {
    pub exact: bool,
    pub admitted_p99_ms: f64,
    pub failures: u64,
}

/// Sets the ratios of the scenarios to their references and lists the targets.
pub fn judge(report: &mut Report, findings: &Findings) {
    let hello = report.scenario("hello").map(|s| s.summary.throughput);
    let pgbench = report.reference("pgbench -S");
    for s in &mut report.scenarios {
        match s.name.as_str() {
            "status" | "home" => ratio(s, "hello", hello),
            "status_signed_in" | "profile" => ratio(s, "pgbench -S", pgbench),
            _ => {}
        }
    }
    let mut targets = Vec::new();
    let share = |report: &Report, name: &str, goal: f64, to: &str, what: &str| {
        let s = report.scenario(name);
        let ratio = s.and_then(|s| s.ratio.as_ref()).map(|r| r.value);
        Target {
            what: what.into(),
            goal: format!("≥ {goal:.2} of {to}"),
            measured: match (s, ratio) {
                (Some(s), Some(r)) => format!("{r:.2} ({:.0} req/s)", s.summary.throughput),
                _ => "-".into(),
            },
            met: ratio.map(|r| r >= goal),
        }
    };
    let mut anonymous = share(
        report,
        "status",
        0.5,
        "hello world",
        "Anonymous GET /api/v1/statuses/:id, cache warm",
    );
    // The light instrument's ratio, where wrk measured both: it decides.
    if let Some(by_wrk) = report.reference("wrk: anonymous post / hello") {
        anonymous.measured = format!("{} (driver); {by_wrk:.2} by wrk", anonymous.measured);
        anonymous.met = Some(by_wrk >= 0.5);
    }
    targets.push(anonymous);
    targets.push(share(
        report,
        "home",
        0.25,
        "hello world",
        "Home timeline, 20 statuses, cache warm",
    ));
    targets.push(share(
        report,
        "status_signed_in",
        0.5,
        "pgbench -S (prepared)",
        "A read that must touch PostgreSQL (a post, signed in)",
    ));
    targets.push(Target {
        what: "1,000 concurrent misses on one hot key".into(),
        goal: "1 database load per instance".into(),
        measured: findings
            .hot_loads
            .map_or("-".into(), |n| format!("{n} load(s)")),
        met: findings.hot_loads.map(|n| n == 1),
    });
    targets.push(Target {
        what: "30× spike within 60 s on one hot post".into(),
        goal: "no 5xx but deliberate 503/429 with Retry-After; admitted p99 < 250 ms; counts \
               exact"
            .into(),
        measured: findings.flash.as_ref().map_or("-".into(), |f| {
            format!(
                "{} other 5xx/unanswered; p99 {:.1} ms; counts {}",
                f.failures,
                f.admitted_p99_ms,
                if f.exact { "exact" } else { "NOT exact" }
            )
        }),
        met: findings
            .flash
            .as_ref()
            .map(|f| f.failures == 0 && f.admitted_p99_ms < 250.0 && f.exact),
    });
    let delivery = report.scenario("delivery").map(|s| {
        let p99 = |kind: &str| s.by_kind.get(kind).map_or(f64::NAN, |k| k.p99_ms);
        let lost: u64 = s.by_kind.values().map(|k| k.requests - k.ok).sum();
        (p99("1. quiet"), p99("2. under the journey load"), lost)
    });
    targets.push(Target {
        what: "A post reaching its followers' home timelines (a few hundred followers)".into(),
        goal: "p99 < 1 s, quiet and under the journey load; none lost".into(),
        measured: delivery.map_or("-".into(), |(quiet, loaded, lost)| {
            format!("p99 {quiet:.0} ms quiet, {loaded:.0} ms loaded; {lost} not delivered")
        }),
        met: delivery.map(|(quiet, loaded, lost)| quiet < 1000.0 && loaded < 1000.0 && lost == 0),
    });
    let ours = report.reference("Lookbook image pipeline");
    let vips = report.reference("vipsthumbnail");
    let pipeline = ours.zip(vips).map(|(o, v)| o / v);
    targets.push(Target {
        what: "Image pipeline, 12-megapixel JPEG to all variants".into(),
        goal: "≤ 1.5× vipsthumbnail".into(),
        measured: match (ours, vips, pipeline) {
            (Some(o), Some(v), Some(r)) => format!("{r:.2}× ({o:.0} ms vs {v:.0} ms)"),
            _ => "-".into(),
        },
        met: pipeline.map(|r| r <= 1.5),
    });
    targets.push(Target {
        what: "API instance memory at 1,000 open connections".into(),
        goal: "< 64 MB resident".into(),
        measured: findings.rss_mb.map_or("-".into(), |m| format!("{m:.1} MB")),
        met: findings.rss_mb.map(|m| m < 64.0),
    });
    report.targets = targets;
}
