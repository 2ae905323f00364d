"""Draws the flash crowd from a benchmark report: requests per second by
outcome, and the latency of admitted requests, second by second.

    python3 bench/chart.py bench/report/report.json bench/report/flash.png
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(report_path, png_path):
    with open(report_path) as f:
        seconds = json.load(f)["flash_timeline"]
    t = [s["t"] for s in seconds]
    fig, (rate, latency) = plt.subplots(2, 1, figsize=(10, 7), sharex=True)
    rate.plot(t, [s["offered"] for s in seconds], label="offered", color="0.5", linestyle="--")
    rate.plot(t, [s["ok"] for s in seconds], label="2xx", color="tab:green")
    rate.plot(t, [s["refused"] for s in seconds], label="refused (503/429 + Retry-After)", color="tab:orange")
    rate.plot(t, [s["failed"] for s in seconds], label="other errors", color="tab:red")
    rate.set_ylabel("requests per second")
    rate.set_title("Flash crowd: a brand's post, 30x the baseline within 60 s")
    rate.legend(loc="upper left")
    rate.grid(alpha=0.3)
    latency.plot(t, [s["p50_ms"] for s in seconds], label="p50", color="tab:blue")
    latency.plot(t, [s["p99_ms"] for s in seconds], label="p99", color="tab:purple")
    latency.axhline(250, color="tab:red", linestyle=":", label="p99 target (250 ms)")
    latency.set_ylabel("latency of admitted requests (ms)")
    latency.set_xlabel("seconds")
    latency.legend(loc="upper left")
    latency.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(png_path, dpi=100)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
