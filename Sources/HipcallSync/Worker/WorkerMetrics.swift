import Metrics

/// The worker's metrics, through swift-metrics (exported by the `worker` command as Prometheus).
public struct WorkerMetrics: Sendable {
    public init() {}

    /// Counts one event by its outcome (created, updated, unchanged, coalesced, stale, retried, dead_lettered, ...).
    func event(_ outcome: String, resource: String) {
        Counter(label: "hipcall_sync_events_total", dimensions: [("outcome", outcome), ("resource", resource)]).increment()
    }

    /// Counts a header (or property) value the worker did not use, by header name (never a value) and
    /// why: wrong_type, out_of_range, too_long, not_utf8, unparsable, untrusted, disagrees_with_body.
    func headerIgnored(_ header: String, reason: String) {
        Counter(label: "hipcall_sync_header_ignored_total", dimensions: [("header", header), ("reason", reason)]).increment()
    }

    /// Counts one delivery refused at its content header for a body over the event size limit
    /// (also counted as an event with outcome `dead_lettered`).
    func bodyRefused(resource: String) {
        Counter(label: "hipcall_sync_bodies_refused_total", dimensions: [("resource", resource)]).increment()
    }

    /// Counts one Hipcall API call by route and HTTP status (0 for a transport error).
    func apiCall(route: String, status: Int) {
        Counter(label: "hipcall_sync_api_calls_total", dimensions: [("route", route), ("status", String(status))]).increment()
    }

    /// Records how long one upsert took.
    func upsertLatency(_ duration: Duration) {
        Timer(label: "hipcall_sync_upsert_duration_seconds").recordNanoseconds(Self.nanoseconds(duration))
    }

    /// Records the time from an event's publication (the publisher's clock) to the ack of its synced delivery.
    func publishToAckLatency(_ latency: Duration) {
        Timer(label: "hipcall_sync_publish_to_ack_seconds").recordNanoseconds(Self.nanoseconds(latency))
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }

    /// The deliveries being processed now.
    func inFlight(_ count: Int) {
        Gauge(label: "hipcall_sync_in_flight").record(count)
    }

    /// Events waiting for a keyed lock.
    func lockWaiters(_ count: Int) {
        Gauge(label: "hipcall_sync_lock_waiters").record(count)
    }

    /// Records how long one call waited for its rate-limit permit (zero when it waited not at all).
    func rateLimitWait(_ wait: Duration) {
        Timer(label: "hipcall_sync_rate_limit_wait_seconds").recordNanoseconds(Self.nanoseconds(wait))
    }

    /// Counts one answer of 429 (the fleet's pacing let a call out past the budget).
    func rateLimited() {
        Counter(label: "hipcall_sync_rate_limited_total").increment()
    }

    /// How many workers this worker counts as sharing the API budget (itself included).
    func apiShare(_ workers: Int) {
        Gauge(label: "hipcall_sync_api_share_workers").record(workers)
    }

    /// The last `x-ratelimit-remaining` Hipcall sent.
    func rateLimitRemaining(_ remaining: Int) {
        Gauge(label: "hipcall_sync_rate_limit_remaining").record(remaining)
    }

    /// 1 while Hipcall refuses the token and consumption is paused.
    func authPaused(_ paused: Bool) {
        Gauge(label: "hipcall_sync_auth_paused").record(paused ? 1 : 0)
    }

    /// 1 while `HIPCALL_BASE_URL` is not Hipcall's API root and consumption is paused.
    func misconfigured(_ paused: Bool) {
        Gauge(label: "hipcall_sync_misconfigured").record(paused ? 1 : 0)
    }

    /// 1 while RabbitMQ blocks one of the worker's connections (a memory or disk alarm), 0 otherwise.
    func brokerBlocked(_ blocked: Bool) {
        Gauge(label: "hipcall_sync_broker_blocked").record(blocked ? 1 : 0)
    }

    /// 1 while this worker is the active consumer of partition `partition`, 0 while it stands by.
    func partitionActive(_ partition: Int, _ active: Bool) {
        Gauge(label: "hipcall_sync_partition_active", dimensions: [("partition", String(partition))]).record(active ? 1 : 0)
    }

    /// How many live workers (this one included) this worker counted in its last balancing round.
    func partitionWorkers(_ count: Int) {
        Gauge(label: "hipcall_sync_partition_workers").record(count)
    }
}
