import Synchronization

/// The deliveries a session has dispatched and not settled, with waits for "none left" that the
/// last settlement resumes.
final class InFlightCount: Sendable {
    private struct State {
        var count = 0
        var nextWaiter = 0
        var idleWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    /// The deliveries in flight now.
    var count: Int { state.withLock { $0.count } }

    /// Counts one more; returns the new count.
    func add() -> Int {
        state.withLock { state in
            state.count += 1
            return state.count
        }
    }

    /// Counts one fewer, resuming the idle waits when none is left; returns the new count.
    func subtract() -> Int {
        let (count, waiters) = state.withLock { state -> (Int, [CheckedContinuation<Void, Never>]) in
            state.count -= 1
            guard state.count == 0 else { return (state.count, []) }
            defer { state.idleWaiters = [:] }
            return (0, Array(state.idleWaiters.values))
        }
        for waiter in waiters { waiter.resume() }
        return count
    }

    /// Returns once nothing is in flight, or when the task is cancelled.
    func waitUntilIdle() async {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let waiting = state.withLock { state in
                    guard state.count > 0, !Task.isCancelled else { return false }
                    state.idleWaiters[id] = continuation
                    return true
                }
                if !waiting { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.idleWaiters.removeValue(forKey: id) }?.resume()
        }
    }
}
