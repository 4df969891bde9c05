import DequeModule
import Synchronization

/// Mutual exclusion per ``SyncKey``, with FIFO hand-off to waiters.
///
/// Several keys are acquired one by one in sorted order, so two tasks locking the same pair
/// in opposite orders cannot deadlock. A key's entry exists only while it is held, so memory
/// is bounded by the number of keys in use.
///
/// Waiting is not cancellable: a cancelled task keeps its place and gets the lock once the
/// holders before it are done. The wait is bounded by those holders' own work, and making it
/// cancellable would complicate FIFO hand-off for no gain: the body can check
/// `Task.isCancelled` as soon as it runs. Because of this, no continuation is ever leaked.
///
/// A class around a `Mutex` rather than an actor, so that `withLock` can run `body` in the
/// caller's isolation without requiring it to be `Sendable`.
final class KeyedLock: Sendable {
    private struct Entry {
        var waiters: Deque<CheckedContinuation<Void, Never>> = []
    }

    private let entries = Mutex<[SyncKey: Entry]>([:])

    init() {}

    /// Runs `body` while holding every key in `keys` (duplicates are ignored).
    func withLock<T>(
        keys: [SyncKey],
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> T
    ) async rethrows -> T {
        let ordered = Set(keys).sorted()
        for key in ordered {
            await acquire(key)
        }
        defer { release(ordered) }
        return try await body()
    }

    /// The number of tasks waiting for any key.
    var waiterCount: Int {
        entries.withLock { $0.values.reduce(0) { $0 + $1.waiters.count } }
    }

    /// The number of tasks waiting for `key` (not counting the holder).
    func waitingCount(for key: SyncKey) -> Int {
        entries.withLock { $0[key]?.waiters.count ?? 0 }
    }

    /// Whether `key` is held by some task.
    func isHeld(_ key: SyncKey) -> Bool {
        entries.withLock { $0[key] != nil }
    }

    /// Takes `key` at once if free, otherwise queues and waits for a releasing holder to hand it over.
    private func acquire(_ key: SyncKey) async {
        let acquired = entries.withLock { entries in
            guard entries[key] == nil else { return false }
            entries[key] = Entry()
            return true
        }
        if acquired { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let handedOver = entries.withLock { entries in
                guard entries[key] != nil else {
                    entries[key] = Entry()
                    return true
                }
                entries[key]!.waiters.append(continuation)
                return false
            }
            if handedOver { continuation.resume() }
        }
    }

    /// Releases in reverse order; each key passes straight to its first waiter, if any.
    private func release(_ keys: [SyncKey]) {
        let next: [CheckedContinuation<Void, Never>] = entries.withLock { entries in
            keys.reversed().compactMap { key in
                if let waiter = entries[key]?.waiters.popFirst() { return waiter }
                entries.removeValue(forKey: key)
                return nil
            }
        }
        for waiter in next { waiter.resume() }
    }
}
