"""ops/bench --cluster: the 4-worker burst and the rate-limited drain measured on the single broker
and on the three-node cluster of ops/cluster in the same run (two `ops/bench --only burst,rate-limited
--json-out` passes), printed side by side with the ratio. Exits 1 when the cluster's burst
throughput is below 0.6 x the single node's (issue 17's target), or when a pass failed.

Usage: python3 -m hipcall_ops.cluster_bench SINGLE.json CLUSTER.json
"""
import json
import sys

from . import harness as h

# The cluster's burst events/s must be at least this share of the single node's.
BURST_RATIO_TARGET = 0.6


def burst(figures):
    """The burst run with the most workers (ops/bench --workers), or None."""
    runs = [run for run in figures.get("runs", []) if run["name"].startswith("burst") and not run["name"].endswith("p")]
    return max(runs, key=lambda run: run["workers"]) if runs else None


def ratio(cluster, single):
    return cluster / single if cluster and single else None


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    passes = []
    for path in sys.argv[1:]:
        try:
            with open(path) as f:
                passes.append(json.load(f))
        except (OSError, ValueError) as error:
            h.log("cannot read the figures of a pass (%s): %s" % (path, error))
            sys.exit(1)
    single, cluster = passes
    rows = []
    b1, b3 = burst(single), burst(cluster)
    burst_ratio = ratio(b3 and b3["events_per_s"], b1 and b1["events_per_s"])
    if b1 or b3:
        workers = (b1 or b3)["workers"]
        rows.append(["burst, %d workers: events/s" % workers, h.fmt(b1 and b1["events_per_s"]),
                     h.fmt(b3 and b3["events_per_s"]), h.fmt(burst_ratio, 2)])
        rows.append(["burst, %d workers: seconds" % workers, h.fmt(b1 and b1["seconds"], 1),
                     h.fmt(b3 and b3["seconds"], 1), h.fmt(ratio(b3 and b3["seconds"], b1 and b1["seconds"]), 2)])
        rows.append(["burst, %d workers: ack p99 ms" % workers, h.fmt(b1 and b1.get("ack_p99_ms")),
                     h.fmt(b3 and b3.get("ack_p99_ms")), h.fmt(ratio(b3 and b3.get("ack_p99_ms"), b1 and b1.get("ack_p99_ms")), 2)])
    r1, r3 = single.get("rate_limited"), cluster.get("rate_limited")
    if r1 or r3:
        rows.append(["rate-limited drain: seconds", h.fmt(r1 and r1["seconds"], 1), h.fmt(r3 and r3["seconds"], 1),
                     h.fmt(ratio(r3 and r3["seconds"], r1 and r1["seconds"]), 2)])
        rows.append(["rate-limited drain: API calls", h.fmt(r1 and r1["calls"]), h.fmt(r3 and r3["calls"]),
                     h.fmt(ratio(r3 and r3["calls"], r1 and r1["calls"]), 2)])
    print()
    print("hipcall-sync bench --cluster: the same stages on one RabbitMQ node and on the three-node cluster (ops/cluster)")
    print(h.table(["figure", "single node", "3-node cluster", "cluster / single"], rows))
    met = burst_ratio is not None and burst_ratio >= BURST_RATIO_TARGET
    print("target: cluster burst >= %g x single node: %s (%s)" % (
        BURST_RATIO_TARGET, h.fmt(burst_ratio, 2), "met" if met else "MISSED"))
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
