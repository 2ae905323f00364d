//! The report: every scenario's figures, the references measured in the
//! same run, and DESIGN.md's targets marked met or missed; written as
//! markdown (for people) and JSON (for tools and the chart).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::stats::{Second, Summary};

#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub generated_at: String,
    pub machine: String,
    pub dataset: String,
    pub quick: bool,
    pub scenarios: Vec<Scenario>,
    pub references: Vec<Reference>,
    pub targets: Vec<Target>,
    /// The flash crowd, second by second.
    pub flash_timeline: Vec<Second>,
}

#[derive(Debug, Serialize)]
pub struct Scenario {
    pub name: String,
    pub what: String,
    pub summary: Summary,
    /// Throughput as a share of a reference, when the scenario has one.
    pub ratio: Option<Ratio>,
    /// Figures by kind of request, for scenarios that mix them.
    pub by_kind: BTreeMap<String, Summary>,
    /// What was checked after the run, and other observations.
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Ratio {
    pub to: String,
    pub value: f64,
}

#[derive(Debug, Serialize)]
pub struct Reference {
    pub name: String,
    pub value: f64,
    pub unit: String,
    pub how: String,
}

#[derive(Debug, Serialize)]
pub struct Target {
    pub what: String,
    pub goal: String,
    pub measured: String,
    /// None when the run did not measure it.
    pub met: Option<bool>,
}

impl Report {
    pub fn scenario(&self, name: &str) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.name == name)
    }

    pub fn reference(&self, name: &str) -> Option<f64> {
        self.references
            .iter()
            .find(|r| r.name == name)
            .map(|r| r.value)
    }

    pub fn write(&self, dir: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join("report.json"), serde_json::to_vec_pretty(self)?)?;
        std::fs::write(dir.join("report.md"), self.markdown())?;
        Ok(())
    }

    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "# Lookbook benchmark report\n");
        let _ = writeln!(
            md,
            "{} · {} · dataset: {}{}\n",
            self.generated_at,
            self.machine,
            self.dataset,
            if self.quick { " · quick mode" } else { "" }
        );
        let _ = writeln!(md, "## Scenarios\n");
        let _ = writeln!(
            md,
            "| scenario | requests | ok/s | p50 ms | p99 ms | max ms | not 2xx | ratio |"
        );
        let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|---|---|");
        for s in &self.scenarios {
            table_row(&mut md, &s.name, &s.summary, s.ratio.as_ref());
        }
        for s in self.scenarios.iter().filter(|s| !s.by_kind.is_empty()) {
            let _ = writeln!(md, "\n### {} by request\n", s.name);
            let _ = writeln!(
                md,
                "| request | requests | ok/s | p50 ms | p99 ms | max ms | not 2xx | |"
            );
            let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|---|---|");
            for (kind, summary) in &s.by_kind {
                table_row(&mut md, kind, summary, None);
            }
        }
        let _ = writeln!(md, "\n## What each scenario does\n");
        for s in &self.scenarios {
            let _ = writeln!(md, "- **{}**: {}", s.name, s.what);
            for note in &s.notes {
                let _ = writeln!(md, "  - {note}");
            }
        }
        let _ = writeln!(md, "\n## References (same run, same machine)\n");
        let _ = writeln!(md, "| reference | value | how |");
        let _ = writeln!(md, "|---|---:|---|");
        for r in &self.references {
            let _ = writeln!(md, "| {} | {:.1} {} | {} |", r.name, r.value, r.unit, r.how);
        }
        let _ = writeln!(md, "\n## Targets (DESIGN.md)\n");
        let _ = writeln!(md, "| target | goal | measured | |");
        let _ = writeln!(md, "|---|---|---|---|");
        for t in &self.targets {
            let verdict = match t.met {
                Some(true) => "met",
                Some(false) => "**missed**",
                None => "not measured",
            };
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} |",
                t.what, t.goal, t.measured, verdict
            );
        }
        if !self.flash_timeline.is_empty() {
            let _ = writeln!(
                md,
                "\n## Flash crowd over time\n\n![flash crowd](flash.png)\n\n\
                 Per second: offered requests, answered 2xx, refused (503/429 with Retry-After), \
                 other failures, and latency of admitted requests. Data in `report.json` \
                 (`flash_timeline`)."
            );
        }
        md
    }
}

fn table_row(md: &mut String, name: &str, s: &Summary, ratio: Option<&Ratio>) {
    let errors: Vec<String> = s.errors.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    let ratio = ratio.map_or(String::new(), |r| format!("{:.2} of {}", r.value, r.to));
    let _ = writeln!(
        md,
        "| {} | {} | {:.0} | {:.1} | {:.1} | {:.1} | {} | {} |",
        name,
        s.requests,
        s.throughput,
        s.p50_ms,
        s.p99_ms,
        s.max_ms,
        if errors.is_empty() {
            "-".to_string()
        } else {
            errors.join(", ")
        },
        ratio
    );
}
