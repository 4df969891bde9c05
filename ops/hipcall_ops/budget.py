"""The backlog stages on the simulator's rate limit: `rate-limited` (a backlog into an empty account)
and `bootstrap` (the same backlog when Hipcall already holds a third of the companies, some in the
final state and some not, their ids unknown to the fleet). Each is measured against the cheapest
plan (cheapest.py) of its workload."""
import json
import os

from . import cheapest as plans
from . import existing
from . import harness as h

WORKERS = 3


def measured(result, delta, cheapest_plan):
    """Adds the figures every budget run reports: calls, 429s and their share, calls by route, calls
    per changed record, the cheapest plan and the ratios to it."""
    calls = delta["total"]
    result.update(
        calls=calls, answers_429=delta["by_status"].get("429", 0), by_route=delta["by_route"],
        by_status=delta["by_status"], cheapest=cheapest_plan, changed=cheapest_plan["changed"],
        cheapest_calls=cheapest_plan["calls"], cheapest_seconds=cheapest_plan["seconds"])
    result["share_429"] = result["answers_429"] / calls if calls else 0.0
    result["calls_per_changed"] = calls / cheapest_plan["changed"] if cheapest_plan["changed"] else None
    result["calls_ratio"] = calls / cheapest_plan["calls"] if cheapest_plan["calls"] else None
    return result


def converged(result, simulator, expect, name):
    """Adds lost and duplicate records by `publish verify` (rate limit off first: it reads every record)."""
    simulator.rate_limit(0)
    lost, duplicates = h.lost_and_duplicates(h.verify(simulator, [expect], name))
    result.update(lost=lost, duplicates=duplicates)


def run_backlog(args, simulator, pid, name, label, seed, port, hold_every=None):
    """Publishes a backlog of --rl-events over --rl-keys, optionally lets Hipcall hold every
    `hold_every`-th company first (created through its API with the rate limit off, not counted),
    then starts 3 workers (metrics on `port` and up) on the rate limit and times the drain."""
    budget = args.rl_budget or 600
    h.log("==> %s: %d events over %d keys, %d workers, %d requests/minute%s" % (
        name, args.rl_events, args.rl_keys, WORKERS, budget,
        ", Hipcall holding 1 in %d companies first" % hold_every if hold_every else ""))
    topology = h.Topology("bench.%d.%s" % (pid, name), partitions=args.partitions)
    simulator.reset()
    simulator.rate_limit(0)
    expect = os.path.join(h.RUN_DIR, name + ".expected.json")
    report = h.publish(topology, ["--count", str(args.rl_events), "--keys", str(args.rl_keys), "--contacts-ratio", "0.2",
                                  "--duplicate-ratio", "0.1", "--seed", str(seed), "--expect-file", expect],
                       name=name + ".publish")
    with open(expect) as f:
        expected = json.load(f)
    held = existing.seed_companies(simulator, expected, every=hold_every) if hold_every else None
    if held:
        h.log("    Hipcall holds %d companies (%s), created through POST /api/v3/companies, not counted" % (
            held["held"], ", ".join("%d %s" % (n, k) for k, n in held.items() if k != "held")))
    cheapest_plan = plans.plan(expected, simulator.records(), budget)
    h.log("    cheapest plan: " + plans.describe(cheapest_plan))
    distinct = len(expected["companies"]) + len(expected["contacts"])
    ideal_calls = 2 * distinct  # the previous target's ideal: one lookup and one create per key
    ideal_seconds = ideal_calls / (budget / 60)
    before = simulator.stats()
    simulator.rate_limit(budget)
    procs = [h.Worker(topology, simulator, port + i, ["--concurrency", "16", "--prefetch", str(args.prefetch)],
                      name="%s.worker%d" % (name, i)) for i in range(WORKERS)]
    seconds = h.wait_drained(topology, procs, report["published"],
                             timeout=max(180, 6 * max(ideal_seconds, cheapest_plan["seconds"])))
    at_drain = simulator.stats()
    acks = h.histogram_buckets(procs, "hipcall_sync_publish_to_ack_seconds")
    result = {
        "name": name, "label": label, "events": report["published"], "keys": distinct, "budget_per_min": budget,
        "partitions": args.partitions, "workers": WORKERS, "seconds": seconds, "held": held,
        "ideal_calls": ideal_calls, "ideal_seconds": ideal_seconds,
        "ratio": seconds / ideal_seconds if seconds else None,
        "dead_letters": h.dead_letters(topology), "outcomes": h.outcomes(procs),
        "ack_p50_ms": milliseconds(h.histogram_quantile(acks, 0.5)),
        "ack_p99_ms": milliseconds(h.histogram_quantile(acks, 0.99)),
    }
    for worker in procs:
        worker.proc_sample()
    result["peak_rss_mib"] = max(worker.hwm_kib for worker in procs) / 1024
    for worker in procs:
        h.stop(worker.process)
    # Calls until the workers stopped: whatever the fleet still spent after the drain counts too.
    measured(result, h.stats_delta(before, simulator.stats()), cheapest_plan)
    result["calls_at_drain"] = at_drain["total"] - before["total"]
    result["cheapest_ratio"] = seconds / cheapest_plan["seconds"] if seconds and cheapest_plan["seconds"] else None
    converged(result, simulator, expect, name)
    topology.delete()
    h.log("    %s: %s s (cheapest %.1f s), %d calls (%d answered 429), %s calls per changed record, %d dead letters" % (
        name, h.fmt(seconds, 1), cheapest_plan["seconds"], result["calls"], result["answers_429"],
        h.fmt(result["calls_per_changed"], 2), result["dead_letters"]))
    return result


def milliseconds(seconds):
    return seconds * 1000 if seconds is not None else None


def row(run):
    """The run's line in the budget table (see HEADERS)."""
    return [
        run["label"], h.fmt(run["events"]), h.fmt(run["changed"]), h.fmt(run["calls"]), h.fmt(run["calls_per_changed"], 2),
        "%s (%s%%)" % (h.fmt(run["answers_429"]), h.fmt(run["share_429"] * 100, 2)), h.fmt(run["seconds"], 1),
        h.fmt(run["cheapest_calls"]), h.fmt(run["cheapest_seconds"], 1), h.fmt(run["calls_ratio"], 2),
        (h.fmt(run["cheapest_ratio"], 2) + "x") if run.get("cheapest_ratio") else "n/a", h.fmt(run["dead_letters"]),
        h.fmt(run.get("ack_p99_ms")),
    ]


HEADERS = ["run", "events", "changed", "API calls", "calls/changed", "429s (share)", "seconds", "cheapest calls",
           "cheapest s", "calls/cheapest", "time/cheapest", "dead", "ack p99 ms"]

# The targets of issue 14.
DRAIN_RATIO = 1.15
CALLS_PER_CHANGED = 1.05
SHARE_429 = 0.005


def held(ok):
    return "yes" if ok else "NO"


def targets(run):
    """Target rows [what, measured, target, held] of a backlog run."""
    ratio = run.get("cheapest_ratio")
    return [
        ["%s drain vs cheapest plan (%d calls / %.1f per s = %.1f s)" % (
            run["name"], run["cheapest_calls"], run["budget_per_min"] / 60, run["cheapest_seconds"]),
         (h.fmt(ratio, 2) + "x") if ratio else "n/a", "<= %.2fx" % DRAIN_RATIO, held(ratio is not None and ratio <= DRAIN_RATIO)],
        calls_target(run),
        ["%s dead letters" % run["name"], h.fmt(run["dead_letters"]), "0", held(run["dead_letters"] == 0)],
        ["%s 429 answers (share of all calls)" % run["name"],
         "%d (%s%%)" % (run["answers_429"], h.fmt(run["share_429"] * 100, 2)), "<= %.1f%%" % (SHARE_429 * 100),
         held(run["share_429"] <= SHARE_429)],
        converged_target(run),
    ]


def calls_target(run):
    """API calls per record changed: at most 1.05, or 1.05 x the cheapest plan's own figure where a
    change needs more than one write (phones and emails are sub-resources: one call each)."""
    per_changed = run["calls_per_changed"]
    floor = run["cheapest_calls"] / run["changed"] if run["changed"] else 0
    bound = CALLS_PER_CHANGED * max(1.0, floor)
    what = "%s API calls per record changed (%d calls, %d changed)" % (run["name"], run["calls"], run["changed"])
    limit = "<= %.2f" % bound
    if floor > 1:
        what += "; the cheapest plan needs %.2f" % floor
        limit += " (1.05 x %.2f)" % floor
    return [what, h.fmt(per_changed, 2), limit,
            held(run["seconds"] is not None and per_changed is not None and per_changed <= bound)]


def converged_target(run):
    return ["%s converged (publish verify): lost / duplicate records" % run["name"],
            "%d / %d" % (run["lost"], run["duplicates"]), "0 / 0", held(run["lost"] == run["duplicates"] == 0)]


def describe(run):
    """Lines under the targets: the cheapest plan and the calls by route."""
    lines = ["%s: cheapest plan: %s" % (run["name"], plans.describe(run["cheapest"]))]
    if run.get("held"):
        lines.append("%s: Hipcall held %s before the workers started" % (run["name"], ", ".join(
            "%d %s" % (n, k) for k, n in run["held"].items() if k != "held")))
    lines.append("%s: API calls by route (%d by the drain, %d until the workers stopped): %s" % (
        run["name"], run["calls_at_drain"], run["calls"], ", ".join("%s %d" % (k, v) for k, v in sorted(run["by_route"].items()))))
    return lines
