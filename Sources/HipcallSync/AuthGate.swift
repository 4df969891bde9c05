/// Holds deliveries back while Hipcall refuses the API token. One expired token is the token's
/// fault, not the messages': instead of dead-lettering the backlog, the worker stops taking
/// deliveries (they stay unacked, so the prefetch window fills and the broker stops sending),
/// reports itself not ready, and probes the API periodically until the token works again.
actor AuthGate {
    private var closed = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Whether deliveries are being held back.
    var isClosed: Bool { closed }

    /// Suspends while the gate is closed.
    func pass() async {
        guard closed else { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    /// Closes the gate; returns true for the caller that closed it (who then runs the probe loop).
    func close() -> Bool {
        guard !closed else { return false }
        closed = true
        return true
    }

    /// Opens the gate and releases every held delivery.
    func open() {
        closed = false
        let released = waiters
        waiters = []
        for waiter in released { waiter.resume() }
    }
}
