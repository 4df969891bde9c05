"""ops/bench: burst (1 and N workers), the guide's loop as baseline, broker and simulator limits,
on the simulator's rate limit a backlog drain (rate-limited), the same backlog when Hipcall already
holds a third of the companies (bootstrap) and a steady stream at 80% of the budget with a worker
killed and one added (stream), each against the cheapest plan of its workload, and big bodies (a
worker at --prefetch 512 fed 30 MiB messages), and reconcile (a 10,000 + 10,000-record account
scanned against its export), printed as tables with the targets beside. See ops/bench --help."""
import argparse
import json
import os
import re
import subprocess
import sys
import time
import uuid

from . import budget
from . import harness as h
from . import reconcile_bench
from . import stream

# Every stage, in the order they run; `--only` picks some.
STAGES = ("burst", "partitioned", "baseline", "limits", "rate-limited", "bootstrap", "stream", "big-bodies", "reconcile")


def main():
    """Runs the stages --only names (all by default), prints the table, exits 1 on a missed target."""
    parser = argparse.ArgumentParser(prog="ops/bench", description=__doc__)
    parser.add_argument("--events", type=int, default=20000, help="burst events (keys = events/4) [20000]")
    parser.add_argument("--workers", default="1,4", help="worker processes per burst run, comma-separated [1,4]")
    parser.add_argument("--concurrency", type=int, default=48,
                        help="--concurrency of each burst worker: upserts in flight against the 20 ms simulator [48]")
    parser.add_argument("--prefetch", type=int, default=1024,
                        help="--prefetch of each burst and rate-limited worker: the deliveries it holds, among which a "
                             "record's events coalesce [1024]")
    parser.add_argument("--latency-ms", type=int, default=20, help="simulator latency for burst and baseline [20]")
    parser.add_argument("--baseline-events", type=int, default=500, help="events for the guide's loop [500]")
    parser.add_argument("--rl-events", type=int, default=1500,
                        help="backlog of the rate-limited and bootstrap runs [1500, the issue's full size]")
    parser.add_argument("--rl-keys", type=int, default=300,
                        help="keys of the rate-limited and bootstrap runs (20%% contacts) [300, the issue's full size]")
    parser.add_argument("--rl-budget", type=int, default=None,
                        help="requests/minute shared by the 3 workers in the rate-limited, bootstrap and stream runs [600]")
    parser.add_argument("--stream-seconds", type=int, default=300,
                        help="length of the steady stream; after its first minute a worker is SIGKILLed and later one added "
                             "(at 120 s and 180 s of 300, 75 s and 90 s of 120) [300]")
    parser.add_argument("--stream-load", type=float, default=0.8,
                        help="share of the budget the stream's cheapest plan spends (sets its events/s) [0.8]")
    parser.add_argument("--broker-messages", type=int, default=50000, help="messages for the amqp-bench broker limit [50000]")
    parser.add_argument("--skip-limits", action="store_true", help="skip the broker and simulator limits")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--partitions", type=int, default=8,
                        help="partitions of the partitioned runs (an extra 4-worker burst, and the rate-limited, "
                             "bootstrap and stream runs); 0 runs them on the shared queue [8]")
    parser.add_argument("--json-out", default=None, help="also write every figure as JSON to this path")
    parser.add_argument("--only", default=None,
                        help="run only these stages, comma-separated: %s [all]" % ", ".join(STAGES))
    parser.add_argument("--big-messages", type=int, default=8, help="30 MiB messages of the big-bodies stage [8]")
    parser.add_argument("--big-mib", type=int, default=30, help="size of each big-bodies message, MiB [30]")
    parser.add_argument("--reconcile-records", type=int, default=10000,
                        help="companies and contacts each of the reconcile stage's account and export [10000]")
    args = parser.parse_args()
    stages = set(STAGES) if args.only is None else {stage.strip() for stage in args.only.split(",") if stage.strip()}
    if not stages or stages - set(STAGES):
        parser.error("--only takes stages among: %s" % ", ".join(STAGES))

    pid = os.getpid()
    SIM_PORT = int(os.environ.get("BENCH_SIM_PORT", "18280"))
    figures = {"runs": []}
    sim = h.Simulator(SIM_PORT, rate_limit=0, latency_ms=args.latency_ms)
    h.log("==> simulator on %s (latency %d ms, no rate limit)" % (sim.url, args.latency_ms))


    def calls(stats):
        return stats["total"]


    def run_burst(name, events, keys, workers, worker_args, seed, second_pass=False, timeout=420, partitions=0):
        """Publishes first, then starts the workers and times until all is settled."""
        topology = h.Topology("bench.%d.%s" % (pid, name), partitions=partitions)
        sim.reset()
        expect = os.path.join(h.RUN_DIR, name + ".expected.json")
        report = h.publish(topology, [
            "--count", str(events), "--keys", str(keys), "--contacts-ratio", "0.2", "--duplicate-ratio", "0.1",
            "--seed", str(seed), "--expect-file", expect], name=name + ".publish")
        h.log("==> %s: published %d events over %d keys in %.1f s; starting %d worker(s)" % (
            name, report["published"], keys, report["seconds"], workers))
        procs = [h.Worker(topology, sim, 19280 + i, worker_args, name="%s.worker%d" % (name, i)) for i in range(workers)]
        seconds = h.wait_drained(topology, procs, report["published"], timeout=timeout)
        # Before the update pass, whose events would land in the same histogram.
        acks = h.histogram_buckets(procs, "hipcall_sync_publish_to_ack_seconds")
        cpu = sum(w.proc_sample() for w in procs)
        stats = sim.stats()
        result = {
            "name": name, "events": report["published"], "keys": keys, "workers": workers, "seconds": seconds,
            "events_per_s": report["published"] / seconds if seconds else None,
            "calls": calls(stats), "calls_per_event": calls(stats) / report["published"],
            "cpu_s_per_1k": cpu / report["published"] * 1000, "dead_letters": h.dead_letters(topology),
            "outcomes": h.outcomes(procs), "by_status": stats["by_status"],
            "acks_measured": acks.get(float("inf"), 0),
        }
        for q in (50, 99):
            quantile = h.histogram_quantile(acks, q / 100)
            result["ack_p%d_ms" % q] = quantile * 1000 if quantile is not None else None
        if second_pass:
            # A stream of updates to records the workers already know: one event per key that changes
            # one scalar field (companies' description, contacts' job_title), lists unchanged. First
            # without Hipcall's id (the id cache, fed by the journal, is all a worker has), then with
            # hipcall_id and company_id as a CRM that stores the synced notices sends them.
            with open(expect) as f:
                known = json.load(f)
            records = sim.records()
            ids = {res: {r["external_id"]: r["id"] for r in records[res]} for res in ("companies", "contacts")}
            result["update_pass"] = {}
            for variant, with_ids in (("cache only", False), ("with hipcall_id", True)):
                path = os.path.join(h.RUN_DIR, "%s.updates.%s.ndjson" % (name, "ids" if with_ids else "cache"))
                # Newer than every burst event, and within the worker's --max-clock-skew (1 h), past which
                # an event is dead-lettered as occurred_at_in_future.
                stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() + (1200 if with_ids else 600)))
                with open(path, "w") as out:
                    for res, routing, field in (("companies", "company.changed", "description"),
                                                ("contacts", "contact.changed", "job_title")):
                        for key, data in known[res].items():
                            data = dict(data)
                            data[field] = "%s (%s)" % (data.get(field) or "", variant)
                            event = {"type": routing, "event_id": str(uuid.uuid4()), "occurred_at": stamp + "Z",
                                     "external_id": key, "data": data}
                            if with_ids:
                                event["hipcall_id"] = ids[res][key]
                                if data.get("company_external_id") is not None:
                                    data["company_id"] = ids["companies"][data.pop("company_external_id")]
                            out.write(json.dumps(event) + "\n")
                before = sim.stats()
                dead_before = h.dead_letters(topology)
                settled_before = sum(v for k, v in h.outcomes(procs).items() if k != "retried")
                report2 = h.publish(topology, ["--file", path], name=name + ".publish2")
                seconds2 = h.wait_drained(topology, procs, settled_before + report2["published"], timeout=timeout)
                after = sim.stats()
                by_route = {}
                for r in after["requests"]:
                    by_route["%s %s" % (r["method"], r["route"])] = by_route.get("%s %s" % (r["method"], r["route"]), 0) + r["count"]
                for r in before["requests"]:
                    by_route["%s %s" % (r["method"], r["route"])] -= r["count"]
                result["update_pass"][variant] = {
                    "events": report2["published"], "seconds": seconds2,
                    "calls_per_event": (after["total"] - before["total"]) / report2["published"],
                    "by_route": {k: v for k, v in by_route.items() if v},
                    "dead_letters": h.dead_letters(topology) - dead_before,
                }
        for w in procs:
            w.proc_sample()
        result["peak_rss_mib"] = max(w.hwm_kib for w in procs) / 1024
        for w in procs:
            h.stop(w.process)
        topology.delete()
        figures["runs"].append(result)
        h.log("    %s: %s s, %s events/s, %.2f calls/event, peak RSS %.1f MiB" % (
            name, h.fmt(seconds, 1), h.fmt(result["events_per_s"]), result["calls_per_event"], result["peak_rss_mib"]))
        return result


    burst_worker_args = ["--concurrency", str(args.concurrency), "--prefetch", str(args.prefetch)]
    worker_counts = [int(x) for x in args.workers.split(",")]
    bursts = {}
    if "burst" in stages:
        for count in worker_counts:
            bursts[count] = run_burst("burst%d" % count, args.events, max(1, args.events // 4), count,
                                      burst_worker_args, args.seed, second_pass=(count == max(worker_counts)))

    partitioned = None
    if args.partitions and "partitioned" in stages:
        top_workers = max(worker_counts)
        h.log("==> the same burst in partitioned mode: %d workers, %d partitions" % (top_workers, args.partitions))
        partitioned = run_burst("burst%dp" % top_workers, args.events, max(1, args.events // 4), top_workers,
                                burst_worker_args, args.seed, second_pass=True,
                                partitions=args.partitions)

    baseline = None
    if "baseline" in stages:
        h.log("==> the guide's loop: 1 worker, --concurrency 1 --prefetch 1 --no-cache, %d events" % args.baseline_events)
        baseline = run_burst("baseline", args.baseline_events, max(1, args.baseline_events // 4), 1,
                             ["--concurrency", "1", "--prefetch", "1", "--no-cache"], args.seed)

    # Limits: the broker alone, and the simulator's capacity.
    broker_limit = sim_capacity = None
    if not args.skip_limits and "limits" in stages:
        amqp_bench = os.path.join(h.ROOT, ".build/release/amqp-bench")
        if os.path.exists(amqp_bench):
            h.log("==> broker alone: amqp-bench, %d messages" % args.broker_messages)
            queue = "bench.%d.amqp" % pid
            out = subprocess.run([amqp_bench, "127.0.0.1", os.environ.get("HIPCALL_BROKER_PORT", "5672"), queue,
                                  str(args.broker_messages)], capture_output=True, text=True, timeout=300).stdout.split()
            h.rabbitmqctl("delete_queue", queue)
            if len(out) >= 2:
                broker_limit = {"publish_per_s": float(out[0]), "consume_ack_per_s": float(out[1])}
        h.log("==> simulator capacity: wrk, 5 s, GET companies/by-external-id, latency 0")
        sim.faults(latency_ms=0)
        wrk = subprocess.run(["wrk", "-t2", "-c64", "-d5s", "-H", "Authorization: Bearer " + sim.token,
                              sim.url + "/api/v3/companies/by-external-id/CO-000001"], capture_output=True, text=True)
        sim.faults(latency_ms=args.latency_ms)
        match = re.search(r"Requests/sec:\s+([\d.]+)", wrk.stdout)
        if match:
            sim_capacity = float(match.group(1))


    def run_big_bodies():
        """One worker at --prefetch 512 drains a backlog of valid events, --big-messages bodies of
        --big-mib MiB each (valid events padded with spaces, so only their size is wrong), then more
        valid events. The big ones must be dead-lettered unread and every valid one synced."""
        topology = h.Topology("bench.%d.big" % pid)
        sim.reset()
        size = args.big_mib * 1024 * 1024
        h.log("==> big bodies: 1 worker at --prefetch 512, %d messages of %d MiB between two batches of valid events" % (
            args.big_messages, args.big_mib))
        expect_files = []
        published = dead_expected = 0

        def publish_valid(name, seed):
            expect = os.path.join(h.RUN_DIR, name + ".expected.json")
            report = h.publish(topology, ["--count", "200", "--keys", "100", "--contacts-ratio", "0.2", "--seed", str(seed),
                                          "--expect-file", expect], name=name)
            expect_files.append(expect)
            return report["published"]

        published += publish_valid("big.before", args.seed + 11)
        body = os.path.join(h.RUN_DIR, "big.body.json")
        event = json.dumps({"event_id": str(uuid.uuid4()), "occurred_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                            "external_id": "BIG-1", "data": {"name": "Big Co"}})
        with open(body, "w") as out:
            out.write(event + " " * (size - len(event)))
        for index in range(args.big_messages):
            h.publish_raw(topology, "company.changed", body, headers={"x-bench-big": str(index)})
        published += args.big_messages
        dead_expected += args.big_messages
        published += publish_valid("big.after", args.seed + 12)
        worker = h.Worker(topology, sim, 19299, ["--prefetch", "512"], name="big.worker")
        seconds = h.wait_drained(topology, [worker], published, timeout=300)
        worker.proc_sample()
        # Missing: a valid key whose record is absent or differs (publish verify, the one convergence check).
        verified = h.verify(sim, expect_files, "big")
        missing = h.lost_and_duplicates(verified)[0]
        result = {
            "messages": args.big_messages, "mib": args.big_mib, "valid_events": published - args.big_messages,
            "seconds": seconds, "dead_letters": h.dead_letters(topology), "dead_expected": dead_expected,
            "keys_expected": verified["expected"], "keys_missing": missing,
            "peak_rss_mib": worker.hwm_kib / 1024, "outcomes": h.outcomes([worker]),
            "refused_unread": h.gauge_sum([worker], "hipcall_sync_bodies_refused_total"),
        }
        figures["big_bodies"] = result
        h.stop(worker.process)
        topology.delete()
        h.log("    big bodies: %s s, %d dead letters, %d of %d keys missing, peak RSS %.1f MiB" % (
            h.fmt(seconds, 1), result["dead_letters"], missing, result["keys_expected"], result["peak_rss_mib"]))
        return result


    rl = boot = steady = None
    if "rate-limited" in stages:
        rl = budget.run_backlog(args, sim, pid, "rl", "rate-limited backlog, 3 workers", args.seed + 7, port=19290)
        figures["rate_limited"] = rl
    if "bootstrap" in stages:
        boot = budget.run_backlog(args, sim, pid, "bootstrap", "bootstrap: Hipcall holds 1/3 of the companies",
                                  args.seed + 13, port=19300, hold_every=3)
        figures["bootstrap"] = boot
    if "stream" in stages:
        steady = stream.run(args, sim, pid)
        figures["stream"] = steady
    big = run_big_bodies() if "big-bodies" in stages else None
    drift = None
    if "reconcile" in stages:
        sim.faults(latency_ms=0)
        drift = reconcile_bench.run(sim, args.reconcile_records)
        sim.faults(latency_ms=args.latency_ms)
        figures["reconcile"] = drift

    # The table.
    top = max(bursts) if bursts else None
    four = bursts.get(top)
    base_eps = baseline["events_per_s"] if baseline else None
    calls_per_event_4 = four["calls_per_event"] if four else None
    rows = []
    for count, run in sorted(bursts.items()):
        rows.append(["burst, %d worker%s" % (count, "s" if count > 1 else ""), h.fmt(run["events"]), h.fmt(run["seconds"], 1),
                     h.fmt(run["events_per_s"]), h.fmt(run["calls_per_event"], 2), h.fmt(run["peak_rss_mib"], 1),
                     h.fmt(run["cpu_s_per_1k"], 2), h.fmt(run["dead_letters"]), h.fmt(run["ack_p50_ms"]), h.fmt(run["ack_p99_ms"])])
    def update_rows(run):
        for variant, update in run.get("update_pass", {}).items():
            rows.append(["  then 1 update per known key, %s" % variant, h.fmt(update.get("events")), h.fmt(update.get("seconds"), 1),
                         h.fmt(update["events"] / update["seconds"] if update.get("seconds") else None),
                         h.fmt(update.get("calls_per_event"), 2), "", "", "", "", ""])


    updates = {"shared, " + k: v for k, v in four.get("update_pass", {}).items()} if four else {}
    if partitioned:
        updates.update({"partitioned, " + k: v for k, v in partitioned.get("update_pass", {}).items()})
    if four:
        update_rows(four)
    if partitioned:
        rows.append(["burst, %d workers, %d partitions" % (partitioned["workers"], args.partitions), h.fmt(partitioned["events"]),
                     h.fmt(partitioned["seconds"], 1), h.fmt(partitioned["events_per_s"]), h.fmt(partitioned["calls_per_event"], 2),
                     h.fmt(partitioned["peak_rss_mib"], 1), h.fmt(partitioned["cpu_s_per_1k"], 2), h.fmt(partitioned["dead_letters"]),
                     h.fmt(partitioned["ack_p50_ms"]), h.fmt(partitioned["ack_p99_ms"])])
        update_rows(partitioned)
    if baseline:
        rows.append(["guide's loop (c1 p1 no-cache)", h.fmt(baseline["events"]), h.fmt(baseline["seconds"], 1), h.fmt(base_eps),
                     h.fmt(baseline["calls_per_event"], 2), h.fmt(baseline["peak_rss_mib"], 1), h.fmt(baseline["cpu_s_per_1k"], 2),
                     h.fmt(baseline["dead_letters"]), h.fmt(baseline["ack_p50_ms"]), h.fmt(baseline["ack_p99_ms"])])
    if broker_limit:
        rows.append(["limit: broker alone (consume+ack)", h.fmt(args.broker_messages), "",
                     h.fmt(broker_limit["consume_ack_per_s"]), "", "", "", "", "", ""])
    if sim_capacity and calls_per_event_4:
        rows.append(["limit: simulator %s req/s / calls/ev" % h.fmt(sim_capacity), "", "",
                     h.fmt(sim_capacity / calls_per_event_4), h.fmt(calls_per_event_4, 2), "", "", "", "", ""])
    budget_runs = [run for run in (rl, boot, steady) if run]
    for run, title in ((rl, "rate-limited"), (boot, "bootstrap (1/3 held)"), (steady, "steady stream, kill + join")):
        if run:
            rows.append(["%s, 3 workers, %d/min%s" % (title, run["budget_per_min"], ", %d partitions" % args.partitions if args.partitions else ""),
                         h.fmt(run["events"]), h.fmt(run["seconds"], 1),
                         h.fmt(run["events"] / run["seconds"] if run["seconds"] else None), h.fmt(run["calls"] / run["events"], 2),
                         h.fmt(run["peak_rss_mib"], 1), "", h.fmt(run["dead_letters"]), h.fmt(run.get("ack_p50_ms")),
                         h.fmt(run.get("ack_p99_ms"))])
    if big:
        rows.append(["big bodies: %d x %d MiB + %d valid, 1 worker, p512" % (big["messages"], big["mib"], big["valid_events"]),
                     h.fmt(big["messages"] + big["valid_events"]), h.fmt(big["seconds"], 1), "", "", h.fmt(big["peak_rss_mib"], 1),
                     "", h.fmt(big["dead_letters"]), "", ""])
    # ops/bench builds the release binary itself unless $HIPCALL_SYNC_BIN names one.
    build = ("binary $HIPCALL_SYNC_BIN = %s" % h.BIN if os.environ.get("HIPCALL_SYNC_BIN")
             else "release build, Swift runtime linked statically as docker/Dockerfile ships it")
    print()
    if bursts:
        print("hipcall-sync bench: simulator latency %d ms; burst %d events over %d keys (20%% contacts, 10%% duplicates), "
              "published first, then workers started (--concurrency %d --prefetch %d each); %s" % (
                  args.latency_ms, args.events, args.events // 4, args.concurrency, args.prefetch, build))
        print("ack p50/p99: publish-to-ack latency of each run's synced events (publisher's clock to the worker's ack, "
              "interpolated in the workers' histogram buckets); the events are published first, as a backlog, "
              "so it includes the time they waited in the queue")
    else:
        print("hipcall-sync bench, stages: %s; %s" % (", ".join(stage for stage in STAGES if stage in stages), build))
    print(h.table(["run", "events", "seconds", "events/s", "calls/event", "peak RSS MiB", "CPU s/1k ev", "dead",
                   "ack p50 ms", "ack p99 ms"], rows))
    if budget_runs:
        print()
        print("on the simulator's rate limit, against the cheapest plan of each workload (ids learnt by a list scan or "
              "lookups, whichever costs less, plus the writes from Hipcall's state before the run to the expected one); "
              "changed: records whose expected state differs from Hipcall's; seconds: workers started (stream: "
              "publisher started) to drained; cheapest s: the cheapest plan's calls at the budget rate")
        print(h.table(budget.HEADERS, [budget.row(run) for run in budget_runs]))

    speedup = four["events_per_s"] / base_eps if four and four["events_per_s"] and base_eps else None
    peaks = [r["peak_rss_mib"] for r in figures["runs"]] + [run["peak_rss_mib"] for run in budget_runs]
    peak = max(peaks) if peaks else None
    targets = []
    if four and baseline:
        targets.append(["%d workers vs the guide's loop" % top, (h.fmt(speedup, 1) + "x") if speedup else "n/a", ">= 100x",
                        "yes" if speedup and speedup >= 100 else "NO"])
    targets += [["API calls per event, updates to known keys, %s (%d dead-lettered)" % (variant, update["dead_letters"]),
                 h.fmt(update.get("calls_per_event"), 2), "<= 1.10, 0 dead",
                 "yes" if update.get("calls_per_event") is not None and update["calls_per_event"] <= 1.1
                 and update["dead_letters"] == 0 else "NO"]
                for variant, update in updates.items()]
    if rl:
        targets += [
            ["rate-limited drain vs ideal (%d calls / %.1f per s = %.0f s)" % (rl["ideal_calls"], rl["budget_per_min"] / 60, rl["ideal_seconds"]),
             (h.fmt(rl["ratio"], 2) + "x") if rl["ratio"] else "n/a", "<= 1.20x",
             "yes" if rl["ratio"] and rl["ratio"] <= 1.2 else "NO"],
        ] + budget.targets(rl)
    if boot:
        targets += budget.targets(boot)
    if steady:
        targets += stream.targets(steady)
    if peak is not None:
        targets.append(["peak RSS per worker (MiB, any run)", h.fmt(peak, 1), "<= 64", "yes" if peak <= 64 else "NO"])
    if four:
        targets.append(["publish-to-ack latency p50/p99, burst, %d workers (backlog: includes queueing)" % top,
                        "%s / %s ms" % (h.fmt(four["ack_p50_ms"]), h.fmt(four["ack_p99_ms"])), "(reported)", ""])
    if big:
        drained = big["seconds"] is not None
        targets += [
            ["big bodies: peak RSS, %d x %d MiB at --prefetch 512 (MiB)" % (big["messages"], big["mib"]),
             h.fmt(big["peak_rss_mib"], 1), "<= 128", "yes" if drained and big["peak_rss_mib"] <= 128 else "NO"],
            ["big bodies: refused unread (hipcall_sync_bodies_refused_total) / in the dead-letter queue",
             "%s / %s" % (h.fmt(big["refused_unread"]), h.fmt(big["dead_letters"])), h.fmt(big["dead_expected"]),
             "yes" if big["refused_unread"] == big["dead_letters"] == big["dead_expected"] else "NO"],
            ["big bodies: valid keys not synced (of %d)" % big["keys_expected"], h.fmt(big["keys_missing"]), "0",
             "yes" if drained and big["keys_missing"] == 0 else "NO"],
        ]
    if drift:
        records = drift["records_per_resource"]
        targets += [
            ["reconcile: list calls per resource, %d records each" % records,
             "%d / %d" % (drift["calls"]["companies"], drift["calls"]["contacts"]), "<= %d" % drift["calls_target"],
             "yes" if max(drift["calls"].values()) <= drift["calls_target"] else "NO"],
            ["reconcile: the command's CPU s / peak RSS MiB (%d-line export)" % (2 * records),
             "%s / %s" % (h.fmt(drift["cpu_s"], 2), h.fmt(drift["peak_rss_mib"], 1)), "< 2 / < 128",
             "yes" if drift["cpu_s"] < 2 and drift["peak_rss_mib"] < 128 else "NO"],
            ["reconcile: findings are exactly the edited records, exit 1", "%d, exit %d" % (drift["findings"], drift["exit_status"]),
             "yes", "yes" if drift["findings_exact"] and drift["exit_status"] == 1 else "NO"],
        ]
    print()
    print(h.table(["target", "measured", "target", "held"], targets))
    for variant, update in updates.items():
        print("update pass (%s), API calls by route: %s" % (variant, ", ".join(
            "%s %d" % (k, v) for k, v in sorted(update["by_route"].items()))))
    if rl:
        print("rate-limited: %d events over %d keys, %d calls (%d answered 429), %s s to drain, ideal %.0f s" % (
            rl["events"], rl["keys"], rl["calls"], rl["answers_429"], h.fmt(rl["seconds"], 1), rl["ideal_seconds"]))
    for run in budget_runs:
        for line in (stream.describe(run) if run is steady else budget.describe(run)):
            print(line)
    figures.update(baseline_eps=base_eps, speedup=speedup, broker_limit=broker_limit, simulator_capacity=sim_capacity,
                   peak_rss_mib=peak)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(figures, f, indent=2, default=str)
    failed = [t for t in targets if t[3] == "NO"]
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
