/// Serialises a worker's events per record and decides which of them to apply: the engine's
/// ``Coalescer`` or the guide's loop (``GuideLoopCoalescer``), as the worker's ``ApplyStrategy`` chose.
protocol EventCoalescing: Sendable {
    /// Registers `event` as waiting for its record before it is submitted: while its delivery waits
    /// for something else first (a scan, its company), older events of the record step aside for it
    /// instead of being applied ahead of it (and written over by it). Nil when nothing is coalesced.
    func reserve(_ event: SyncEvent) async -> CoalescingReservation?
    /// Takes back a reservation whose event will not be submitted (its delivery goes back to the
    /// queue); events that stepped aside for it go back too.
    func withdraw(_ reservation: CoalescingReservation, of event: SyncEvent) async
    /// Decides `event`'s fate (registered by `reserved`, or now) and, if it is to be applied, runs
    /// `apply` while holding its keys.
    func submit(
        _ event: SyncEvent, reserved: CoalescingReservation?, apply: (SyncEvent) async throws(SyncFailure) -> Void
    ) async -> CoalescingOutcome
    /// Returns once no event for `key` is held by this process any more (at once when none is):
    /// a contact waits so for its company's pending create rather than fail to find it.
    func waitUntilSettled(_ key: SyncKey) async
    /// The number of events waiting for a record's lock, for a metric.
    var lockWaiterCount: Int { get }
}

/// An event registered with its coalescer ahead of its submission (``EventCoalescing/reserve(_:)``).
struct CoalescingReservation: Sendable, Equatable {
    let sequence: UInt64
}

extension EventCoalescing {
    /// Decides `event`'s fate and, if it is to be applied, runs `apply` while holding its keys.
    func submit(_ event: SyncEvent, apply: (SyncEvent) async throws(SyncFailure) -> Void) async -> CoalescingOutcome {
        await submit(event, reserved: nil, apply: apply)
    }
}
