//! The process's metrics keep a steady size when nothing scrapes them: an
//! instance nobody monitors must not grow by every request's latency sample.

use std::time::Duration;

use lookbook_core::telemetry;

/// Samples in one round: about as many requests as a busy instance
/// answers in a minute.
const ROUND: usize = 250_000;

/// Routes the samples are spread over, each its own histogram.
const ROUTES: &[&str] = &[
    "/api/v1/statuses/{id}",
    "/api/v1/timelines/home",
    "/api/v1/accounts/{id}/statuses",
    "/api/v1/statuses/{id}/favourite",
];

fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("procfs is readable");
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status");
    kib * 1024
}

/// Records `n` request latencies the way the HTTP middleware does.
fn record(n: usize) {
    for i in 0..n {
        let route = ROUTES[i % ROUTES.len()];
        metrics::histogram!("http_request_duration_seconds", "route" => route, "status" => "200")
            .record(0.0005 * (i % 400) as f64);
    }
}

/// A million and a quarter requests' samples with nothing scraping leave
/// the resident memory where one round left it (it grew by about 8 MB a
/// million when samples were kept until a scrape).
#[test]
fn latency_samples_do_not_pile_up_without_a_scrape() {
    let handle = telemetry::prometheus();
    let pause = telemetry::UPKEEP_INTERVAL * 2 + Duration::from_millis(500);
    record(ROUND);
    std::thread::sleep(pause);
    let before = resident_bytes();
    let mut seen = vec![before];
    for _ in 0..5 {
        record(ROUND);
        std::thread::sleep(pause);
        seen.push(resident_bytes());
    }
    let growth = seen
        .last()
        .copied()
        .unwrap_or(before)
        .saturating_sub(before);
    let curve: Vec<String> = seen
        .iter()
        .map(|b| format!("{:.1} MB", *b as f64 / 1e6))
        .collect();
    assert!(
        growth < 4_000_000,
        "resident memory grew by {growth} bytes over {} samples: {}",
        5 * ROUND,
        curve.join(" → ")
    );
    // Nothing was lost by folding: every sample is counted.
    let text = handle.render();
    let counted: u64 = text
        .lines()
        .filter(|l| l.starts_with("http_request_duration_seconds_count"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum();
    assert_eq!(counted, 6 * ROUND as u64, "{text}");
}
