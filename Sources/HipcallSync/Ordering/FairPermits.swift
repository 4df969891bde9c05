import DequeModule
import Synchronization

/// A counting semaphore whose waiters are served first come, first served, those that asked to go
/// ahead before the others. The worker uses one to bound the deliveries it holds (a partition's
/// consumer loop takes a permit before it dispatches, so it dispatches in delivery order and waits
/// without reordering) and one to bound the upserts that talk to Hipcall at once (companies go
/// ahead: a contact needs its company to exist).
final class FairPermits: Sendable {
    private let state: Mutex<State>

    /// Free permits and the waiters queued for one.
    private struct State {
        var available: Int
        var waiters: Deque<CheckedContinuation<Void, Never>> = []
        var waitersAhead: Deque<CheckedContinuation<Void, Never>> = []
    }

    init(_ count: Int) {
        state = Mutex(State(available: count))
    }

    /// How many tasks wait for a permit.
    var waiterCount: Int {
        state.withLock { $0.waiters.count + $0.waitersAhead.count }
    }

    /// Waits for a permit. Not cancellable: permits come back as their holders finish, which they
    /// do after a cancellation too.
    func acquire(ahead: Bool = false) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state in
                guard state.available > 0 else {
                    if ahead { state.waitersAhead.append(continuation) } else { state.waiters.append(continuation) }
                    return false
                }
                state.available -= 1
                return true
            }
            if granted { continuation.resume() }
        }
    }

    /// Returns a permit, handing it straight to the longest waiter if there is one (ahead ones first).
    func release() {
        let waiter = state.withLock { state in
            guard let waiter = state.waitersAhead.popFirst() ?? state.waiters.popFirst() else {
                state.available += 1
                return nil as CheckedContinuation<Void, Never>?
            }
            return waiter
        }
        waiter?.resume()
    }
}
