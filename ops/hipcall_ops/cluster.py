"""The three-node cluster of ops/cluster seen from ops/chaos and ops/bench: its nodes, which node
holds a topology's quorum queue leaders, which node the workers' connections are on, node kills
and restarts through ops/cluster itself, and the time from a fault to the first ack after it."""
import os
import subprocess
import time

from . import harness as h

CLUSTER_SCRIPT = os.path.join(h.ROOT, "ops", "cluster")
NODES = ("c1", "c2", "c3")


def node_name(node):
    return "hipcall-%s@localhost" % node


def node_port(node):
    return int(os.environ.get("HIPCALL_CLUSTER_BASE_PORT", "5680")) + int(node[1:])


def urls(nodes=NODES):
    """The AMQP_URL list of `nodes`."""
    return ",".join("amqp://guest:guest@127.0.0.1:%d/%%2F" % node_port(n) for n in nodes)


def away_from(node):
    """(node, the other nodes): a fault on `node` with the publisher kept off it."""
    return node, [n for n in NODES if n != node]


def run(command, node=None, timeout=300):
    """Runs `ops/cluster COMMAND [NODE]`; raises when it fails (a node that did not come back)."""
    argv = [CLUSTER_SCRIPT, command] + ([node] if node else [])
    result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError("ops/cluster %s %s failed (%d): %s" % (command, node or "", result.returncode,
                                                                   (result.stdout + result.stderr)[-1500:]))
    return result.stdout


def leader_node(topology):
    """The node holding most of the topology's quorum queue leaders (c1..c3), or None when none is
    listed (a leader election under way)."""
    mine = set(topology.queue_names("work", "partition"))
    counts = {}
    for line in h.rabbitmqctl("list_queues", "name", "leader").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in mine:
            node = next((n for n in NODES if parts[1] == node_name(n)), None)
            if node:
                counts[node] = counts.get(node, 0) + 1
    return max(counts, key=counts.get) if counts else None


def busiest_node():
    """The node with most client connections (the workers' consumers and publishers), or None."""
    counts = {}
    for line in h.rabbitmqctl("list_connections", "port").splitlines():
        node = next((n for n in NODES if line.strip() == str(node_port(n))), None)
        if node:
            counts[node] = counts.get(node, 0) + 1
    return max(counts, key=counts.get) if counts else None


def acked(workers):
    """Deliveries the workers acked, summed from their metrics: every outcome, a retry (acked once
    its copy in a retry queue was confirmed) included."""
    return sum(h.outcomes(workers).values())


def unacked(topology):
    """Deliveries of the topology's queues the broker has sent and not yet had acked."""
    mine = set(topology.queue_names(*h.Topology.BACKLOG_ROLES))
    total = 0
    for line in h.rabbitmqctl("list_queues", "name", "messages_unacknowledged").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in mine and parts[1].isdigit():
            total += int(parts[1])
    return total


class AckClock:
    """Time from a fault to the first ack after it, as the workers see it: taken before the fault,
    the broker's unacknowledged deliveries (those may still be acked without a new delivery) and the
    workers' acked count; after it, the first poll of the workers' metrics at which their acked
    count exceeds both together is the first ack of a delivery made after the fault."""

    def __init__(self, topology, workers):
        self.workers = workers
        held = unacked(topology)
        self.threshold = acked(workers) + held + h.gauge_sum(workers, "hipcall_sync_in_flight")

    def start(self):
        """Marks the fault (call as it starts)."""
        self.fault_at = time.time()

    def first_ack(self, timeout=90, poll=0.2):
        """Seconds from the fault to the first ack after it; None after `timeout`."""
        deadline = self.fault_at + timeout
        while time.time() < deadline:
            if acked(self.workers) > self.threshold:
                return time.time() - self.fault_at
            time.sleep(poll)
        return None
