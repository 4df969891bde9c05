import Foundation

/// What happened to one submitted event, telling the caller whether to ack or take the failure path.
enum CoalescingOutcome: Sendable, Equatable {
    /// This event was applied and succeeded: ack it. `supersededEventIDs` were absorbed into it.
    case applied(supersededEventIDs: [String])
    /// This event was applied and failed: take the failure path. The absorbed events share this outcome.
    case failed(SyncFailure, supersededEventIDs: [String])
    /// This process already applied a newer (or this very) change to the record: ack without an API call.
    case stale
    /// A newer event for the same record, waiting behind this one, was applied instead.
    /// Follow its result: ack when `failure` is nil, the failure path with `failure` otherwise.
    case coalesced(intoEventID: String, failure: SyncFailure?)

    /// Whether the caller should ack its delivery.
    var shouldAck: Bool {
        switch self {
        case .applied, .stale: true
        case .failed: false
        case .coalesced(_, let failure): failure == nil
        }
    }
}

/// Serialises events per record and skips work made pointless by newer events.
///
/// Every event holds the ``KeyedLock`` for its ``SyncEvent/lockKeys`` while it is decided and applied.
/// Once it holds the lock it lingers until `linger` has passed since it arrived (a backlog arrives
/// as one burst of deliveries: the rest of its record's events in that burst join it meanwhile),
/// then waits for the `ready` hook (the worker's: a free upsert slot and an open rate-limit budget),
/// so that the decision is taken as late as possible: events for the same record that arrive
/// meanwhile are still absorbed. Then it is decided in this order:
/// 1. **Stale**: this process already applied, for the same key, a change with a later
///    `occurred_at`, or this very event id at the same `occurred_at` → ``CoalescingOutcome/stale``.
/// 2. **Coalesced**: another event for the same key is still waiting and is newer
///    (later `occurred_at`, or equal and arrived later) → this one steps aside and its
///    `submit` returns the newest waiter's result once that has been applied. Re-key events
///    (with `previousExternalID`) are never absorbed, since a newer plain event cannot re-key.
/// 3. Otherwise it is **applied**; events that stepped aside for it share its result
///    (or are stale too, if it turns out stale when its turn comes).
///
/// Nothing is acked unless the applied event succeeded. The last applied `occurred_at` per key
/// is kept in a bounded LRU, fed by this process and, through ``remember(_:)``,
/// by the fleet's journal; a forgotten key only loses the stale check. The guide's loop, which
/// applies every event, is ``GuideLoopCoalescer``.
actor Coalescer: EventCoalescing {
    /// What a follower learns: `.coalesced` with the winner's result, or `.stale` if the winner was.
    private typealias WinnerResult = CoalescingOutcome

    private struct Pending {
        let sequence: UInt64
        let event: SyncEvent
        /// Events that stepped aside for this one: their sequence numbers and event ids.
        var followers: [(sequence: UInt64, eventID: String)] = []
    }

    private struct Applied: Sendable {
        let occurredAt: Date
        let eventID: String
    }

    let lock: KeyedLock
    /// How long after its arrival an event is decided at the earliest.
    let linger: Duration
    /// Awaited with the lock held, before deciding; returns the function that ends the wait's claim
    /// (e.g. releases an upsert slot) once the event is decided and applied.
    private let ready: @Sendable (SyncEvent) async -> @Sendable () -> Void
    /// In the shared mode, the newer events of a record other workers hold (see ``HeldElsewhere``).
    private let heldElsewhere: HeldElsewhere?
    private var pending: [SyncKey: [UInt64: Pending]] = [:]
    private var lastApplied: LRUMap<SyncKey, Applied>
    private var nextSequence: UInt64 = 0
    /// Results delivered to followers that were not yet waiting for them.
    private var deliveredResults: [UInt64: WinnerResult] = [:]
    /// Followers waiting for their winner's result.
    private var waitingFollowers: [UInt64: CheckedContinuation<WinnerResult, Never>] = [:]
    /// Callers of ``waitUntilSettled(_:)``, by the key they wait for.
    private var settledWaiters: [SyncKey: [CheckedContinuation<Void, Never>]] = [:]

    /// - Parameters:
    ///   - lock: the per-key lock, shared with anything else that writes these records.
    ///   - lastAppliedCapacity: how many keys' last applied time to remember.
    ///   - linger: how long after its arrival an event is decided at the earliest.
    ///   - ready: awaited before each decision; its result is called once the decision is carried out.
    init(
        lock: KeyedLock = KeyedLock(), lastAppliedCapacity: Int = 100_000, linger: Duration = .zero,
        ready: @escaping @Sendable (SyncEvent) async -> @Sendable () -> Void = { _ in {} }, heldElsewhere: HeldElsewhere? = nil
    ) {
        self.heldElsewhere = heldElsewhere
        self.lock = lock
        self.linger = linger
        self.ready = ready
        self.lastApplied = LRUMap(capacity: lastAppliedCapacity)
    }

    /// Decides `event`'s fate and, if it is to be applied, runs `apply` while holding its keys.
    nonisolated func submit(
        _ event: SyncEvent, reserved: CoalescingReservation?,
        apply: (SyncEvent) async throws(SyncFailure) -> Void
    ) async -> CoalescingOutcome {
        let earliestDecision = ContinuousClock.now + linger
        let sequence: UInt64
        if let reserved { sequence = reserved.sequence } else { sequence = await register(event) }
        let ready = self.ready
        let decision: Decision = await lock.withLock(keys: event.lockKeys) {
            if ContinuousClock.now < earliestDecision {
                try? await Task.sleep(until: earliestDecision, clock: .continuous)
            }
            var done = await ready(event)
            if let held = self.heldElsewhere, await self.isNewestPending(event, sequence: sequence), held.newer(than: event) != nil {
                // Another worker holds a newer event of the record: give the slot back and wait for the
                // journal to show it applied (then this one is stale), at most `held.wait`.
                done()
                await held.awaitNewer(than: event, until: .now + held.wait)
                done = await ready(event)
            }
            defer { done() }
            let decision = await self.decide(event, sequence: sequence)
            guard case .apply = decision else { return decision }
            var failure: SyncFailure?
            do throws(SyncFailure) {
                try await apply(event)
            } catch {
                failure = error
            }
            return await self.finish(event, sequence: sequence, failure: failure)
        }
        switch decision {
        case .apply(let outcome): return outcome
        case .stale: return .stale
        case .stepAside:
            return await waitForWinner(sequence)
        }
    }

    /// Takes in changes another worker (or an earlier life of this one) applied, from the journal
    /// (a journal message's batch at once): older events for their keys then count as stale here too.
    func remember(_ changes: [(key: SyncKey, occurredAt: Date, eventID: String)]) {
        for change in changes {
            noteApplied(change.key, occurredAt: change.occurredAt, eventID: change.eventID, replacingEqual: false)
        }
    }

    func reserve(_ event: SyncEvent) -> CoalescingReservation? {
        CoalescingReservation(sequence: register(event))
    }

    func withdraw(_ reservation: CoalescingReservation, of event: SyncEvent) {
        let followers = removePending(event.key, reservation.sequence)?.followers ?? []
        deliver(.coalesced(intoEventID: event.eventID, failure: .cancelled), to: followers)
    }

    func waitUntilSettled(_ key: SyncKey) async {
        guard pending[key] != nil else { return }
        await withCheckedContinuation { settledWaiters[key, default: []].append($0) }
    }

    /// The number of events submitted and not yet decided, for a metric.
    var pendingCount: Int {
        pending.values.reduce(0) { $0 + $1.count }
    }

    nonisolated var lockWaiterCount: Int { lock.waiterCount }

    private enum Decision: Sendable {
        case apply(CoalescingOutcome)
        case stale
        case stepAside
    }

    private func register(_ event: SyncEvent) -> UInt64 {
        nextSequence += 1
        pending[event.key, default: [:]][nextSequence] = Pending(sequence: nextSequence, event: event)
        return nextSequence
    }

    /// Called with the lock held: stale, step aside, or apply (the entry stays pending until `finish`).
    private func decide(_ event: SyncEvent, sequence: UInt64) -> Decision {
        let key = event.key
        if let last = lastApplied.get(key),
            event.occurredAt < last.occurredAt
                || (event.occurredAt == last.occurredAt && event.eventID == last.eventID)
        {
            // Events that stepped aside for this one are older still: stale too.
            deliver(.stale, to: removePending(key, sequence)?.followers ?? [])
            return .stale
        }
        guard event.previousExternalID == nil, let entries = pending[key] else {
            return .apply(.applied(supersededEventIDs: []))
        }
        let newest = entries.values.max { isOlder($0, than: $1) }!
        guard newest.sequence != sequence else { return .apply(.applied(supersededEventIDs: [])) }
        let stepping = removePending(key, sequence)!
        pending[key]![newest.sequence]!.followers += stepping.followers + [(sequence, event.eventID)]
        return .stepAside
    }

    /// Whether `sequence` is the newest event of its record waiting here: the one ``decide(_:sequence:)``
    /// would apply (an older one steps aside for it and need not wait for anything).
    private func isNewestPending(_ event: SyncEvent, sequence: UInt64) -> Bool {
        guard let entries = pending[event.key] else { return false }
        return entries.values.max { isOlder($0, than: $1) }?.sequence == sequence
    }

    private func isOlder(_ a: Pending, than b: Pending) -> Bool {
        if a.event.occurredAt != b.event.occurredAt { return a.event.occurredAt < b.event.occurredAt }
        return a.sequence < b.sequence
    }

    /// The result of the event that `sequence` stepped aside for, waiting if it is not known yet.
    private func waitForWinner(_ sequence: UInt64) async -> WinnerResult {
        if let result = deliveredResults.removeValue(forKey: sequence) { return result }
        return await withCheckedContinuation { continuation in
            waitingFollowers[sequence] = continuation
        }
    }

    /// Records the applied event's result, resumes its followers and builds its outcome.
    private func finish(_ event: SyncEvent, sequence: UInt64, failure: SyncFailure?) -> Decision {
        let key = event.key
        let followers = removePending(key, sequence)?.followers ?? []
        // A re-key event may be applied after a newer one: keep the newest time.
        if failure == nil {
            noteApplied(key, occurredAt: event.occurredAt, eventID: event.eventID, replacingEqual: true)
        }
        deliver(.coalesced(intoEventID: event.eventID, failure: failure), to: followers)
        let ids = followers.map(\.eventID)
        guard let failure else { return .apply(.applied(supersededEventIDs: ids)) }
        return .apply(.failed(failure, supersededEventIDs: ids))
    }

    /// Keeps the newest applied time per key; an equal time replaces the entry only when `replacingEqual`
    /// (this process's own apply does, a journal entry read later does not).
    private func noteApplied(_ key: SyncKey, occurredAt: Date, eventID: String, replacingEqual: Bool) {
        let last = lastApplied.get(key)?.occurredAt ?? .distantPast
        guard last < occurredAt || (replacingEqual && last == occurredAt) else { return }
        lastApplied.set(key, Applied(occurredAt: occurredAt, eventID: eventID))
    }

    /// Hands `outcome` to each follower, now or when it starts waiting.
    private func deliver(_ outcome: CoalescingOutcome, to followers: [(sequence: UInt64, eventID: String)]) {
        for follower in followers {
            if let continuation = waitingFollowers.removeValue(forKey: follower.sequence) {
                continuation.resume(returning: outcome)
            } else {
                deliveredResults[follower.sequence] = outcome
            }
        }
    }

    private func removePending(_ key: SyncKey, _ sequence: UInt64) -> Pending? {
        let removed = pending[key]?.removeValue(forKey: sequence)
        if pending[key]?.isEmpty == true {
            pending.removeValue(forKey: key)
            for waiter in settledWaiters.removeValue(forKey: key) ?? [] { waiter.resume() }
        }
        return removed
    }
}
