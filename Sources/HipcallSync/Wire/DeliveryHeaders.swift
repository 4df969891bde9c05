import AMQPClient
import Foundation

/// What the worker takes from one delivery's headers and properties, read once through
/// ``HeaderReader``, with the trust rules for headers a publisher can forge:
///
/// - The retry state (`x-hipcall-routing-key`, `x-hipcall-attempts`, `x-hipcall-first-failed-at`)
///   counts only on a message that came back from one of the topology's own retry queues: delivered
///   through the default exchange with the routing key of the queue that retry queue returns to,
///   the newest `x-death` naming that retry queue with reason `expired`. A message published to
///   `crm.events` is never such a delivery (its `exchange` is `crm.events`). On any other message
///   the attempts and first failure are ignored (`untrusted`): a forged `x-hipcall-attempts` of
///   `Int64.max` starts at 0 like any fresh event, and dead-letters nothing.
/// - A fresh message's own routing key counts. An `x-hipcall-routing-key` on it that names a
///   different key is reported as ``forgedRoutingKey`` (the event is dead-lettered naming the
///   header, never decoded as the other resource).
/// - `x-hipcall-key` is only compared with the body (``keyMismatch(for:)``): the body names the record.
package struct DeliveryHeaders: Sendable {
    /// The most attempts read from `x-hipcall-attempts`; the worker never writes more than its
    /// retry policy's few, so anything above is corrupt and ignored.
    package static let maxAttempts: Int64 = 1_000
    /// The longest routing key AMQP carries (a short string).
    public static let maxRoutingKeyBytes = 255
    /// The longest `x-hipcall-key` read: a resource, a colon and 255 characters of up to 4 bytes.
    static let maxRecordKeyBytes = 2048

    /// Whether the message came back from one of the topology's retry queues.
    let isRetryReturn: Bool
    /// The routing key the event is judged by: the original one of a retried message, else the delivery's.
    let routingKey: String
    /// A fresh message's `x-hipcall-routing-key` that differs from its routing key; nil otherwise.
    let forgedRoutingKey: String?
    /// The attempts already made: 0 for a fresh message, at most ``maxAttempts``.
    package let attempts: Int
    /// When a retried message first failed; nil for a fresh one.
    let firstFailedAt: Date?
    /// The `x-hipcall-key` the publisher set, if readable.
    let recordKey: String?
    /// The publish time in Unix milliseconds (see ``PublishedAt``).
    package let publishedAt: Int64?
    /// Whether the event is a repair (``SyncHeaders/repair``): its record is written past any fingerprint.
    let isRepair: Bool
    /// The headers (and properties) present but not used, and why.
    let ignored: [IgnoredHeader]

    /// Reads a delivery's headers for `topology`.
    init(_ delivery: AMQPDelivery, topology: SyncTopology) {
        self.init(
            headers: delivery.headers, timestamp: delivery.properties.timestamp, exchange: delivery.exchange,
            routingKey: delivery.routingKey, topology: topology)
    }

    /// Reads the headers of a message delivered from `exchange` with `routingKey`.
    package init(headers: AMQPTable, timestamp: UInt64?, exchange: String, routingKey deliveryKey: String, topology: SyncTopology) {
        var reader = HeaderReader(headers)
        let deaths = reader.deaths()
        let isRetryReturn =
            exchange.isEmpty
            && deaths.first.map { $0.reason == "expired" && topology.isRetryReturn(from: $0.queue, routingKey: deliveryKey) } == true
        self.isRetryReturn = isRetryReturn
        let original = reader.text(SyncHeaders.originalRoutingKey, maxBytes: Self.maxRoutingKeyBytes)
        if isRetryReturn {
            routingKey = original ?? deliveryKey
            forgedRoutingKey = nil
            attempts = Int(reader.integer(SyncHeaders.attempts, in: 0...Self.maxAttempts) ?? 0)
            firstFailedAt = reader.instant(SyncHeaders.firstFailedAt)
        } else {
            routingKey = deliveryKey
            forgedRoutingKey = original.flatMap { $0 == deliveryKey ? nil : $0 }
            for name in [SyncHeaders.attempts, SyncHeaders.firstFailedAt] where reader.contains(name) {
                reader.ignore(name, .untrusted)
            }
            attempts = 0
            firstFailedAt = nil
        }
        recordKey = reader.text(SyncHeaders.key, maxBytes: Self.maxRecordKeyBytes)
        isRepair = reader.contains(SyncHeaders.repair)
        publishedAt = PublishedAt.milliseconds(&reader, timestamp: timestamp)
        ignored = reader.ignored
    }

    /// The `x-hipcall-key` found to name another record than `event` (after normalising its
    /// external id as the body's is); nil when it is absent, unreadable or agrees.
    func keyMismatch(for event: SyncEvent) -> IgnoredHeader? {
        guard let recordKey else { return nil }
        let agrees: Bool
        if let colon = recordKey.firstIndex(of: ":") {
            let resource = recordKey[..<colon]
            let externalID = recordKey[recordKey.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            agrees = resource == event.resource.rawValue && externalID == event.externalID
        } else {
            agrees = false
        }
        return agrees ? nil : IgnoredHeader(header: SyncHeaders.key, problem: .disagreesWithBody)
    }
}
