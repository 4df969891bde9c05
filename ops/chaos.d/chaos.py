"""ops/chaos: bounded fault drills on loopback, each ending with a convergence check.

Every scenario publishes synthetic events (with an expect file), lets workers drain them under a
fault, then checks that the simulator's records equal the expected final state (each key's managed
fields; a contact's company_external_id as the company's id), that no key has more than one record
and no record is unexpected, and that the dead-letter queue holds exactly the intentionally invalid
events. Exits 1 if any scenario fails.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench.d"))
import harness as h  # noqa: E402

SCENARIOS = ["kill", "broker-restart", "faults", "hot-keys", "poison"]
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
args = parser.parse_args()

pid = os.getpid()
sim = h.Simulator(18380, rate_limit=0, latency_ms=5, name="chaos.simulator")
broker_is_ours = os.environ.get("CHAOS_BROKER_STARTED") == "1"
results = []


def norm_list(value, key):
    if value is None:
        return []
    return sorted((item.get(key), item.get("country")) for item in value if isinstance(item, dict))


def converge(expected_list, dead_expected, topology, published, seconds, name, note=""):
    """Compares the simulator's records with the expected state and the dead-letter queue with `invalid`."""
    records = sim.records()
    with open(os.path.join(h.RUN_DIR, name + ".records.json"), "w") as f:
        json.dump(records, f, indent=1, ensure_ascii=False)
    lost, duplicates, problems = 0, 0, []
    for resource in ("companies", "contacts"):
        expected = {}
        for part in expected_list:
            expected.update(part.get(resource, {}))
        by_key = {}
        for record in records[resource]:
            by_key.setdefault(record.get("external_id"), []).append(record)
        company_ids = {r.get("external_id"): r["id"] for r in records["companies"]}
        for key, recs in by_key.items():
            if key not in expected:
                duplicates += len(recs)
                problems.append("%s %r: unexpected record" % (resource, key))
            elif len(recs) > 1:
                duplicates += len(recs) - 1
                problems.append("%s %r: %d records" % (resource, key, len(recs)))
        for key, fields in expected.items():
            recs = by_key.get(key)
            if not recs:
                lost += 1
                problems.append("%s %r: missing" % (resource, key))
                continue
            record = recs[0]
            wrong = []
            for field, want in fields.items():
                if field == "company_external_id":
                    ok = record.get("company_id") == (company_ids.get(want) if want is not None else None)
                elif field in ("phones", "emails"):
                    ok = norm_list(record.get(field), "number" if field == "phones" else "email") == norm_list(
                        want, "number" if field == "phones" else "email")
                else:
                    ok = record.get(field) == want
                if not ok:
                    wrong.append(field)
            if wrong:
                lost += 1
                problems.append("%s %r: %s differ" % (resource, key, ",".join(wrong)))
    dead_found = h.dead_letters(topology)
    ok = lost == 0 and duplicates == 0 and dead_found == dead_expected and seconds is not None
    results.append([name, h.fmt(published), h.fmt(lost), h.fmt(duplicates), h.fmt(dead_expected), h.fmt(dead_found),
                    h.fmt(seconds, 1) if seconds is not None else "timeout", "ok" if ok else "FAIL", note])
    for problem in problems[:10]:
        h.log("    %s: %s" % (name, problem))
    h.log("    %s: lost %d, duplicates %d, dead letters %d/%d, %s" % (
        name, lost, duplicates, dead_found, dead_expected, "ok" if ok else "FAIL"))


def load_expect(path):
    with open(path) as f:
        return json.load(f)


def scenario(name, workers=3, worker_args=(), publish_args=(), rate=0, during=None, before_workers=False,
             extra_expect=None, retry_steps="1s,2s,4s", note=""):
    """Publishes (at `rate` in the background, or all first), runs `during(workers, stop_event)`, drains, checks."""
    workers = args.workers or workers
    h.log("==> %s (%d workers)" % (name, workers))
    topology = h.Topology("chaos.%d.%s" % (pid, name), retry_steps=retry_steps, partitions=args.partitions)
    sim.reset()
    expect = os.path.join(h.RUN_DIR, name + ".expected.json")
    pub = ["--seed", str(args.seed), "--expect-file", expect, *publish_args]
    procs = []
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
    expected = [load_expect(expect)]
    if extra_expect:
        more = extra_expect(topology)
        published += more[0]
        expected.append(more[1])
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
        depths = h.queue_depths(topology.prefix)
        busy = sum(v for q, v in depths.items() if not q.endswith(".dead"))
        if (busy == 0 and topology.first_queue in depths and h.gauge_sum(procs, "hipcall_sync_in_flight") == 0
                and sim.stats()["total"] == calls_before):
            seconds = drained_at - start
            break
    dead_expected = sum(part.get("invalid", 0) for part in expected)
    converge(expected, dead_expected, topology, published, seconds, name, note)
    for w in procs:
        h.stop(w.process)
    topology.delete()


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
    return report["published"], load_expect(expect)


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
    sim.faults(error_rate=0.1, stall_rate=0.01, stall_seconds=args.stall_seconds)
    try:
        scenario("faults", workers=3, rate=args.rate,
                 publish_args=["--count", str(n // 2), "--keys", str(n // 8), "--contacts-ratio", "0.2",
                               "--duplicate-ratio", "0.1"],
                 note="10%% 5xx, 1%% stalled %gs" % args.stall_seconds)
    finally:
        sim.faults(error_rate=0, stall_rate=0)
if "hot-keys" in wanted:
    scenario("hot-keys", workers=3, rate=0,
             publish_args=["--count", str(n), "--keys", "50", "--contacts-ratio", "0.2", "--duplicate-ratio", "0.1",
                           "--out-of-order"],
             note="50 keys, out of order")
if "poison" in wanted:
    scenario("poison", workers=2, rate=0, extra_expect=traversal_events,
             publish_args=["--count", str(n // 2), "--keys", str(n // 8), "--contacts-ratio", "0.2", "--invalid-ratio", "0.1"],
             note="invalid 10% + 20 path-like ids")

print()
print("hipcall-sync chaos: simulator latency 5 ms, workers --concurrency 16 --max-attempts 10, retry steps 1s,2s,4s")
print(h.table(["scenario", "events", "lost", "duplicate records", "dead expected", "dead found", "seconds", "result", "fault"],
              results))
print("lost: expected keys whose record is missing or differs in a managed field (phones/emails compared as sets); "
      "duplicate records: more than one record per key, or a record for no expected key; "
      "per-scenario details in ops/.run/chaos/ (worker logs, <scenario>.records.json, <scenario>.expected.json)")
sys.exit(1 if any(r[7] == "FAIL" for r in results) else 0)
