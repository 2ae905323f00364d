#!/usr/bin/env python3
"""How a launch crowd meets the HorizontalPodAutoscaler of deploy/k8s/base/api-hpa.yaml.

Replays the flash crowd's shape (a base rate, then 30 times it within a minute, held, then
back) against the HPA algorithm as Kubernetes runs it: every sync period the controller
reads the pods' CPU use (as metrics-server last saw it), asks for
ceil(pods * utilisation / target), limits the change by the scale-up and scale-down
policies and their stabilisation windows, and a new pod serves only after its start-up time.
Pods not yet ready count as using no CPU, as the controller counts them when scaling up.
Each second, what the ready pods can answer is served; the rest is what load shedding must
refuse (503 with Retry-After) until enough pods are ready.

    /usr/bin/python3 bench/hpa.py [--per-core RPS] [--base RPS] [--factor N] [--out DIR]

--per-core is what one core serves of the crowd's mix (from bench/run flash); a pod uses up
to --pod-cores and requests --cpu-request, which the HPA's target is a share of.
Writes hpa.json and hpa.png to --out.
"""

import argparse
import json
import math
import os

SYNC = 15  # --horizontal-pod-autoscaler-sync-period
METRICS_LAG = 15  # metrics-server's resolution: the CPU the controller sees is this old
TOLERANCE = 0.1  # no change within 10 % of the target


def crowd(t, base, factor, ramp, hold):
    """Requests per second at second t: base, a ramp to base*factor, a hold, a ramp down."""
    start = 60
    if t < start:
        return base
    if t < start + ramp:
        return base + (base * factor - base) * (t - start) / ramp
    if t < start + ramp + hold:
        return base * factor
    if t < start + 2 * ramp + hold:
        return base * factor - (base * factor - base) * (t - start - ramp - hold) / ramp
    return base


def simulate(args):
    target_cores = args.target / 100.0 * args.cpu_request  # per pod
    per_pod = args.per_core * args.pod_cores
    start = max(args.min_pods, math.ceil(args.base / args.per_core / target_cores))
    ready = [0.0] * start  # second at which each pod is ready
    desired_history = []  # (t, desired) for the scale-down stabilisation window
    pods_history = []  # (t, pod count) for the scale-up policies' periods
    timeline = []
    cores_seen = []  # CPU cores in use by the ready pods, each second
    for t in range(args.duration):
        rate = crowd(t, args.base, args.factor, args.ramp, args.hold)
        serving = sum(1 for r in ready if r <= t)
        served = min(rate, serving * per_pod)
        cores_seen.append(served / args.per_core)
        if t % SYNC == 0 and t > 0:
            used = cores_seen[max(0, t - METRICS_LAG)]
            current = len(ready)
            ratio = used / (target_cores * current)
            desired = current if abs(ratio - 1) <= TOLERANCE else math.ceil(used / target_cores)
            desired = max(args.min_pods, min(args.max_pods, desired))
            desired_history.append((t, desired))
            if desired > current:
                # Scale-up policies (selectPolicy: Max): 100 % or 4 pods per 15 s.
                before = next((n for s, n in reversed(pods_history) if s <= t - 15), current)
                new = min(desired, max(before * 2, before + 4))
                ready.extend([t + args.startup] * (new - current))
            elif desired < current:
                # The highest recommendation of the last 300 s, and 20 % per 60 s at most.
                window = [d for s, d in desired_history if s > t - 300]
                new = max(max(window), math.ceil(current * 0.8))
                if new < current:
                    ready.sort()
                    del ready[new:]
        pods_history.append((t, len(ready)))
        timeline.append(
            {"t": t, "rate": rate, "served": served, "shed": rate - served,
             "pods": len(ready), "ready": serving}
        )
    return timeline


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--per-core", type=float, default=500.0)
    p.add_argument("--cpu-request", type=float, default=0.5)
    p.add_argument("--pod-cores", type=float, default=1.0)
    p.add_argument("--base", type=float, default=100.0)
    p.add_argument("--factor", type=float, default=30.0)
    p.add_argument("--ramp", type=int, default=60)
    p.add_argument("--hold", type=int, default=600)
    p.add_argument("--duration", type=int, default=1200)
    p.add_argument("--startup", type=int, default=25, help="seconds from scheduled to ready")
    p.add_argument("--target", type=float, default=60.0, help="HPA CPU target, percent")
    p.add_argument("--min-pods", type=int, default=3)
    p.add_argument("--max-pods", type=int, default=40)
    p.add_argument("--out", default="bench/report")
    args = p.parse_args()
    timeline = simulate(args)
    shed = sum(s["shed"] for s in timeline)
    total = sum(s["rate"] for s in timeline)
    first_shed = next((s["t"] for s in timeline if s["shed"] > 0), None)
    last_shed = next((s["t"] for s in reversed(timeline) if s["shed"] > 0), None)
    peak_pods = max(s["pods"] for s in timeline)
    summary = {
        "per_core_rps": args.per_core,
        "pod_cores": args.pod_cores,
        "cpu_request": args.cpu_request,
        "base_rps": args.base,
        "peak_rps": args.base * args.factor,
        "startup_s": args.startup,
        "requests": round(total),
        "shed": round(shed),
        "shed_share": shed / total if total else 0,
        "shedding_from_s": first_shed,
        "shedding_until_s": last_shed,
        "peak_pods": peak_pods,
    }
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "hpa.json"), "w") as f:
        json.dump({"summary": summary, "timeline": timeline}, f)
    print(json.dumps(summary, indent=2))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing (Debian: python3-matplotlib): no chart")
        return
    t = [s["t"] for s in timeline]
    fig, ax = plt.subplots(2, 1, figsize=(10, 6), sharex=True)
    ax[0].plot(t, [s["rate"] for s in timeline], label="arriving (req/s)")
    ax[0].plot(t, [s["served"] for s in timeline], label="served")
    ax[0].fill_between(t, [s["served"] for s in timeline], [s["rate"] for s in timeline],
                       color="tab:red", alpha=0.3, label="shed (503, Retry-After)")
    ax[0].set_ylabel("requests/s")
    ax[0].legend(loc="upper right")
    ax[0].set_title(
        f"Launch crowd ×{args.factor:g} vs. the API's HPA: {summary['shed_share']:.1%} shed, "
        f"{peak_pods} pods at the peak"
    )
    ax[1].step(t, [s["pods"] for s in timeline], where="post", label="pods asked for")
    ax[1].step(t, [s["ready"] for s in timeline], where="post", label="pods ready")
    ax[1].set_ylabel("pods")
    ax[1].set_xlabel("seconds")
    ax[1].legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "hpa.png"), dpi=90)


if __name__ == "__main__":
    main()
