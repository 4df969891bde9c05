"""The `stream` stage: a steady stream of new records at a share of the budget (--stream-load of
the requests a second, counted by the cheapest plan) into a running fleet of 3 workers; one worker
SIGKILLed and later one added, both after the stream's first minute (see kill_and_join). Measures
publish-to-ack latency and the 429s per minute of the stream, the first minute apart."""
import json
import math
import os
import time

from . import budget
from . import cheapest as plans
from . import harness as h

WORKERS = 3
PORT = 19310
DUPLICATE_RATIO = 0.1
SAMPLE_SECONDS = 5  # the simulator's counts are sampled this often (a multiple of 5 hits 60 s exactly)
POLL_SECONDS = 0.25  # how late a sample, the kill or the join may come
FIRST_MINUTE = 60.0
P99_SECONDS = 10.0


def shape(seconds, load, per_minute, duplicate_ratio=DUPLICATE_RATIO):
    """(events, keys, events per second) of a stream of `seconds` whose cheapest plan spends `load`
    of `per_minute`: one version per key (a create each, 1 call) plus duplicates (no call), and one
    count call per resource for the empty account. Duplicates and keys as `publish` rounds them."""
    budget_per_s = per_minute / 60
    events = max(1, int(round(seconds * load * budget_per_s / (1 - duplicate_ratio))))
    for _ in range(3):  # the count calls and rounding move the calls per event a little
        keys = events - int(math.floor(events * duplicate_ratio + 0.5))
        calls_per_event = (keys + len(plans.RESOURCES)) / events
        events = max(1, int(round(seconds * load * budget_per_s / calls_per_event)))
    keys = events - int(math.floor(events * duplicate_ratio + 0.5))
    return events, keys, events / seconds


def kill_and_join(seconds):
    """When (seconds into the stream) a worker is SIGKILLed and one added: a quarter and a half of
    the way through the time after the first minute (120 s and 180 s of 300; 75 s and 90 s of 120);
    at 2/5 and 3/5 of a stream no longer than a minute."""
    if seconds <= FIRST_MINUTE:
        return seconds * 2 / 5, seconds * 3 / 5
    return FIRST_MINUTE + (seconds - FIRST_MINUTE) / 4, FIRST_MINUTE + (seconds - FIRST_MINUTE) / 2


def _report(logfile):
    """The publisher's --json report: the last line of its log that is a JSON object."""
    with open(logfile) as f:
        lines = [line for line in f.read().splitlines() if line.startswith("{")]
    return json.loads(lines[-1])


def run(args, simulator, pid):
    """Runs the stream; returns its figures (see budget.row and targets)."""
    per_minute = args.rl_budget or 600
    seconds = args.stream_seconds
    events, keys, rate = shape(seconds, args.stream_load, per_minute)
    kill_at, join_at = kill_and_join(seconds)
    h.log("==> stream: %d events (%d keys, %d%% duplicates) at %.2f/s for %d s into %d workers, %d requests/minute; "
          "a worker SIGKILLed at %.0f s, one added at %.0f s" % (
              events, keys, DUPLICATE_RATIO * 100, rate, seconds, WORKERS, per_minute, kill_at, join_at))
    topology = h.Topology("bench.%d.stream" % pid, partitions=args.partitions)
    simulator.reset()
    simulator.rate_limit(0)
    worker_args = ["--concurrency", "16", "--prefetch", str(args.prefetch)]
    procs = [h.Worker(topology, simulator, PORT + i, worker_args, name="stream.worker%d" % i) for i in range(WORKERS)]
    for worker in procs:
        worker.wait_ready()
    initial = simulator.records()
    expect = os.path.join(h.RUN_DIR, "stream.expected.json")
    logfile = os.path.join(h.RUN_DIR, "stream.publish.log")
    before = simulator.stats()
    simulator.rate_limit(per_minute)
    publisher = h.spawn([h.BIN, "publish", "--json", "--count", str(events), "--keys", str(keys), "--contacts-ratio", "0.2",
                         "--duplicate-ratio", str(DUPLICATE_RATIO), "--rate", "%.4f" % rate, "--seed", str(args.seed + 21),
                         "--expect-file", expect], logfile, env=topology.env())
    start = time.time()
    samples = [(0.0, before)]  # (seconds since the stream started, /_sim/stats)
    live = list(procs)
    victim_acks = {}
    killed = joined = None
    next_sample = SAMPLE_SECONDS
    while publisher.poll() is None:
        now = time.time() - start
        if killed is None and now >= kill_at:
            victim = live.pop(0)
            victim_acks = h.histogram_buckets([victim], "hipcall_sync_publish_to_ack_seconds")
            victim.kill()
            killed = now
            h.log("    %.0f s: SIGKILLed %s" % (now, victim.name))
        if joined is None and now >= join_at:
            live.append(h.Worker(topology, simulator, PORT + WORKERS, worker_args, name="stream.worker%d" % WORKERS))
            procs.append(live[-1])
            joined = now
            h.log("    %.0f s: started %s" % (now, live[-1].name))
        if now >= next_sample:
            samples.append((now, simulator.stats()))
            for worker in live:
                worker.proc_sample()
            next_sample += SAMPLE_SECONDS
        time.sleep(POLL_SECONDS)
    published_at = time.time() - start
    report = _report(logfile)
    if publisher.returncode != 0:
        raise RuntimeError("the stream's publisher failed (%d); see %s" % (publisher.returncode, logfile))
    # A fleet that spends more than the budget drains a backlog after the stream: give it time to show how long.
    tail = h.wait_drained(topology, live, 0, timeout=max(300, 3 * seconds))
    end = time.time() - start
    with open(expect) as f:
        expected = json.load(f)
    cheapest_plan = plans.plan(expected, initial, per_minute)
    acks = h.histogram_buckets(live, "hipcall_sync_publish_to_ack_seconds")
    for bound, count in victim_acks.items():
        acks[bound] = acks.get(bound, 0) + count
    dead, outcomes = h.dead_letters(topology), h.outcomes(live)
    for worker in live:
        worker.proc_sample()
        h.stop(worker.process)
    # The last sample once the workers stopped: whatever the fleet still spent after the drain counts too.
    samples.append((time.time() - start, simulator.stats()))
    result = {
        "name": "stream", "label": "steady stream, %d workers, kill + join, %d/min%s" % (
            WORKERS, per_minute, ", %d partitions" % args.partitions if args.partitions else ""),
        "events": report["published"], "keys": keys, "rate": rate, "budget_per_min": per_minute,
        "stream_seconds": seconds, "published_seconds": published_at, "tail_seconds": tail,
        "seconds": end if tail is not None else None, "killed_at": killed, "joined_at": joined,
        "dead_letters": dead, "outcomes": outcomes,
        "acks_measured": acks.get(float("inf"), 0),
        "ack_p50_ms": budget.milliseconds(h.histogram_quantile(acks, 0.5)),
        "ack_p99_ms": budget.milliseconds(h.histogram_quantile(acks, 0.99)),
    }
    budget.measured(result, h.stats_delta(before, samples[-1][1]), cheapest_plan)
    result["load"] = cheapest_plan["calls"] / published_at / (per_minute / 60)
    result["minutes"] = per_minute_counts(samples)
    result["after_first_minute_429"] = answers_429_since(samples, FIRST_MINUTE)
    result["after_kill_429"] = answers_429_since(samples, killed) if killed is not None else None
    result["peak_rss_mib"] = max(worker.hwm_kib for worker in procs) / 1024
    budget.converged(result, simulator, expect, "stream")
    topology.delete()
    h.log("    stream: %d events in %.1f s (+%s s to drain), %d calls (%d answered 429, %d after the first minute), "
          "ack p99 %s ms" % (result["events"], published_at, h.fmt(tail, 1), result["calls"], result["answers_429"],
                             result["after_first_minute_429"], h.fmt(result["ack_p99_ms"])))
    return result


def _count_429(stats):
    return stats["by_status"].get("429", 0)


def answers_429_since(samples, since):
    """429s from the last sample taken by `since` seconds (or within POLL_SECONDS after it) to the
    last sample: the count may hold a few answered just before `since`, never miss one after it."""
    first = [stats for t, stats in samples if t <= since + POLL_SECONDS * 2][-1]
    return _count_429(samples[-1][1]) - _count_429(first)


def per_minute_counts(samples):
    """[(minute, calls, 429s)] between the samples taken at each whole minute of the stream; the
    last entry runs to the final sample (the drain)."""
    minutes = []
    mark = samples[0][1]
    for index, (t, stats) in enumerate(samples[1:], start=1):
        if t >= len(minutes) * 60 + 60 - POLL_SECONDS * 2 or index == len(samples) - 1:
            minutes.append((len(minutes) + 1, stats["total"] - mark["total"], _count_429(stats) - _count_429(mark)))
            mark = stats
    return minutes


def targets(run):
    """Target rows [what, measured, target, held] of the stream."""
    p99 = run["ack_p99_ms"]
    return [
        ["stream 429 answers (share of all calls)", "%d (%s%%)" % (run["answers_429"], h.fmt(run["share_429"] * 100, 2)),
         "<= %.1f%%" % (budget.SHARE_429 * 100), budget.held(run["seconds"] is not None and run["share_429"] <= budget.SHARE_429)],
        ["stream 429 answers after its first minute (across the kill at %.0f s and the join at %.0f s)" % (
            run["killed_at"] or 0, run["joined_at"] or 0),
         "%s (%s after the kill)" % (h.fmt(run["after_first_minute_429"]), h.fmt(run["after_kill_429"])), "0",
         budget.held(run["after_first_minute_429"] == 0)],
        ["stream publish-to-ack p99 (%d acks, the killed worker's until its kill)" % run["acks_measured"],
         "%s ms" % h.fmt(p99), "< %d ms" % (P99_SECONDS * 1000), budget.held(p99 is not None and p99 < P99_SECONDS * 1000)],
        ["stream dead letters", h.fmt(run["dead_letters"]), "(reported)", ""],
        ["stream API calls per record changed (%d calls, %d changed)" % (run["calls"], run["changed"]),
         h.fmt(run["calls_per_changed"], 2), "(reported)", ""],
        budget.converged_target(run),
    ]


def describe(run):
    """Lines under the targets: the load, the calls and 429s per minute, the calls by route."""
    return [
        "stream: %d events at %.2f/s for %.0f s, then %s s to drain; the cheapest plan's calls are %.0f%% of the budget; "
        "ack p50 %s ms" % (run["events"], run["rate"], run["published_seconds"], h.fmt(run["tail_seconds"], 1),
                           run["load"] * 100, h.fmt(run["ack_p50_ms"])),
        "stream: API calls / 429s per minute (the last one to the drain's end): %s" % ", ".join(
            "m%d %d/%d" % m for m in run["minutes"]),
        "stream: cheapest plan: %s" % plans.describe(run["cheapest"]),
        "stream: API calls by route: %s" % ", ".join("%s %d" % (k, v) for k, v in sorted(run["by_route"].items())),
    ]
