import Synchronization

/// The deliveries a session has dispatched and not settled, with waits for "none left" that the
/// last settlement resumes.
final class InFlightCount: Sendable {
    private struct State {
        var count = 0
        /// Opened when the count drops to 0; a new one begins when it rises from 0.
        var idle = OneTimeGate()
    }

    private let state = Mutex(State())

    /// The deliveries in flight now.
    var count: Int { state.withLock { $0.count } }

    /// Counts one more; returns the new count.
    func add() -> Int {
        state.withLock { state in
            state.count += 1
            if state.count == 1 { state.idle = OneTimeGate() }
            return state.count
        }
    }

    /// Counts one fewer, resuming the idle waits when none is left; returns the new count.
    func subtract() -> Int {
        let (count, idle) = state.withLock { state -> (Int, OneTimeGate?) in
            state.count -= 1
            return (state.count, state.count == 0 ? state.idle : nil)
        }
        idle?.open()
        return count
    }

    /// Returns once nothing is in flight, or when the task is cancelled.
    func waitUntilIdle() async {
        let idle = state.withLock { $0.count > 0 ? $0.idle : nil }
        await idle?.wait()
    }
}
