import AMQPClient
import ServiceLifecycle
import Synchronization

/// The shared work queue as a ``DeliverySource``: every delivery is dispatched, except once
/// graceful shutdown began (then it goes straight back to the queue).
struct SharedQueueSource: DeliverySource {
    /// Set by the session's pause watcher when it ended the subscription after a long pause.
    let pausedTooLong: SessionFlag

    var partition: Int? { nil }

    func arrived(_ delivery: AMQPDelivery) async -> Bool { true }

    func admit() -> Admission {
        Task.isShuttingDownGracefully ? .requeue : .dispatch
    }

    func settled() async {}

    func end(after error: (any Error)?) -> SubscriptionEnd {
        if let error { return .failed(error) }
        if Task.isShuttingDownGracefully { return .shutdown }
        // After a long pause the held deliveries were given back at once: the rest finish.
        return pausedTooLong.isSet ? .closed : .cancelledByBroker
    }
}

/// Set once by a session's pause watcher when it ended the subscription.
final class SessionFlag: Sendable {
    private let value = Mutex(false)
    /// Raises the flag.
    func set() { value.withLock { $0 = true } }
    /// Whether the flag was raised.
    var isSet: Bool { value.withLock { $0 } }
}
