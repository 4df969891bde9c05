"""ops/chaos: bounded fault drills on loopback, each ending with a convergence check.

Every scenario publishes synthetic events (with an expect file), lets workers drain them under a
fault, then checks with `hipcall-sync publish verify` (the one convergence check) that the
simulator's records equal the expected final state (each key's managed fields; a contact's
company_external_id as the company's id), that no key has more than one record and no record is
unexpected, and that the dead-letter queue holds exactly the intentionally invalid events. Exits 1
if any scenario fails.
"""
import argparse
import json
import os
import random
import sys
import threading
import time

from . import drift
from . import harness as h

SCENARIOS = ["kill", "broker-restart", "faults", "hot-keys", "poison", "drift"]
parser = argparse.ArgumentParser(
    prog="ops/chaos", description=__doc__,
    epilog="ops/chaos --own-broker (as the first argument) starts a private RabbitMQ (hipcall-chaos@localhost, port "
           "5673 or $CHAOS_BROKER_PORT) so broker-restart can run; with a reused broker that scenario is skipped.")
parser.add_argument("--events", type=int, default=1200, help="events per scenario [1200]")
parser.add_argument("--rate", type=float, default=100, help="publish rate while faults happen, events/s [100]")
parser.add_argument("--only", default=",".join(SCENARIOS), help="scenarios to run, comma-separated [all]")
parser.add_argument("--kill-every", type=float, default=3.0, help="seconds between SIGKILLs [3]")
parser.add_argument("--stall-seconds", type=float, default=32.0,
                    help="how long stalled requests are held; above the worker's fixed 30 s request timeout [32]")
parser.add_argument("--timeout", type=float, default=150, help="seconds a scenario may take to drain [150]")
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--partitions", type=int, default=8,
                    help="partition queues (per-key order across workers); 0 runs the shared work queue, whose "
                         "competing consumers may apply an older event after a newer one [8]")
parser.add_argument("--workers", type=int, default=None,
                    help="worker processes in every scenario, instead of each scenario's own (3, or 2) [diagnosis]")
args = pid = sim = broker_is_ours = None  # set by main()
results = []  # one table row per scenario


def converge(expect_files, topology, published, seconds, name, note=""):
    """Checks the simulator's records against the expect files with `publish verify` (simulator
    faults off), and the dead-letter queue against the invalid events they count."""
    with open(os.path.join(h.RUN_DIR, name + ".records.json"), "w") as f:
        json.dump(sim.records(), f, indent=1, ensure_ascii=False)
    dead_found = h.dead_letters(topology)
    try:
        report = h.verify(sim, expect_files, name)
    except RuntimeError as error:
        h.log("    %s: %s" % (name, error))
        results.append([name, h.fmt(published), "n/a", "n/a", "n/a", h.fmt(dead_found),
                        h.fmt(seconds, 1) if seconds is not None else "timeout", "FAIL", note])
        return
    lost, duplicates = h.lost_and_duplicates(report)
    dead_expected = report["invalid"]
    ok = report["converged"] and dead_found == dead_expected and seconds is not None
    results.append([name, h.fmt(published), h.fmt(lost), h.fmt(duplicates), h.fmt(dead_expected), h.fmt(dead_found),
                    h.fmt(seconds, 1) if seconds is not None else "timeout", "ok" if ok else "FAIL", note])
    for problem in report["problems"][:10]:
        h.log("    %s: %s" % (name, problem))
    h.log("    %s: lost %d, duplicates %d, dead letters %d/%d, %s" % (
        name, lost, duplicates, dead_found, dead_expected, "ok" if ok else "FAIL"))


def scenario(name, workers=3, worker_args=(), publish_args=(), rate=0, during=None, before_workers=False,
             extra_expect=None, retry_steps="1s,2s,4s", faults=None, note=""):
    """Publishes (at `rate` in the background, or all first) under the simulator `faults`, runs
    `during(workers, stop_event)`, drains, turns the faults off and checks."""
    workers = args.workers or workers
    h.log("==> %s (%d workers)" % (name, workers))
    topology = h.Topology("chaos.%d.%s" % (pid, name), retry_steps=retry_steps, partitions=args.partitions)
    sim.reset()
    if faults:
        sim.faults(**faults)
    try:
        seconds, published, expect_files, procs = run_scenario(
            name, workers, worker_args, publish_args, rate, during, before_workers, extra_expect, topology)
    finally:
        if faults:
            sim.faults(error_rate=0, stall_rate=0)
    converge(expect_files, topology, published, seconds, name, note)
    for w in procs:
        h.stop(w.process)
    topology.delete()


def run_scenario(name, workers, worker_args, publish_args, rate, during, before_workers, extra_expect, topology):
    """The part of `scenario` under faults; returns (seconds to drain or None, events published,
    expect files, worker processes)."""
    expect = os.path.join(h.RUN_DIR, name + ".expected.json")
    pub = ["--seed", str(args.seed), "--expect-file", expect, *publish_args]
    if before_workers:
        report = h.publish(topology, pub, name=name + ".publish")
    port = 19380 + 10 * SCENARIOS.index(name)
    procs = [h.Worker(topology, sim, port + i, ["--concurrency", "16", "--max-attempts", "10", *worker_args],
                      name="%s.worker%d" % (name, i)) for i in range(workers)]
    for w in procs:
        w.wait_ready()
    start = time.time()
    done = threading.Event()
    chaos = threading.Thread(target=during, args=(procs, done), daemon=True) if during else None
    if chaos:
        chaos.start()
    if not before_workers:
        report = h.publish(topology, [*pub, "--rate", str(rate)] if rate else pub, name=name + ".publish")
    published = report["published"]
    expect_files = [expect]
    if extra_expect:
        more = extra_expect(topology)
        published += more[0]
        expect_files.append(more[1])
    done.set()
    if chaos:
        chaos.join()
    # Counts reset when a worker restarts, and a recovering broker may list queues as empty: drained
    # means queues empty and nothing in flight, then 4 s later still so with no API call meanwhile.
    seconds = None
    deadline = time.time() + args.timeout
    while time.time() < deadline:
        left = deadline - time.time()
        if h.wait_drained(topology, procs, 0, timeout=left) is None:
            break
        drained_at = time.time()
        calls_before = sim.stats()["total"]
        time.sleep(4)
        if (topology.drained() and h.gauge_sum(procs, "hipcall_sync_in_flight") == 0
                and sim.stats()["total"] == calls_before):
            seconds = drained_at - start
            break
    return seconds, published, expect_files, procs


def killer(procs, done):
    rng = random.Random(args.seed)
    kills = 0
    while not done.wait(args.kill_every):
        victim = rng.choice(procs)
        victim.kill()
        kills += 1
        time.sleep(0.3)
        victim.restart()
    h.log("    kill: %d workers killed with SIGKILL and restarted" % kills)


def broker_restart(procs, done):
    # Let a third of the backlog go through, then restart the broker under the workers.
    time.sleep(3)
    h.log("    broker-restart: rabbitmqctl stop_app")
    h.rabbitmqctl("stop_app", timeout=120)
    time.sleep(2)
    h.rabbitmqctl("start_app", timeout=180)
    h.rabbitmqctl("await_startup", timeout=180)
    h.log("    broker-restart: start_app done")


def traversal_events(topology):
    """NDJSON events whose external ids look like paths; they must land on their own records."""
    ids = ["../companies", "..%2Fcompanies", "a/b", "CO-000001/../CO-000002", "?x=1&y=2", "#fragment", "%2e%2e",
           "by-external-id", "..", "Ünïcødé 名前"]
    lines = []
    now = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    for n, external_id in enumerate(ids):
        lines.append({"type": "company.changed", "event_id": "trav-co-%d-%d" % (pid, n), "occurred_at": now + ".000Z",
                      "external_id": external_id, "data": {"name": "Traversal %d" % n}})
        lines.append({"type": "contact.changed", "event_id": "trav-ct-%d-%d" % (pid, n), "occurred_at": now + ".000Z",
                      "external_id": "../contacts/" + external_id if n % 2 else external_id,
                      "data": {"first_name": "Path %d" % n, "company_external_id": external_id}})
    path = os.path.join(h.RUN_DIR, "poison.traversal.ndjson")
    with open(path, "w") as f:
        for line in lines:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
    expect = os.path.join(h.RUN_DIR, "poison.traversal.expected.json")
    report = h.publish(topology, ["--file", path, "--expect-file", expect], name="poison.traversal.publish")
    return report["published"], expect


def main():
    """Runs the scenarios --only names, prints the table, exits 1 if any failed."""
    global args, pid, sim, broker_is_ours
    args = parser.parse_args()
    pid = os.getpid()
    sim = h.Simulator(18380, rate_limit=0, latency_ms=5, name="chaos.simulator")
    broker_is_ours = os.environ.get("CHAOS_BROKER_STARTED") == "1"
    wanted = args.only.split(",")
    n = args.events
    if "kill" in wanted:
        scenario("kill", workers=3, rate=args.rate, during=killer,
                 publish_args=["--count", str(n), "--keys", str(n // 4), "--contacts-ratio", "0.2", "--duplicate-ratio", "0.1"],
                 note="SIGKILL every %gs" % args.kill_every)
    if "broker-restart" in wanted:
        if broker_is_ours:
            scenario("broker-restart", workers=2, before_workers=True, during=broker_restart,
                     worker_args=["--concurrency", "4"],
                     publish_args=["--count", str(n), "--keys", str(n // 4), "--contacts-ratio", "0.2", "--duplicate-ratio", "0.1"],
                     note="stop_app/start_app")
        else:
            results.append(["broker-restart", "", "", "", "", "", "", "skipped",
                            "broker reused (run with --own-broker)"])
    if "faults" in wanted:
        scenario("faults", workers=3, rate=args.rate, faults=dict(error_rate=0.1, stall_rate=0.01, stall_seconds=args.stall_seconds),
                 publish_args=["--count", str(n // 2), "--keys", str(n // 8), "--contacts-ratio", "0.2",
                               "--duplicate-ratio", "0.1"],
                 note="10%% 5xx, 1%% stalled %gs" % args.stall_seconds)
    if "hot-keys" in wanted:
        scenario("hot-keys", workers=3, rate=0,
                 publish_args=["--count", str(n), "--keys", "50", "--contacts-ratio", "0.2", "--duplicate-ratio", "0.1",
                               "--out-of-order"],
                 note="50 keys, out of order")
    if "poison" in wanted:
        scenario("poison", workers=2, rate=0, extra_expect=traversal_events,
                 publish_args=["--count", str(n // 2), "--keys", str(n // 8), "--contacts-ratio", "0.2", "--invalid-ratio", "0.1"],
                 note="invalid 10% + 20 path-like ids")
    if "drift" in wanted:
        h.log("==> drift (2 workers)")
        topology = h.Topology("chaos.%d.drift" % pid, partitions=args.partitions)
        sim.reset()
        port = 19380 + 10 * SCENARIOS.index("drift")
        procs = [h.Worker(topology, sim, port + i, ["--concurrency", "16"], name="drift.worker%d" % i) for i in range(2)]
        for w in procs:
            w.wait_ready()
        results.append(drift.run(sim, topology, procs, timeout=args.timeout))
        for w in procs:
            h.stop(w.process)
        topology.delete()

    print()
    print("hipcall-sync chaos: simulator latency 5 ms, workers --concurrency 16 --max-attempts 10, retry steps 1s,2s,4s")
    print(h.table(["scenario", "events", "lost", "duplicate records", "dead expected", "dead found", "seconds", "result", "fault"],
                  results))
    print("lost: expected keys whose record is missing or differs in a managed field (phones/emails compared as sets); "
          "duplicate records: more than one record per key, or a record for no expected key; "
          "per-scenario details in ops/.run/chaos/ (worker logs, <scenario>.records.json, <scenario>.expected.json)")
    sys.exit(1 if any(r[7] == "FAIL" for r in results) else 0)


if __name__ == "__main__":
    main()
