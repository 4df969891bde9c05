import Foundation

/// The metric names the worker exports (read from WorkerMetrics.swift) and the RabbitMQ names the
/// ops files may use.
enum MetricCatalog {
    /// label → swift-metrics type (Counter, Gauge, Timer, Recorder, ...), from the source.
    static func workerMetrics() throws -> [String: String] {
        let source = try Repository.text("Sources/HipcallSync/Worker/WorkerMetrics.swift")
        let regex = try NSRegularExpression(pattern: #"\b(Counter|FloatingPointCounter|Gauge|Meter|Timer|Recorder)\(label: "([a-zA-Z_:][a-zA-Z0-9_:]*)""#)
        var metrics: [String: String] = [:]
        for match in regex.matches(in: source, range: NSRange(source.startIndex..., in: source)) {
            guard let type = Range(match.range(at: 1), in: source), let name = Range(match.range(at: 2), in: source) else { continue }
            metrics[String(source[name])] = String(source[type])
        }
        return metrics
    }

    /// The gauges `reconcile` writes or pushes (read from ReconcileMetrics.swift): queries may use
    /// them; they are not the worker's, so no dashboard must show them.
    static func reconcileMetrics() throws -> Set<String> {
        let source = try Repository.text("Sources/hipcall-sync/Reconcile/ReconcileMetrics.swift")
        return Set(matches(of: #"static let name = "(hipcall_sync_[a-z0-9_]+)""#, in: source))
    }

    /// Every series name a query may use: swift-prometheus exports Timer (and aggregating
    /// Recorder) as histograms with _bucket, _sum and _count series; reconcile's gauges too.
    static func workerSeries() throws -> Set<String> {
        var series = try reconcileMetrics()
        for (name, type) in try workerMetrics() {
            series.insert(name)
            if type == "Timer" || type == "Recorder" {
                series.formUnion(["_bucket", "_sum", "_count"].map { name + $0 })
            }
        }
        return series
    }

    /// The `hipcall_sync_*` names in a text.
    static func workerNames(in text: String) -> Set<String> {
        Set(matches(of: #"(?<![A-Za-z0-9_])(hipcall_sync_[a-z0-9_]+)"#, in: text))
    }

    /// The `rabbitmq_*` names in a text.
    static func rabbitMQNames(in text: String) -> Set<String> {
        Set(matches(of: #"(?<![A-Za-z0-9_])(rabbitmq_[a-z0-9_]+)"#, in: text))
    }

    /// Queue metrics of the rabbitmq_prometheus plugin (per-object, labels vhost and queue) that
    /// these files may use; a name outside this list is a typo until someone checks and adds it.
    static let rabbitMQSeries: Set<String> = [
        "rabbitmq_queue_messages", "rabbitmq_queue_messages_ready", "rabbitmq_queue_messages_unacked",
        "rabbitmq_queue_consumers", "rabbitmq_queue_consumer_utilisation", "rabbitmq_queue_messages_published_total",
        "rabbitmq_queue_process_memory_bytes", "rabbitmq_queue_messages_bytes",
        // Per quorum-queue member, from every node hosting one.
        "rabbitmq_raft_term_total", "rabbitmq_raft_log_commit_index",
    ]

    /// Queue names in label matchers (`queue="…"`) of a query.
    static func queueNames(in text: String) -> Set<String> {
        Set(matches(of: #"queue="([^"]+)""#, in: text))
    }
}
