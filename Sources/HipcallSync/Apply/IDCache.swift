import Foundation
import Synchronization

/// A bounded, thread-safe map from a record's key to Hipcall's numeric id and what the fleet knows
/// of the record's fields (its ``RecordFingerprint``), in one entry, forgetting the least recently
/// used. A task can wait for a key's id (``waitForID(_:timeout:)``): setting the id, as the journal
/// follower does when another worker created the record, resumes it.
///
/// Fingerprints: this worker's own writes and reads replace the entry's (``set(_:_:fingerprint:)``);
/// one from the journal (``offer(_:_:fingerprint:)``) replaces it only when it is not older than
/// what the entry knows, so that a late journal entry cannot undo a newer local state. Forgetting
/// a fingerprint (a failed apply) counts as knowing, at that moment, that nothing is known.
final class IDCache: IDStore {
    /// One record's entry.
    struct Known: Sendable, Equatable {
        var id: Int64
        var fingerprint: RecordFingerprint?
        /// The time of the newest knowledge: the fingerprint's `observedAt`, or when one was forgotten.
        var since: Date
    }

    private struct State {
        var ids: LRUMap<SyncKey, Known>
        var nextWaiter: UInt64 = 0
        /// Tasks waiting for a key's id, by key and waiter number.
        var waiters: [SyncKey: [UInt64: CheckedContinuation<Int64?, Never>]] = [:]

        /// Removes and returns waiter `number` of `key`, if it still waits.
        mutating func removeWaiter(_ key: SyncKey, _ number: UInt64) -> CheckedContinuation<Int64?, Never>? {
            let waiter = waiters[key]?.removeValue(forKey: number)
            if waiters[key]?.isEmpty == true { waiters.removeValue(forKey: key) }
            return waiter
        }
    }

    private let state: Mutex<State>

    /// - Parameter capacity: the most ids kept; the least recently used is forgotten beyond it.
    init(capacity: Int = 10_000) {
        state = Mutex(State(ids: LRUMap(capacity: capacity)))
    }

    /// The cached Hipcall id, marking the entry as recently used.
    func get(_ key: SyncKey) -> Int64? {
        state.withLock { $0.ids.get(key)?.id }
    }

    /// The cached id and fingerprint, marking the entry as recently used.
    func known(_ key: SyncKey) -> Known? {
        state.withLock { $0.ids.get(key) }
    }

    /// Caches `hipcallID` for `key`, e.g. after a create or lookup, and resumes the tasks waiting for
    /// it. The fingerprint stays when the id does; a different id starts with none.
    func set(_ key: SyncKey, _ hipcallID: Int64) {
        update(key, hipcallID) { known in
            if let known, known.id == hipcallID { return known }
            return Known(id: hipcallID, fingerprint: nil, since: known?.since ?? .distantPast)
        }
    }

    /// Caches `hipcallID` and `fingerprint` (nil: nothing known), as this worker wrote or read the record.
    func set(_ key: SyncKey, _ hipcallID: Int64, fingerprint: RecordFingerprint?) {
        update(key, hipcallID) { _ in
            Known(id: hipcallID, fingerprint: fingerprint, since: fingerprint?.observedAt ?? Date())
        }
    }

    /// Takes `hipcallID` and `fingerprint` from the journal: the id always; the fingerprint when the
    /// entry knows of none newer (a different id: always). A nil fingerprint (a journal entry that
    /// did not say, after an earlier version applied a change) makes the entry's unknown.
    func offer(_ key: SyncKey, _ hipcallID: Int64, fingerprint: RecordFingerprint?) {
        update(key, hipcallID) { known in
            guard let known, known.id == hipcallID else {
                return Known(id: hipcallID, fingerprint: fingerprint, since: fingerprint?.observedAt ?? .distantPast)
            }
            guard let fingerprint else { return Known(id: hipcallID, fingerprint: nil, since: known.since) }
            guard fingerprint.observedAt >= known.since else { return known }
            return Known(id: hipcallID, fingerprint: fingerprint, since: fingerprint.observedAt)
        }
    }

    /// Forgets what is known of `key`'s fields, keeping its id: an apply failed, perhaps after a
    /// partial write. Journal fingerprints older than now are refused from then on.
    func forgetFingerprint(_ key: SyncKey) {
        state.withLock { state in
            guard let known = state.ids.get(key) else { return }
            state.ids.set(key, Known(id: known.id, fingerprint: nil, since: max(known.since, Date())))
        }
    }

    /// Replaces `key`'s entry by `change` of it and resumes the tasks waiting for its id.
    private func update(_ key: SyncKey, _ hipcallID: Int64, _ change: (Known?) -> Known) {
        let waiters = state.withLock { state in
            state.ids.set(key, change(state.ids.get(key)))
            return state.waiters.removeValue(forKey: key) ?? [:]
        }
        for waiter in waiters.values { waiter.resume(returning: hipcallID) }
    }

    /// Forgets `key`, e.g. after a PATCH answered 404 or the record was re-keyed.
    func remove(_ key: SyncKey) {
        state.withLock { $0.ids.remove(key) }
    }

    /// The number of cached ids.
    var count: Int {
        state.withLock { $0.ids.count }
    }

    /// The number of tasks waiting in ``waitForID(_:timeout:)``.
    var waiterCount: Int {
        state.withLock { $0.waiters.values.reduce(0) { $0 + $1.count } }
    }

    /// `key`'s id: the cached one, or the first one set within `timeout`; nil when none came in
    /// time or the task was cancelled. No polling: ``set(_:_:)`` resumes the wait.
    func waitForID(_ key: SyncKey, timeout: Duration) async -> Int64? {
        if let id = get(key) { return id }
        return await withTimeout(timeout, fallback: nil) { await self.nextID(key) }
    }

    /// Waits until `key`'s id is set (at once if it is cached); nil when the task is cancelled.
    private func nextID(_ key: SyncKey) async -> Int64? {
        let number = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Int64?, Never>) in
                // Checked under the lock, so that neither a set nor a cancellation since the
                // caller's last look can be missed.
                let immediate: Int64?? = state.withLock { state in
                    if let id = state.ids.get(key)?.id { return .some(id) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiters[key, default: [:]][number] = continuation
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            state.withLock { $0.removeWaiter(key, number) }?.resume(returning: nil)
        }
    }
}
