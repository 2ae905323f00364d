//! Figures from recorded answers: throughput, latency percentiles, answers
//! by status, and the per-second timeline of a run.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::load::Sample;

/// A deliberate refusal: 503 or 429 with `Retry-After`.
pub fn refused(s: &Sample) -> bool {
    matches!(s.status, 503 | 429) && s.retry_after
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub requests: u64,
    /// 2xx answers.
    pub ok: u64,
    /// 2xx answers per second of the measured window.
    pub throughput: f64,
    /// Latency of admitted requests (all but deliberate refusals).
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Every answer that was not 2xx, by status ("none" for no answer).
    pub errors: BTreeMap<String, u64>,
    /// Deliberate refusals (503/429 with Retry-After).
    pub refused: u64,
    /// 5xx answers that were not deliberate refusals, plus no answer at all.
    pub failures: u64,
}

pub fn summarize<'a>(samples: impl Iterator<Item = &'a Sample>, seconds: f64) -> Summary {
    let mut latencies = Vec::new();
    let mut errors = BTreeMap::new();
    let (mut requests, mut ok, mut refusals, mut failures) = (0, 0, 0, 0);
    for s in samples {
        requests += 1;
        if (200..300).contains(&s.status) {
            ok += 1;
        } else {
            let key = if s.status == 0 {
                "none".to_string()
            } else {
                s.status.to_string()
            };
            *errors.entry(key).or_insert(0) += 1;
        }
        if refused(s) {
            refusals += 1;
            continue;
        }
        if s.status == 0 || s.status >= 500 {
            failures += 1;
        }
        latencies.push(s.latency_us);
    }
    latencies.sort_unstable();
    Summary {
        requests,
        ok,
        throughput: ok as f64 / seconds.max(0.001),
        p50_ms: percentile(&latencies, 0.50),
        p99_ms: percentile(&latencies, 0.99),
        max_ms: latencies.last().map_or(0.0, |l| *l as f64 / 1000.0),
        errors,
        refused: refusals,
        failures,
    }
}

fn percentile(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i] as f64 / 1000.0
}

/// One second of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Second {
    pub t: u32,
    /// Requests due to be sent in that second.
    pub offered: u64,
    pub ok: u64,
    pub refused: u64,
    pub failed: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

pub fn timeline(samples: &[Sample]) -> Vec<Second> {
    let seconds = samples
        .iter()
        .map(|s| s.at_ms / 1000 + 1)
        .max()
        .unwrap_or(0);
    let mut buckets: Vec<Vec<&Sample>> = vec![Vec::new(); seconds as usize];
    for s in samples {
        buckets[(s.at_ms / 1000) as usize].push(s);
    }
    buckets
        .iter()
        .enumerate()
        .map(|(t, bucket)| {
            let summary = summarize(bucket.iter().copied(), 1.0);
            Second {
                t: t as u32,
                offered: summary.requests,
                ok: summary.ok,
                refused: summary.refused,
                failed: summary.requests - summary.ok - summary.refused,
                p50_ms: summary.p50_ms,
                p99_ms: summary.p99_ms,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(at_ms: u32, latency_ms: u32, status: u16, retry_after: bool) -> Sample {
        Sample {
            at_ms,
            latency_us: latency_ms * 1000,
            status,
            kind: 0,
            tag: 0,
            retry_after,
        }
    }

    #[test]
    fn percentiles_and_refusals_are_counted_apart() {
        let mut samples: Vec<Sample> = (1..=100).map(|ms| sample(0, ms, 200, false)).collect();
        samples.push(sample(0, 1, 503, true));
        samples.push(sample(0, 900, 503, false));
        samples.push(sample(0, 5, 0, false));
        let s = summarize(samples.iter(), 2.0);
        assert_eq!((s.requests, s.ok, s.refused, s.failures), (103, 100, 1, 2));
        assert_eq!(s.throughput, 50.0);
        assert_eq!(s.errors["503"], 2);
        assert_eq!(s.errors["none"], 1);
        // The refusal is left out of latency; the bare 503 and the failure are not.
        assert_eq!(s.max_ms, 900.0);
        assert_eq!(s.p50_ms, 50.0);
        assert_eq!(s.p99_ms, 100.0);
    }

    #[test]
    fn the_timeline_has_one_entry_per_second() {
        let samples = [
            sample(10, 5, 200, false),
            sample(1500, 7, 429, true),
            sample(2999, 9, 500, false),
        ];
        let t = timeline(&samples);
        assert_eq!(t.len(), 3);
        assert_eq!((t[0].offered, t[0].ok), (1, 1));
        assert_eq!((t[1].refused, t[1].failed), (1, 0));
        assert_eq!((t[2].failed, t[2].p99_ms), (1, 9.0));
    }
}
