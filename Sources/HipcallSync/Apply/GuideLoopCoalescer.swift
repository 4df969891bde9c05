import Synchronization

/// The guide's plain loop, the benchmark's baseline: every event is applied, one at a time per
/// record in the order its lock was asked for, as soon as an upsert slot is free (`ready`): no
/// linger, no stale check, nothing coalesced.
final class GuideLoopCoalescer: EventCoalescing {
    private struct State {
        /// How many submitted events per key are not yet applied.
        var pending: [SyncKey: Int] = [:]
        /// Callers of ``waitUntilSettled(_:)``, by the key they wait for.
        var settledWaiters: [SyncKey: [CheckedContinuation<Void, Never>]] = [:]
    }

    let lock: KeyedLock
    /// Awaited with the lock held, before applying; returns the function that ends the wait's claim
    /// (e.g. releases an upsert slot) once the event is applied.
    private let ready: @Sendable (SyncEvent) async -> @Sendable () -> Void
    private let state = Mutex(State())

    init(lock: KeyedLock = KeyedLock(), ready: @escaping @Sendable (SyncEvent) async -> @Sendable () -> Void = { _ in {} }) {
        self.lock = lock
        self.ready = ready
    }

    func submit(
        _ event: SyncEvent, reserved: CoalescingReservation?, apply: (SyncEvent) async throws(SyncFailure) -> Void
    ) async -> CoalescingOutcome {
        state.withLock { $0.pending[event.key, default: 0] += 1 }
        return await lock.withLock(keys: event.lockKeys) {
            let done = await ready(event)
            defer {
                settle(event.key)
                done()
            }
            do throws(SyncFailure) {
                try await apply(event)
                return .applied(supersededEventIDs: [])
            } catch {
                return .failed(error, supersededEventIDs: [])
            }
        }
    }

    /// Nothing is coalesced: no event steps aside for another.
    func reserve(_ event: SyncEvent) async -> CoalescingReservation? { nil }

    func withdraw(_ reservation: CoalescingReservation, of event: SyncEvent) async {}

    func waitUntilSettled(_ key: SyncKey) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let settled = state.withLock { state in
                guard state.pending[key] != nil else { return true }
                state.settledWaiters[key, default: []].append(continuation)
                return false
            }
            if settled { continuation.resume() }
        }
    }

    var lockWaiterCount: Int { lock.waiterCount }

    /// The number of events submitted and not yet applied.
    var pendingCount: Int {
        state.withLock { $0.pending.values.reduce(0, +) }
    }

    /// Marks one event for `key` as applied; resumes the key's settled waiters when it was the last.
    private func settle(_ key: SyncKey) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.pending[key]! -= 1
            guard state.pending[key] == 0 else { return [] }
            state.pending.removeValue(forKey: key)
            return state.settledWaiters.removeValue(forKey: key) ?? []
        }
        for waiter in waiters { waiter.resume() }
    }
}
