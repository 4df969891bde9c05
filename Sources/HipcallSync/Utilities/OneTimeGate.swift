import Synchronization

/// A one-way gate that opens once: tasks wait at it until ``open()`` (or their cancellation, or a
/// bound), without polling. The rate limiter holds all but its first call at one until Hipcall's
/// first answer; the scan ledger opens one at each change of its state and begins a new one.
final class OneTimeGate: Sendable {
    private struct State {
        var isOpen = false
        var nextWaiter: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    /// Whether the gate has opened.
    var isOpen: Bool { state.withLock { $0.isOpen } }

    /// Opens the gate for good, resuming every waiter.
    func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters = [:] }
            return state.waiters
        }
        for waiter in waiters.values { waiter.resume() }
    }

    /// Returns once the gate is open or the task is cancelled.
    func wait() async {
        let number = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                // Checked under the lock, so that neither an opening nor a cancellation can be missed.
                let now = state.withLock { state in
                    if state.isOpen || Task.isCancelled { return true }
                    state.waiters[number] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: number) }?.resume()
        }
    }

    /// Returns once the gate is open, the task is cancelled, or `bound` has passed.
    func wait(atMost bound: Duration) async {
        await withTimeout(bound, fallback: ()) { await self.wait() }
    }
}

/// A gate that opens at each change of some state and is replaced by a fresh one: waiters take the
/// current gate under the state's lock, then wait at it outside, so no change can be missed.
struct ChangeGate: Sendable {
    /// The gate the next change opens.
    private(set) var current = OneTimeGate()

    /// Begins a new gate and returns the one to open (outside the lock) for whoever waits at it.
    mutating func change() -> OneTimeGate {
        defer { current = OneTimeGate() }
        return current
    }
}
