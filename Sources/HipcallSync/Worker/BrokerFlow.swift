import Synchronization

/// Which of the worker's broker connections RabbitMQ blocks now (a memory or disk alarm blocks every
/// connection that publishes), for `/readyz` and the `hipcall_sync_broker_blocked` gauge.
final class BrokerFlow: Sendable {
    private struct State {
        var nextConnection = 0
        /// The broker's reason, by connection, for each connection it blocks.
        var blocked: [Int: String] = [:]
    }

    private let state = Mutex(State())
    private let metrics: WorkerMetrics

    init(metrics: WorkerMetrics) {
        self.metrics = metrics
    }

    /// A callback for one new connection's `onFlowChange`: it records that connection's blocks and unblocks.
    func observer() -> @Sendable (String?) -> Void {
        let connection = state.withLock { state in
            state.nextConnection += 1
            return state.nextConnection
        }
        return { [self] reason in update(connection, reason: reason) }
    }

    /// The broker's reason while it blocks any of the worker's connections, `nil` while it blocks none.
    var blockedReason: String? {
        state.withLock { $0.blocked.values.min() }
    }

    private func update(_ connection: Int, reason: String?) {
        state.withLock { state in
            state.blocked[connection] = reason
            // Under the lock, so two connections' changes cannot reach the gauge out of order.
            metrics.brokerBlocked(!state.blocked.isEmpty)
        }
    }
}
