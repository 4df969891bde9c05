import AMQPClient
import Synchronization

/// The workers this worker has heard from lately: every worker sends a heartbeat to the presence
/// fanout each balancing round, and every worker has a private queue bound to it, so each one hears
/// every live worker within a round however deep the partition queues are. (The broker's own consumer
/// count does not help: for a single-active-consumer quorum queue, `queue.declare-ok` counts only the
/// active one.)
final class PeerSet: Sendable {
    /// This worker's id, carried in its probes.
    let me: String
    private let lastHeard = Mutex<[String: ContinuousClock.Instant]>([:])

    /// - Parameter me: this worker's id (``SyncWorker/id``).
    init(me: String) {
        self.me = me
    }

    /// Records a probe from worker `id`.
    func heard(_ id: String) {
        lastHeard.withLock { $0[id] = .now }
    }

    /// Records the sender of a probe or heartbeat, if it names one.
    func heard(from message: AMQPDelivery) {
        if let sender = Self.sender(of: message) { heard(sender) }
    }

    /// The other workers heard from (and not forgotten) so far.
    var others: [String] {
        lastHeard.withLock { Array($0.keys.filter { $0 != self.me }) }
    }

    /// Stops counting worker `id` (it is gone) until it is heard again.
    func forget(_ id: String) {
        lastHeard.withLock { _ = $0.removeValue(forKey: id) }
    }

    /// The workers heard from within `window` before `now`, this one included.
    func count(at now: ContinuousClock.Instant, window: Duration) -> Int {
        lastHeard.withLock { heard in
            heard = heard.filter { now - $0.value < window }
            return heard.keys.filter { $0 != me }.count + 1
        }
    }

    /// The worker id a probe or heartbeat carries; nil when its header is absent, empty or unusable.
    private static func sender(of message: AMQPDelivery) -> String? {
        var reader = HeaderReader(message.headers)
        return reader.text(SyncHeaders.probe, maxBytes: DeliveryHeaders.maxRoutingKeyBytes).flatMap { $0.isEmpty ? nil : $0 }
    }
}
