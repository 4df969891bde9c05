"""Shared pieces of ops/bench and ops/chaos (Python 3 standard library only).

Starts the simulator and workers as child processes with broker objects of their own (a queue
prefix per run, whose object names `hipcall-sync topology show --json` lists), publishes with
`hipcall-sync publish`, checks convergence with `hipcall-sync publish verify`, reads `/metrics`,
`/_sim/` and `rabbitmqctl`, and removes everything it created when it exits.
"""
import atexit
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

# The repository root: relative paths (the binaries, the run directory) are read from there.
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, os.environ.get("HIPCALL_SYNC_BIN", ".build/release/hipcall-sync"))
RUN_DIR = os.path.join(ROOT, os.environ.get("BENCH_RUN_DIR", "ops/.run/bench"))
AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:%s/%%2F" % os.environ.get("HIPCALL_BROKER_PORT", "5672"))
CLK_TCK = os.sysconf("SC_CLK_TCK")

_children = []  # every Popen started here, killed at exit
_topologies = []  # every Topology created here, deleted at exit


def log(message):
    print(message, file=sys.stderr, flush=True)


def http_json(url, method="GET", body=None, timeout=10):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return json.loads(answer.read())


def http_text(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as answer:
        return answer.read().decode()


def spawn(args, logfile, env=None):
    """Starts a child process (its own process group) whose output goes to logfile."""
    os.makedirs(os.path.dirname(logfile), exist_ok=True)
    out = open(logfile, "ab")
    process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    out.close()
    _children.append(process)
    return process


def stop(process, sig=signal.SIGTERM, wait=10):
    if process.poll() is not None:
        return
    try:
        process.send_signal(sig)
        process.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    except ProcessLookupError:
        pass


# On a cluster (ops/chaos --cluster, ops/bench --cluster): the node names rabbitmqctl may ask, in
# order; the first that answers does. Empty: rabbitmqctl's own node ($RABBITMQ_NODENAME).
CTL_NODES = [node for node in os.environ.get("HIPCALL_CTL_NODES", "").split(",") if node]


def rabbitmqctl(*args, timeout=60):
    if not CTL_NODES:
        result = subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True, timeout=timeout)
        return result.stdout
    for node in CTL_NODES:
        try:
            result = subprocess.run(["rabbitmqctl", "-q", "-n", node, *args], capture_output=True, text=True,
                                    timeout=timeout)
        except subprocess.TimeoutExpired:
            continue
        if result.returncode == 0:
            return result.stdout
    return ""


def queue_depths():
    """{queue: messages (ready + unacked)} of every queue on the broker."""
    depths = {}
    for line in rabbitmqctl("list_queues", "name", "messages").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            depths[parts[0]] = int(parts[1])
    return depths


class Topology:
    """Broker objects of one run: the settings passed to the publisher and workers through the
    environment, and the exchange and queue names `hipcall-sync topology show --json` derives from them."""

    # Queue roles that hold events still to be applied (not dead letters, not the journal).
    BACKLOG_ROLES = ("work", "partition", "retry")

    def __init__(self, prefix, retry_steps="1s,2s,4s", partitions=0):
        self.prefix = prefix
        self.retry_steps = retry_steps
        self.partitions = partitions
        result = subprocess.run([BIN, "topology", "show", "--json"], capture_output=True, text=True, env=self.env())
        if result.returncode != 0:
            raise RuntimeError("topology show failed (%d): %s" % (result.returncode, result.stderr[-2000:]))
        shown = json.loads(result.stdout)
        self.exchanges = shown["exchanges"]
        self.queues = shown["queues"]
        _topologies.append(self)

    def queue_names(self, *roles):
        return [queue["name"] for queue in self.queues if queue["role"] in roles]

    def exchange_name(self, role):
        return next(exchange["name"] for exchange in self.exchanges if exchange["role"] == role)

    @property
    def first_queue(self):
        """The queue that exists once the topology is declared: the work queue or partition 0."""
        return next(queue["name"] for queue in self.queues
                    if queue["role"] == "work" or (queue["role"] == "partition" and queue.get("partition") == 0))

    @property
    def dead_letter_queue(self):
        return self.queue_names("dead-letter")[0]

    @property
    def events_exchange(self):
        return self.exchange_name("events")

    def depths(self, journal=False):
        """{queue: messages} for this topology's queues the broker lists; the journal stream (which
        keeps every entry) only when `journal` is true."""
        roles = self.BACKLOG_ROLES + ("dead-letter",) + (("journal",) if journal else ())
        mine = set(self.queue_names(*roles))
        return {queue: count for queue, count in queue_depths().items() if queue in mine}

    def drained(self, depths=None):
        """Whether the work, partition and retry queues are empty. A queue missing from the
        listing (a broker still recovering) is not an empty one."""
        depths = self.depths() if depths is None else depths
        backlog = sum(depths.get(queue, 0) for queue in self.queue_names(*self.BACKLOG_ROLES))
        return backlog == 0 and self.first_queue in depths

    def env(self, **extra):
        env = dict(os.environ)
        env.update(
            AMQP_URL=AMQP_URL, EVENTS_EXCHANGE=self.prefix + ".events", QUEUE_PREFIX=self.prefix,
            SYNCED_EXCHANGE=self.prefix + ".synced", RETRY_STEPS=self.retry_steps, PARTITIONS=str(self.partitions))
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def delete(self):
        """Deletes every queue and exchange of the topology (each quorum queue left behind would keep
        a Raft group running on every node of the cluster)."""
        listed = queue_depths()
        for queue in (q["name"] for q in self.queues):
            if queue in listed:
                rabbitmqctl("delete_queue", queue)
        for exchange in self.exchanges:
            rabbitmqctl(
                "eval",
                'rabbit_exchange:delete(rabbit_misc:r(<<"/">>, exchange, <<"%s">>), false, <<"bench">>).' % exchange["name"])


def _cleanup():
    for process in _children:
        if process.poll() is None:
            try:
                process.kill()
                process.wait(timeout=5)
            except Exception:
                pass
    for topology in _topologies:
        try:
            topology.delete()
        except Exception:
            pass


atexit.register(_cleanup)
for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_sig, lambda *_: sys.exit(130))


class Simulator:
    def __init__(self, port, token="bench-token", rate_limit=0, latency_ms=0, extra=(), name="simulator"):
        self.port = port
        self.token = token
        self.url = "http://127.0.0.1:%d" % port
        log_path = os.path.join(RUN_DIR, name + ".log")
        logged_before = os.path.getsize(log_path) if os.path.exists(log_path) else 0
        self.process = spawn(
            [BIN, "simulator", "--port", str(port), "--token", token, "--rate-limit", str(rate_limit),
             "--latency-ms", str(latency_ms), *extra],
            os.path.join(RUN_DIR, name + ".log"))
        # Ours answers only once its own log says it listens: another simulator already on the port
        # (another run's) must never be reset, seeded or given faults by this one.
        for _ in range(100):
            if self.process.poll() is not None:
                raise RuntimeError("the simulator exited (port %d taken by another run? BENCH_SIM_PORT moves ops/bench's; see %s)" % (port, log_path))
            with open(log_path, errors="replace") as f:
                f.seek(logged_before)
                listening = "listening on %s/" % self.url in f.read()
            try:
                if listening:
                    self.stats()
                    return
            except Exception:
                pass
            time.sleep(0.1)
        raise RuntimeError("the simulator did not start (see %s)" % log_path)

    def stats(self):
        return http_json(self.url + "/_sim/stats")

    def records(self):
        return http_json(self.url + "/_sim/accounts/%s/records" % self.token, timeout=60)

    def reset(self):
        http_json(self.url + "/_sim/reset", method="POST", body={})

    def faults(self, **faults):
        return http_json(self.url + "/_sim/faults", method="PUT", body=faults)

    def rate_limit(self, per_minute):
        return http_json(self.url + "/_sim/rate-limit", method="PUT", body={"per_minute": per_minute})

    def api(self, method, path, body=None):
        """One request to the simulator's real API (`/api/v3` + path) with the token; counted and
        rate limited like the workers' calls."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + "/api/v3" + path, data=data, method=method, headers={
            "content-type": "application/json", "authorization": "Bearer " + self.token})
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())


def stats_delta(before, after):
    """The simulator's counts between two `/_sim/stats` snapshots: {"total", "by_status": {status: n},
    "by_route": {"METHOD route": n}}, zero entries left out."""
    def tally(stats, key):
        counts = {}
        for entry in stats["requests"]:
            name = key(entry)
            counts[name] = counts.get(name, 0) + entry["count"]
        return counts

    delta = {"total": after["total"] - before["total"]}
    for field, key in (("by_status", lambda e: str(e["status"])), ("by_route", lambda e: "%s %s" % (e["method"], e["route"]))):
        then = tally(before, key)
        delta[field] = {name: count - then.get(name, 0) for name, count in tally(after, key).items()
                        if count - then.get(name, 0)}
    return delta


class Worker:
    def __init__(self, topology, simulator, metrics_port, args=(), name="worker"):
        self.topology = topology
        self.simulator = simulator
        self.metrics_port = metrics_port
        self.args = list(args)
        self.name = name
        self.cpu_before = 0.0  # CPU seconds of earlier incarnations (restarts)
        self.hwm_kib = 0
        self.start()

    def start(self):
        self.process = spawn(
            [BIN, "worker", "--metrics-host", "127.0.0.1", "--metrics-port", str(self.metrics_port), *self.args],
            os.path.join(RUN_DIR, self.name + ".log"),
            env=self.topology.env(HIPCALL_TOKEN=self.simulator.token, HIPCALL_BASE_URL=self.simulator.url))

    def wait_ready(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                urllib.request.urlopen("http://127.0.0.1:%d/readyz" % self.metrics_port, timeout=2).read()
                return True
            except Exception:
                if self.process.poll() is not None:
                    raise RuntimeError("%s exited (see its log)" % self.name)
                time.sleep(0.1)
        return False

    def metrics(self):
        """{(name, labels): value} from /metrics; {} when the worker does not answer."""
        try:
            text = http_text("http://127.0.0.1:%d/metrics" % self.metrics_port, timeout=3)
        except Exception:
            return {}
        values = {}
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            head, _, value = line.rpartition(" ")
            try:
                values[head] = float(value)
            except ValueError:
                pass
        return values

    def proc_sample(self):
        """Updates peak RSS (VmHWM) and returns CPU seconds of this and earlier incarnations."""
        pid = self.process.pid
        try:
            with open("/proc/%d/status" % pid) as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        self.hwm_kib = max(self.hwm_kib, int(line.split()[1]))
            with open("/proc/%d/stat" % pid) as stat:
                fields = stat.read().rpartition(")")[2].split()
            return self.cpu_before + (int(fields[11]) + int(fields[12])) / CLK_TCK
        except (OSError, IndexError, ValueError):
            return self.cpu_before

    def kill(self, sig=signal.SIGKILL):
        self.cpu_before = self.proc_sample()
        stop(self.process, sig)

    def restart(self):
        self.start()


def outcomes(workers):
    """Outcome counts summed over workers (from hipcall_sync_events_total)."""
    totals = {}
    for worker in workers:
        for key, value in worker.metrics().items():
            if key.startswith("hipcall_sync_events_total{"):
                outcome = key.split('outcome="', 1)[1].split('"', 1)[0]
                totals[outcome] = totals.get(outcome, 0) + value
    return totals


def gauge_sum(workers, name):
    total = 0.0
    for worker in workers:
        for key, value in worker.metrics().items():
            if key == name or key.startswith(name + "{"):
                total += value
    return total


def histogram_buckets(workers, name):
    """Cumulative bucket counts {upper bound in seconds: count} of histogram `name`, summed over
    workers (bounds from the `le` label; +Inf as float("inf")). {} when no worker exported it."""
    buckets = {}
    for worker in workers:
        for key, value in worker.metrics().items():
            if key.startswith(name + "_bucket{") and 'le="' in key:
                bound = float(key.split('le="', 1)[1].split('"', 1)[0])
                buckets[bound] = buckets.get(bound, 0) + value
    return buckets


def histogram_quantile(buckets, q):
    """The q-quantile (0 < q <= 1) of cumulative buckets {upper bound: count}, as Prometheus'
    histogram_quantile estimates it: linear interpolation inside the bucket that holds rank
    q * total, from the bucket below's bound (0 for the first bucket); the highest finite bound
    when the rank falls in the +Inf bucket. None when the histogram is empty."""
    bounds = sorted(buckets)
    total = buckets[bounds[-1]] if bounds else 0
    if not total:
        return None
    rank = q * total
    lower, below = 0.0, 0
    for bound in bounds:
        count = buckets[bound]
        if count >= rank:
            if bound == float("inf"):
                return lower
            return lower + (bound - lower) * (rank - below) / (count - below)
        lower, below = bound, count
    return lower


def publish(topology, args, name="publish", amqp_url=None):
    """Runs `hipcall-sync publish ... --json` (through `amqp_url` instead of AMQP_URL when given)
    and returns its report."""
    path = os.path.join(RUN_DIR, name + ".log")
    env = topology.env(**({"AMQP_URL": amqp_url} if amqp_url else {}))
    result = subprocess.run([BIN, "publish", "--json", *args], capture_output=True, text=True, env=env)
    with open(path, "a") as out:
        out.write(result.stdout + result.stderr)
    if result.returncode != 0:
        raise RuntimeError("publish failed (%d): %s" % (result.returncode, (result.stdout + result.stderr)[-2000:]))
    return json.loads(result.stdout.strip().splitlines()[-1])


def publish_raw(topology, routing_key, body_path, headers=None):
    """Publishes the bytes of `body_path` as one persistent message to the topology's events
    exchange with `amqp-publish` (no size limit of its own, no validation), with `headers`."""
    args = ["amqp-publish", "--url", AMQP_URL, "-e", topology.events_exchange, "-r", routing_key, "-p",
            "-C", "application/json"]
    for name, value in (headers or {}).items():
        args += ["-H", "%s: %s" % (name, value)]
    with open(body_path, "rb") as body:
        subprocess.run(args, stdin=body, check=True, timeout=120)


def wait_drained(topology, workers, published, timeout, poll=0.25):
    """Waits until every published event is settled and the work and retry queues are empty.

    Returns the seconds from the call until the first poll at which the workers' outcome counts
    (all but `retried`) reached `published` with nothing in flight, confirmed by rabbitmqctl
    (work and retry queues empty). None on timeout.
    """
    start = time.time()
    deadline = start + timeout
    candidate = None  # first poll since which the counts said "all settled" without changing
    last = None
    while time.time() < deadline:
        now = time.time()
        counts = outcomes(workers)
        settled = sum(v for k, v in counts.items() if k != "retried")
        in_flight = gauge_sum(workers, "hipcall_sync_in_flight")
        if in_flight == 0 and settled >= published:
            if candidate is None or settled != last:
                candidate = now
            last = settled
            if topology.drained():
                return candidate - start
        else:
            candidate = None
        time.sleep(poll)
    depths = topology.depths()
    log("    not drained after %.0f s: %d of %d settled, %d in flight, non-empty queues: %s" % (
        timeout, sum(v for k, v in outcomes(workers).items() if k != "retried"), published,
        gauge_sum(workers, "hipcall_sync_in_flight"), {q: n for q, n in depths.items() if n} or "none"))
    return None


def dead_letters(topology):
    return topology.depths().get(topology.dead_letter_queue, 0)


def verify(simulator, expect_files, name):
    """Runs `hipcall-sync publish verify --json` (the one convergence check) against the
    simulator's records and returns its report, also written to <name>.verify.json. The simulator's
    faults must be off: verify reads every record through the API. Raises when verify cannot run
    (exit 2: an unreadable expect file or API)."""
    args = [BIN, "publish", "verify", "--hipcall-base-url", simulator.url, "--json"]
    for path in expect_files:
        args += ["--expect", path]
    env = dict(os.environ, HIPCALL_TOKEN=simulator.token)
    env.pop("HIPCALL_TOKEN_FILE", None)
    result = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
    with open(os.path.join(RUN_DIR, name + ".verify.json"), "w") as out:
        out.write(result.stdout + result.stderr)
    if result.returncode not in (0, 1):
        raise RuntimeError("publish verify failed (%d): %s" % (result.returncode, (result.stdout + result.stderr)[-2000:]))
    return json.loads(result.stdout)


def lost_and_duplicates(report):
    """(lost, duplicates) of a verify report: keys whose record is missing or differs in a managed
    field; records beyond the first of a key, and records of no expected key."""
    lost = len(report["lost"]) + len(report["differing"])
    duplicates = sum(entry["records"] - 1 for entry in report["duplicates"]) + len(report["unexpected"])
    return lost, duplicates


def fmt(value, digits=0):
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return value
    if digits == 0:
        return "{:,}".format(int(round(value)))
    return "{:,.{}f}".format(value, digits)


def table(headers, rows):
    widths = [max([len(str(h))] + [len(str(r[i])) for r in rows]) for i, h in enumerate(headers)]
    line = "  ".join(str(h).ljust(w) for h, w in zip(headers, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    for row in rows:
        out.append("  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(row, widths))))
    return "\n".join(out)
